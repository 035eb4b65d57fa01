
use builtin;
use str;

set edit:completion:arg-completer[rnetstat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rnetstat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rnetstat'= {
            cand -A 'Address families to show: inet, inet6, unix (comma-separated)'
            cand --protocol 'Address families to show: inet, inet6, unix (comma-separated)'
            cand -c 'Refresh every SECS seconds (default 1) until interrupted'
            cand --continuous 'Refresh every SECS seconds (default 1) until interrupted'
            cand --format 'Output format'
            cand --source 'Where to read kernel sockets from'
            cand --stack 'Which protocol stacks to list'
            cand -N 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --net 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --container 'Only the network namespace of container NAME or ID (a unique id prefix is enough)'
            cand -F 'Read the filter expression from FILE (one or more lines; # starts a comment)'
            cand --filter 'Read the filter expression from FILE (one or more lines; # starts a comment)'
            cand -t 'Show TCP sockets'
            cand --tcp 'Show TCP sockets'
            cand -u 'Show UDP sockets'
            cand --udp 'Show UDP sockets'
            cand -w 'Show RAW sockets'
            cand --raw 'Show RAW sockets'
            cand -x 'Show UNIX domain sockets'
            cand --unix 'Show UNIX domain sockets'
            cand -4 'Only IPv4'
            cand --inet 'Only IPv4'
            cand -6 'Only IPv6'
            cand --inet6 'Only IPv6'
            cand -l 'Show only listening sockets'
            cand --listening 'Show only listening sockets'
            cand -a 'Show listening and non-listening sockets'
            cand --all 'Show listening and non-listening sockets'
            cand -n 'Don''t resolve host, port or user names'
            cand --numeric 'Don''t resolve host, port or user names'
            cand --numeric-hosts 'Don''t resolve host names'
            cand --numeric-ports 'Don''t resolve port names'
            cand --numeric-users 'Don''t resolve user names'
            cand -p 'Show the PID and name of the program holding each socket'
            cand --programs 'Show the PID and name of the program holding each socket'
            cand -e 'Show more information (User and Inode columns); -ee adds the socket cookie, cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with -r: Metric/Ref/Use columns, -ee both layouts'
            cand --extend 'Show more information (User and Inode columns); -ee adds the socket cookie, cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with -r: Metric/Ref/Use columns, -ee both layouts'
            cand -o 'Show timers'
            cand --timers 'Show timers'
            cand -W 'Don''t truncate IP addresses'
            cand --wide 'Don''t truncate IP addresses'
            cand --json 'Same as --format json'
            cand -S 'Show SCTP sockets'
            cand --sctp 'Show SCTP sockets'
            cand --mptcp 'Show MPTCP sockets'
            cand -0 'Show packet sockets (AF_PACKET)'
            cand --packet 'Show packet sockets (AF_PACKET)'
            cand --netlink 'Show netlink sockets'
            cand --peer 'Show the socket at the other end when it is on this host: unix peers, loopback and other namespaces (searched whether or not --all-netns is given), with its process'
            cand --info 'Show TCP internals (tcp_info and congestion control), like ss -i'
            cand -m 'Show socket memory (skmeminfo), like ss -m'
            cand --memory 'Show socket memory (skmeminfo), like ss -m'
            cand --all-netns 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
            cand -i 'Show the interface table (netstat -i): counters and flags; with -a also down ones'
            cand --interfaces 'Show the interface table (netstat -i): counters and flags; with -a also down ones'
            cand -g 'Show IPv4 and IPv6 multicast group memberships (netstat -g)'
            cand --groups 'Show IPv4 and IPv6 multicast group memberships (netstat -g)'
            cand -r 'Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it'
            cand --route 'Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it'
            cand -s 'Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them'
            cand --statistics 'Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them'
            cand --delta 'With -s: show the change since the previous `-s --delta` run (kept per user and network namespace; RNETSTAT_HISTORY names the file), or over each -c interval'
            cand --summary 'Show counts per protocol and state instead of sockets, like ss -s'
            cand -K 'Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter'
            cand --kill 'Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter'
            cand --userspace-filter 'Evaluate the filter in rnetstat rather than in the kernel (for testing)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand stack 'Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground'
            cand compare 'Kernel sockets beside the userspace-stack sockets at the other end of the same connection'
            cand lab 'A self-contained lab (root): a private namespace, the stack, and kernel connections walked through the TCP life cycle, shown side by side at each step'
            cand metrics 'Print the sockets as Prometheus metrics once (for cron and node_exporter''s textfile collector)'
            cand serve 'Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for each scrape'
            cand watch 'Print sockets as they open, change state and close: dumps every interval diffed, and TCP closes as the kernel announces them (with their final byte counts)'
            cand top 'Throughput per connection, process, container or port, from the kernel''s own TCP counters (no packet capture), refreshed every interval'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rnetstat;stack'= {
            cand --device 'TUN device name'
            cand --addr4 'The stack''s IPv4 address and prefix; the kernel''s side gets the first host address'
            cand --addr6 'The stack''s IPv6 address and prefix; the kernel''s side gets the first host address'
            cand --mtu 'Device MTU'
            cand --rx-buffer 'Receive buffer of each TCP socket, in bytes'
            cand --tx-buffer 'Send buffer of each TCP socket, in bytes'
            cand --backlog 'Listening sockets kept ready per service (smoltcp has no accept backlog)'
            cand --max-sockets 'Most sockets the stack holds at once (bounds memory under a SYN flood)'
            cand --hold-port 'Port of the hold service (accepts, never reads)'
            cand --txqueuelen 'Transmit queue length of the device'
            cand --no-vnet-hdr 'Plain TUN frames: no virtio-net header, no GSO/checksum offload'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;compare'= {
            cand -c 'Refresh every SECS seconds (default 1) until interrupted'
            cand --continuous 'Refresh every SECS seconds (default 1) until interrupted'
            cand --json 'Output one JSON document'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;lab'= {
            cand --auto 'With --step: go on by itself every DELAY seconds instead of waiting for Enter'
            cand --step 'Release one packet at a time and show both sockets after each'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;metrics'= {
            cand -N 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --net 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --container 'Only the network namespace of container NAME or ID (a unique id prefix is enough)'
            cand --ports 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)'
            cand --max-series 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total'
            cand -o 'Write to FILE (a temporary file in the same directory, then renamed over it)'
            cand --output 'Write to FILE (a temporary file in the same directory, then renamed over it)'
            cand -t 'Show TCP sockets'
            cand --tcp 'Show TCP sockets'
            cand -u 'Show UDP sockets'
            cand --udp 'Show UDP sockets'
            cand -w 'Show RAW sockets'
            cand --raw 'Show RAW sockets'
            cand -x 'Show UNIX domain sockets'
            cand --unix 'Show UNIX domain sockets'
            cand -4 'Only IPv4'
            cand --inet 'Only IPv4'
            cand -6 'Only IPv6'
            cand --inet6 'Only IPv6'
            cand --all-netns 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
            cand --openmetrics 'OpenMetrics 1.0 text instead of Prometheus text 0.0.4'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;serve'= {
            cand -N 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --net 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --container 'Only the network namespace of container NAME or ID (a unique id prefix is enough)'
            cand --ports 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)'
            cand --max-series 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total'
            cand --listen 'Address and port to listen on (loopback unless told otherwise)'
            cand --timeout 'Seconds a client has to send its request, and to read the reply'
            cand --max-connections 'Most connections served at once; more are answered 503'
            cand -t 'Show TCP sockets'
            cand --tcp 'Show TCP sockets'
            cand -u 'Show UDP sockets'
            cand --udp 'Show UDP sockets'
            cand -w 'Show RAW sockets'
            cand --raw 'Show RAW sockets'
            cand -x 'Show UNIX domain sockets'
            cand --unix 'Show UNIX domain sockets'
            cand -4 'Only IPv4'
            cand --inet 'Only IPv4'
            cand -6 'Only IPv6'
            cand --inet6 'Only IPv6'
            cand --all-netns 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;watch'= {
            cand -N 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --net 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --container 'Only the network namespace of container NAME or ID (a unique id prefix is enough)'
            cand -c 'Seconds between dumps'
            cand --interval 'Seconds between dumps'
            cand -t 'Show TCP sockets'
            cand --tcp 'Show TCP sockets'
            cand -u 'Show UDP sockets'
            cand --udp 'Show UDP sockets'
            cand -w 'Show RAW sockets'
            cand --raw 'Show RAW sockets'
            cand -x 'Show UNIX domain sockets'
            cand --unix 'Show UNIX domain sockets'
            cand -4 'Only IPv4'
            cand --inet 'Only IPv4'
            cand -6 'Only IPv6'
            cand --inet6 'Only IPv6'
            cand --all-netns 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
            cand --json 'JSON lines: {"time", "event", "previous_state", "socket"}'
            cand -p 'Name the process holding each socket (a /proc walk per dump)'
            cand --programs 'Name the process holding each socket (a /proc walk per dump)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;top'= {
            cand -N 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --net 'Network namespace NS instead of rnetstat''s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it'
            cand --container 'Only the network namespace of container NAME or ID (a unique id prefix is enough)'
            cand -c 'Seconds between refreshes (default 1); the rates cover one interval. Given, frames are printed as text instead of the full screen'
            cand --interval 'Seconds between refreshes (default 1); the rates cover one interval. Given, frames are printed as text instead of the full screen'
            cand --view 'What the rows are'
            cand -n 'Rows per frame'
            cand --rows 'Rows per frame'
            cand --all-netns 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
            cand --once 'Print one frame (two samples an interval apart) and exit'
            cand --json 'One JSON document per frame'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'rnetstat;help'= {
            cand stack 'Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground'
            cand compare 'Kernel sockets beside the userspace-stack sockets at the other end of the same connection'
            cand lab 'A self-contained lab (root): a private namespace, the stack, and kernel connections walked through the TCP life cycle, shown side by side at each step'
            cand metrics 'Print the sockets as Prometheus metrics once (for cron and node_exporter''s textfile collector)'
            cand serve 'Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for each scrape'
            cand watch 'Print sockets as they open, change state and close: dumps every interval diffed, and TCP closes as the kernel announces them (with their final byte counts)'
            cand top 'Throughput per connection, process, container or port, from the kernel''s own TCP counters (no packet capture), refreshed every interval'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'rnetstat;help;stack'= {
        }
        &'rnetstat;help;compare'= {
        }
        &'rnetstat;help;lab'= {
        }
        &'rnetstat;help;metrics'= {
        }
        &'rnetstat;help;serve'= {
        }
        &'rnetstat;help;watch'= {
        }
        &'rnetstat;help;top'= {
        }
        &'rnetstat;help;help'= {
        }
    ]
    $completions[$command]
}
