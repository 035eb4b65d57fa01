
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rnetstat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rnetstat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rnetstat' {
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Address families to show: inet, inet6, unix (comma-separated)')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Address families to show: inet, inet6, unix (comma-separated)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds (default 1) until interrupted')
            [CompletionResult]::new('--continuous', '--continuous', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds (default 1) until interrupted')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where to read kernel sockets from')
            [CompletionResult]::new('--stack', '--stack', [CompletionResultType]::ParameterName, 'Which protocol stacks to list')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--net', '--net', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only the network namespace of container NAME or ID (a unique id prefix is enough)')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Read the filter expression from FILE (one or more lines; # starts a comment)')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Read the filter expression from FILE (one or more lines; # starts a comment)')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print the version, the kernel, and which sock_diag protocols and socket destroy (-K) this kernel serves')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print the version, the kernel, and which sock_diag protocols and socket destroy (-K) this kernel serves')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('--inet', '--inet', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--inet6', '--inet6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Show only listening sockets')
            [CompletionResult]::new('--listening', '--listening', [CompletionResultType]::ParameterName, 'Show only listening sockets')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Show listening and non-listening sockets')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Show listening and non-listening sockets')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Don''t resolve host, port or user names')
            [CompletionResult]::new('--numeric', '--numeric', [CompletionResultType]::ParameterName, 'Don''t resolve host, port or user names')
            [CompletionResult]::new('--numeric-hosts', '--numeric-hosts', [CompletionResultType]::ParameterName, 'Don''t resolve host names')
            [CompletionResult]::new('--numeric-ports', '--numeric-ports', [CompletionResultType]::ParameterName, 'Don''t resolve port names')
            [CompletionResult]::new('--numeric-users', '--numeric-users', [CompletionResultType]::ParameterName, 'Don''t resolve user names')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Show the PID and name of the program holding each socket')
            [CompletionResult]::new('--programs', '--programs', [CompletionResultType]::ParameterName, 'Show the PID and name of the program holding each socket')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Show more information (User and Inode columns); -ee adds the socket cookie, cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with -r: Metric/Ref/Use columns, -ee both layouts')
            [CompletionResult]::new('--extend', '--extend', [CompletionResultType]::ParameterName, 'Show more information (User and Inode columns); -ee adds the socket cookie, cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with -r: Metric/Ref/Use columns, -ee both layouts')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Show timers')
            [CompletionResult]::new('--timers', '--timers', [CompletionResultType]::ParameterName, 'Show timers')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'Don''t truncate IP addresses')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Don''t truncate IP addresses')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Show SCTP sockets')
            [CompletionResult]::new('--sctp', '--sctp', [CompletionResultType]::ParameterName, 'Show SCTP sockets')
            [CompletionResult]::new('--mptcp', '--mptcp', [CompletionResultType]::ParameterName, 'Show MPTCP sockets')
            [CompletionResult]::new('-0', '-0', [CompletionResultType]::ParameterName, 'Show packet sockets (AF_PACKET)')
            [CompletionResult]::new('--packet', '--packet', [CompletionResultType]::ParameterName, 'Show packet sockets (AF_PACKET)')
            [CompletionResult]::new('--netlink', '--netlink', [CompletionResultType]::ParameterName, 'Show netlink sockets')
            [CompletionResult]::new('--peer', '--peer', [CompletionResultType]::ParameterName, 'Show the socket at the other end when it is on this host: unix peers, loopback and other namespaces (searched whether or not --all-netns is given), with its process')
            [CompletionResult]::new('--info', '--info', [CompletionResultType]::ParameterName, 'Show TCP internals (tcp_info and congestion control), like ss -i')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Show socket memory (skmeminfo), like ss -m')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show socket memory (skmeminfo), like ss -m')
            [CompletionResult]::new('--all-netns', '--all-netns', [CompletionResultType]::ParameterName, 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the interface table (netstat -i): counters and flags; with -a also down ones')
            [CompletionResult]::new('--interfaces', '--interfaces', [CompletionResultType]::ParameterName, 'Show the interface table (netstat -i): counters and flags; with -a also down ones')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Show IPv4 and IPv6 multicast group memberships (netstat -g)')
            [CompletionResult]::new('--groups', '--groups', [CompletionResultType]::ParameterName, 'Show IPv4 and IPv6 multicast group memberships (netstat -g)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them')
            [CompletionResult]::new('--statistics', '--statistics', [CompletionResultType]::ParameterName, 'Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them')
            [CompletionResult]::new('--delta', '--delta', [CompletionResultType]::ParameterName, 'With -s: show the change since the previous `-s --delta` run (kept per user and network namespace; RNETSTAT_HISTORY names the file), or over each -c interval')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Show counts per protocol and state instead of sockets, like ss -s')
            [CompletionResult]::new('-K', '-K ', [CompletionResultType]::ParameterName, 'Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter')
            [CompletionResult]::new('--kill', '--kill', [CompletionResultType]::ParameterName, 'Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter')
            [CompletionResult]::new('--userspace-filter', '--userspace-filter', [CompletionResultType]::ParameterName, 'Evaluate the filter in rnetstat rather than in the kernel (for testing)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('stack', 'stack', [CompletionResultType]::ParameterValue, 'Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Kernel sockets beside the userspace-stack sockets at the other end of the same connection')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'A self-contained lab (root): a private namespace, the stack, and kernel connections walked through the TCP life cycle, shown side by side at each step')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Print the sockets as Prometheus metrics once (for cron and node_exporter''s textfile collector)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for each scrape')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Print sockets as they open, change state and close: dumps every interval diffed, and TCP closes as the kernel announces them (with their final byte counts)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Throughput per connection, process, container or port, from the kernel''s own TCP counters (no packet capture), refreshed every interval')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rnetstat;stack' {
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'TUN device name')
            [CompletionResult]::new('--addr4', '--addr4', [CompletionResultType]::ParameterName, 'The stack''s IPv4 address and prefix; the kernel''s side gets the first host address')
            [CompletionResult]::new('--addr6', '--addr6', [CompletionResultType]::ParameterName, 'The stack''s IPv6 address and prefix; the kernel''s side gets the first host address')
            [CompletionResult]::new('--mtu', '--mtu', [CompletionResultType]::ParameterName, 'Device MTU')
            [CompletionResult]::new('--rx-buffer', '--rx-buffer', [CompletionResultType]::ParameterName, 'Receive buffer of each TCP socket, in bytes')
            [CompletionResult]::new('--tx-buffer', '--tx-buffer', [CompletionResultType]::ParameterName, 'Send buffer of each TCP socket, in bytes')
            [CompletionResult]::new('--backlog', '--backlog', [CompletionResultType]::ParameterName, 'Listening sockets kept ready per service (smoltcp has no accept backlog)')
            [CompletionResult]::new('--max-sockets', '--max-sockets', [CompletionResultType]::ParameterName, 'Most sockets the stack holds at once (bounds memory under a SYN flood)')
            [CompletionResult]::new('--hold-port', '--hold-port', [CompletionResultType]::ParameterName, 'Port of the hold service (accepts, never reads)')
            [CompletionResult]::new('--txqueuelen', '--txqueuelen', [CompletionResultType]::ParameterName, 'Transmit queue length of the device')
            [CompletionResult]::new('--loss', '--loss', [CompletionResultType]::ParameterName, 'Drop this percentage of packets, at random')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Delay every packet by MS milliseconds, ± a uniform JITTER')
            [CompletionResult]::new('--reorder', '--reorder', [CompletionResultType]::ParameterName, 'Send this percentage of packets out of order (held back so the next overtakes)')
            [CompletionResult]::new('--duplicate', '--duplicate', [CompletionResultType]::ParameterName, 'Send this percentage of packets twice')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'A token bucket of KBIT kilobits per second that delays, never drops')
            [CompletionResult]::new('--drop', '--drop', [CompletionResultType]::ParameterName, 'Drop the Nth segment of a KIND (any, syn, syn-ack, data, ack, fin); repeatable')
            [CompletionResult]::new('--delay-segment', '--delay-segment', [CompletionResultType]::ParameterName, 'Hold the Nth segment of a KIND for MS milliseconds; repeatable')
            [CompletionResult]::new('--duplicate-segment', '--duplicate-segment', [CompletionResultType]::ParameterName, 'Send the Nth segment of a KIND twice; repeatable')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the random impairments (and of smoltcp''s sequence numbers): the same seed drops the same packets')
            [CompletionResult]::new('--no-vnet-hdr', '--no-vnet-hdr', [CompletionResultType]::ParameterName, 'Plain TUN frames: no virtio-net header, no GSO/checksum offload')
            [CompletionResult]::new('--to-stack', '--to-stack', [CompletionResultType]::ParameterName, 'Impair only packets from the kernel to the stack')
            [CompletionResult]::new('--to-kernel', '--to-kernel', [CompletionResultType]::ParameterName, 'Impair only packets from the stack to the kernel')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;compare' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds (default 1) until interrupted')
            [CompletionResult]::new('--continuous', '--continuous', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds (default 1) until interrupted')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output one JSON document')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;lab' {
            [CompletionResult]::new('--auto', '--auto', [CompletionResultType]::ParameterName, 'With --step: go on by itself every DELAY seconds (0: no pause) instead of waiting for Enter')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'Run a built-in scenario both ways (kernel sending to the stack, then the stack to the kernel); see --list')
            [CompletionResult]::new('--script', '--script', [CompletionResultType]::ParameterName, 'Run a scenario from a file in the lab''s script format (docs/lab-scripts.md)')
            [CompletionResult]::new('--way', '--way', [CompletionResultType]::ParameterName, 'Run only one way: `kernel` (the kernel is side a) or `stack` (the stack is side a)')
            [CompletionResult]::new('--cc', '--cc', [CompletionResultType]::ParameterName, 'Congestion control of the stack''s socket')
            [CompletionResult]::new('--pcap', '--pcap', [CompletionResultType]::ParameterName, 'Write every packet on the link to FILE as pcapng, each with a comment holding the scenario step and both sockets'' state after it')
            [CompletionResult]::new('--ladder-svg', '--ladder-svg', [CompletionResultType]::ParameterName, 'Write the ladder diagram as SVG to FILE (one file; both ways side by side)')
            [CompletionResult]::new('--loss', '--loss', [CompletionResultType]::ParameterName, 'Drop this percentage of packets, at random')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Delay every packet by MS milliseconds, ± a uniform JITTER')
            [CompletionResult]::new('--reorder', '--reorder', [CompletionResultType]::ParameterName, 'Send this percentage of packets out of order (held back so the next overtakes)')
            [CompletionResult]::new('--duplicate', '--duplicate', [CompletionResultType]::ParameterName, 'Send this percentage of packets twice')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'A token bucket of KBIT kilobits per second that delays, never drops')
            [CompletionResult]::new('--drop', '--drop', [CompletionResultType]::ParameterName, 'Drop the Nth segment of a KIND (any, syn, syn-ack, data, ack, fin); repeatable')
            [CompletionResult]::new('--delay-segment', '--delay-segment', [CompletionResultType]::ParameterName, 'Hold the Nth segment of a KIND for MS milliseconds; repeatable')
            [CompletionResult]::new('--duplicate-segment', '--duplicate-segment', [CompletionResultType]::ParameterName, 'Send the Nth segment of a KIND twice; repeatable')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of the random impairments (and of smoltcp''s sequence numbers): the same seed drops the same packets')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Release one packet at a time and show both sockets after each')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the built-in scenarios and exit')
            [CompletionResult]::new('--ladder', '--ladder', [CompletionResultType]::ParameterName, 'Draw the exchange as a ladder diagram (kernel and stack time lines) after each run')
            [CompletionResult]::new('--to-stack', '--to-stack', [CompletionResultType]::ParameterName, 'Impair only packets from the kernel to the stack')
            [CompletionResult]::new('--to-kernel', '--to-kernel', [CompletionResultType]::ParameterName, 'Impair only packets from the stack to the kernel')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;metrics' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--net', '--net', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only the network namespace of container NAME or ID (a unique id prefix is enough)')
            [CompletionResult]::new('--ports', '--ports', [CompletionResultType]::ParameterName, 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)')
            [CompletionResult]::new('--max-series', '--max-series', [CompletionResultType]::ParameterName, 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (a temporary file in the same directory, then renamed over it)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (a temporary file in the same directory, then renamed over it)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('--inet', '--inet', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--inet6', '--inet6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--all-netns', '--all-netns', [CompletionResultType]::ParameterName, 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])')
            [CompletionResult]::new('--openmetrics', '--openmetrics', [CompletionResultType]::ParameterName, 'OpenMetrics 1.0 text instead of Prometheus text 0.0.4')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;serve' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--net', '--net', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only the network namespace of container NAME or ID (a unique id prefix is enough)')
            [CompletionResult]::new('--ports', '--ports', [CompletionResultType]::ParameterName, 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)')
            [CompletionResult]::new('--max-series', '--max-series', [CompletionResultType]::ParameterName, 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on (loopback unless told otherwise)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds a client has to send its request, and to read the reply')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections served at once; when all are taken, the one waiting longest on a slow client is dropped for the newcomer (503 only when none is waiting)')
            [CompletionResult]::new('--web.config.file', '--web.config.file', [CompletionResultType]::ParameterName, 'TLS and basic authentication, in the Prometheus exporters'' web configuration format (exporter-toolkit: tls_server_config, basic_auth_users)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('--inet', '--inet', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--inet6', '--inet6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--all-netns', '--all-netns', [CompletionResultType]::ParameterName, 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;watch' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--net', '--net', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only the network namespace of container NAME or ID (a unique id prefix is enough)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Seconds between dumps')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between dumps')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('--inet', '--inet', [CompletionResultType]::ParameterName, 'Only IPv4')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--inet6', '--inet6', [CompletionResultType]::ParameterName, 'Only IPv6')
            [CompletionResult]::new('--all-netns', '--all-netns', [CompletionResultType]::ParameterName, 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'JSON lines: {"time", "event", "previous_state", "socket"}')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Name the process holding each socket (a /proc walk per dump)')
            [CompletionResult]::new('--programs', '--programs', [CompletionResultType]::ParameterName, 'Name the process holding each socket (a /proc walk per dump)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;top' {
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--net', '--net', [CompletionResultType]::ParameterName, 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only the network namespace of container NAME or ID (a unique id prefix is enough)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Seconds between refreshes (default 1); the rates cover one interval. Given, frames are printed as text instead of the full screen')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between refreshes (default 1); the rates cover one interval. Given, frames are printed as text instead of the full screen')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print N frames as text, one an interval, then exit (the first has no rates yet)')
            [CompletionResult]::new('--view', '--view', [CompletionResultType]::ParameterName, 'What the rows are')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Rows per frame')
            [CompletionResult]::new('--rows', '--rows', [CompletionResultType]::ParameterName, 'Rows per frame')
            [CompletionResult]::new('--all-netns', '--all-netns', [CompletionResultType]::ParameterName, 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Print one frame (two samples an interval apart) and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON document per frame')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'rnetstat;help' {
            [CompletionResult]::new('stack', 'stack', [CompletionResultType]::ParameterValue, 'Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Kernel sockets beside the userspace-stack sockets at the other end of the same connection')
            [CompletionResult]::new('lab', 'lab', [CompletionResultType]::ParameterValue, 'A self-contained lab (root): a private namespace, the stack, and kernel connections walked through the TCP life cycle, shown side by side at each step')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Print the sockets as Prometheus metrics once (for cron and node_exporter''s textfile collector)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for each scrape')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Print sockets as they open, change state and close: dumps every interval diffed, and TCP closes as the kernel announces them (with their final byte counts)')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'Throughput per connection, process, container or port, from the kernel''s own TCP counters (no packet capture), refreshed every interval')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'rnetstat;help;stack' {
            break
        }
        'rnetstat;help;compare' {
            break
        }
        'rnetstat;help;lab' {
            break
        }
        'rnetstat;help;metrics' {
            break
        }
        'rnetstat;help;serve' {
            break
        }
        'rnetstat;help;watch' {
            break
        }
        'rnetstat;help;top' {
            break
        }
        'rnetstat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
