# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rnetstat_global_optspecs
    string join \n V/version t/tcp u/udp w/raw x/unix 4/inet 6/inet6 l/listening a/all n/numeric numeric-hosts numeric-ports numeric-users p/programs e/extend o/timers W/wide A/protocol= c/continuous= format= json source= stack= S/sctp mptcp 0/packet netlink peer info m/memory why at= db= age reasons interval= N/net= all-netns container= i/interfaces g/groups r/route s/statistics delta summary K/kill F/filter= userspace-filter h/help
end

function __fish_rnetstat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rnetstat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rnetstat_using_subcommand
    set -l cmd (__fish_rnetstat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rnetstat -n "__fish_rnetstat_needs_command" -s A -l protocol -d 'Address families to show: inet, inet6, unix (comma-separated)' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s c -l continuous -d 'Refresh every SECS seconds (default 1) until interrupted' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l format -d 'Output format' -r -f -a "text\t'netstat-compatible text'
table\t'a table for people'
json\t'one JSON document'
jsonl\t'one JSON record per line'"
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l source -d 'Where to read kernel sockets from' -r -f -a "auto\t'sock_diag netlink, falling back to /proc/net per protocol'
netlink\t'sock_diag netlink only'
proc\t'/proc/net only'"
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l stack -d 'Which protocol stacks to list' -r -f -a "kernel\t'the kernel\'s sockets'
user\t'the userspace stacks\' sockets (`rnetstat stack`)'
all\t'both, with a Stack column in text'"
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l at -d 'List what the recorder (`rnetstat record`) saw at TIME instead of what is there now: RFC 3339, \'YYYY-MM-DD HH:MM[:SS]\' (local time), a time ago (-10m, \'2h ago\'), or now' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l db -d 'The recorder\'s database, for --at and --age (default /var/lib/rnetstat/history.db as root, else $XDG_STATE_HOME/rnetstat/history.db)' -r -F
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l interval -d 'With --why: take two samples SECS apart, for the verdicts that need a rate (0: one sample, as without it)' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s F -l filter -d 'Read the filter expression from FILE (one or more lines; # starts a comment)' -r -F
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s V -l version -d 'Print the version, the kernel, and which sock_diag protocols and socket destroy (-K) this kernel serves'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s l -l listening -d 'Show only listening sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s a -l all -d 'Show listening and non-listening sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s n -l numeric -d 'Don\'t resolve host, port or user names'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l numeric-hosts -d 'Don\'t resolve host names'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l numeric-ports -d 'Don\'t resolve port names'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l numeric-users -d 'Don\'t resolve user names'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s p -l programs -d 'Show the PID and name of the program holding each socket'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s e -l extend -d 'Show more information (User and Inode columns); -ee adds the socket cookie, cgroup, fwmark, v6only and shutdown state. With -i: the long (ifconfig) form; with -r: Metric/Ref/Use columns, -ee both layouts'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s o -l timers -d 'Show timers'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s W -l wide -d 'Don\'t truncate IP addresses'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l json -d 'Same as --format json'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s S -l sctp -d 'Show SCTP sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l mptcp -d 'Show MPTCP sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s 0 -l packet -d 'Show packet sockets (AF_PACKET)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l netlink -d 'Show netlink sockets'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l peer -d 'Show the socket at the other end when it is on this host: unix peers, loopback and other namespaces (searched whether or not --all-netns is given), with its process'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l info -d 'Show TCP internals (tcp_info and congestion control), like ss -i'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s m -l memory -d 'Show socket memory (skmeminfo), like ss -m'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l why -d 'Add each TCP socket\'s verdicts (what limits or troubles it, docs/why.md): a Why column in text and table, a `why` array in JSON. One sample unless --interval'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l age -d 'An Age column: how long since the recorder first saw each socket (JSON: first_seen, first_seen_exact); needs the recorder\'s database'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l reasons -d 'A Reasons column: the retransmits, resets and drops (by the kernel\'s reason) its tracepoints counted for each socket while `trace`, `serve` or `record` runs (root); JSON has them as `events` whenever a tracer runs'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s i -l interfaces -d 'Show the interface table (netstat -i): counters and flags; with -a also down ones'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s g -l groups -d 'Show IPv4 and IPv6 multicast group memberships (netstat -g)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s r -l route -d 'Show the kernel routing table (netstat -r): IPv4 unless -6; -e and -ee widen it'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s s -l statistics -d 'Show the protocol counters (netstat -s): IPv4 unless -6; -t/-u/-w narrow them'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l delta -d 'With -s: show the change since the previous `-s --delta` run (kept per user and network namespace; RNETSTAT_HISTORY names the file), or over each -c interval'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l summary -d 'Show counts per protocol and state instead of sockets, like ss -s'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s K -l kill -d 'Close the sockets the filter selects (SOCK_DESTROY; root). Needs a filter'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -l userspace-filter -d 'Evaluate the filter in rnetstat rather than in the kernel (for testing)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "stack" -d 'Run the userspace TCP/IP stack (smoltcp) over a new TUN device, in the foreground'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "compare" -d 'Kernel sockets beside the userspace-stack sockets at the other end of the same connection'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "lab" -d 'A self-contained lab (root): a private namespace, the stack, and kernel connections walked through the TCP life cycle, shown side by side at each step'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "metrics" -d 'Print the sockets as Prometheus metrics once (for cron and node_exporter\'s textfile collector)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "serve" -d 'Serve the sockets as Prometheus metrics over HTTP: GET /metrics, collected afresh for each scrape'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "watch" -d 'Print sockets as they open, change state and close: dumps every interval diffed, TCP closes as the kernel announces them (with their final byte counts) and, as root, every TCP transition from the kernel\'s inet_sock_set_state tracepoint'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "top" -d 'Throughput per connection, process, container or port, from the kernel\'s own TCP counters (no packet capture), refreshed every interval'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "explain" -d 'Say what limits each connection and what troubles listeners, processes, namespaces and the host, with the evidence and the usual fix (docs/why.md)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "record" -d 'Record every socket\'s life into a SQLite database, every interval, until stopped (docs/history.md)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "history" -d 'What the recorder saw happen: sockets opened, changing state, closed, in order'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "diff" -d 'What changed between two moments (the second defaults to now, live): listeners added and removed, connections opened and closed, state changes'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "trace" -d 'Print what happens to TCP sockets as the kernel\'s tracepoints tell it: retransmits, resets sent and received, drops with their reasons, state changes (root; docs/trace.md)'
complete -c rnetstat -n "__fish_rnetstat_needs_command" -a "help" -d 'Print the help of rnetstat, or of one of its commands'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l device -d 'TUN device name' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l addr4 -d 'The stack\'s IPv4 address and prefix; the kernel\'s side gets the first host address' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l addr6 -d 'The stack\'s IPv6 address and prefix; the kernel\'s side gets the first host address' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l mtu -d 'Device MTU' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l rx-buffer -d 'Receive buffer of each TCP socket, in bytes' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l tx-buffer -d 'Send buffer of each TCP socket, in bytes' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l backlog -d 'Listening sockets kept ready per service (smoltcp has no accept backlog)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l max-sockets -d 'Most sockets the stack holds at once (bounds memory under a SYN flood)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l hold-port -d 'Port of the hold service (accepts, never reads)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l keepalive -d 'Keep-alive probes after SECS of silence on an idle connection, and every SECS after; a peer silent for 4×SECS is dropped (off by default: idle connections live)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l txqueuelen -d 'Transmit queue length of the device' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l loss -d 'Drop this percentage of packets, at random' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l delay -d 'Delay every packet by MS milliseconds, ± a uniform JITTER' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l reorder -d 'Send this percentage of packets out of order (held back so the next overtakes)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l duplicate -d 'Send this percentage of packets twice' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l rate -d 'A token bucket of KBIT kilobits per second that delays, never drops' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l drop -d 'Drop the Nth segment of a KIND (any, syn, syn-ack, data, ack, fin); repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l delay-segment -d 'Hold the Nth segment of a KIND for MS milliseconds; repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l duplicate-segment -d 'Send the Nth segment of a KIND twice; repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l seed -d 'Seed of the random impairments (and of smoltcp\'s sequence numbers): the same seed drops the same packets' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l no-vnet-hdr -d 'Plain TUN frames: no virtio-net header, no GSO/checksum offload'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l to-stack -d 'Impair only packets from the kernel to the stack'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -l to-kernel -d 'Impair only packets from the stack to the kernel'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand stack" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -s c -l continuous -d 'Refresh every SECS seconds (default 1) until interrupted' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -l json -d 'Output one JSON document'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand compare" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l auto -d 'With --step: go on by itself every DELAY seconds (0: no pause) instead of waiting for Enter' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l scenario -d 'Run a built-in scenario both ways (kernel sending to the stack, then the stack to the kernel); see --list' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l script -d 'Run a scenario from a file in the lab\'s script format (docs/lab-scripts.md)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l way -d 'Run only one way: `kernel` (the kernel is side a) or `stack` (the stack is side a)' -r -f -a "kernel\t''
stack\t''"
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l cc -d 'Congestion control of the stack\'s socket' -r -f -a "reno\t''
cubic\t''
none\t''"
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l pcap -d 'Write every packet on the link to FILE as pcapng, each with a comment holding the scenario step and both sockets\' state after it' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l ladder-svg -d 'Write the ladder diagram as SVG to FILE (one file; both ways side by side)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l loss -d 'Drop this percentage of packets, at random' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l delay -d 'Delay every packet by MS milliseconds, ± a uniform JITTER' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l reorder -d 'Send this percentage of packets out of order (held back so the next overtakes)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l duplicate -d 'Send this percentage of packets twice' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l rate -d 'A token bucket of KBIT kilobits per second that delays, never drops' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l drop -d 'Drop the Nth segment of a KIND (any, syn, syn-ack, data, ack, fin); repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l delay-segment -d 'Hold the Nth segment of a KIND for MS milliseconds; repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l duplicate-segment -d 'Send the Nth segment of a KIND twice; repeatable' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l seed -d 'Seed of the random impairments (and of smoltcp\'s sequence numbers): the same seed drops the same packets' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l step -d 'Release one packet at a time and show both sockets after each'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l list -d 'List the built-in scenarios and exit'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l ladder -d 'Draw the exchange as a ladder diagram (kernel and stack time lines) after each run'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l to-stack -d 'Impair only packets from the kernel to the stack'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -l to-kernel -d 'Impair only packets from the stack to the kernel'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand lab" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -l ports -d 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -l max-series -d 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s o -l output -d 'Write to FILE (a temporary file in the same directory, then renamed over it)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -l openmetrics -d 'OpenMetrics 1.0 text instead of Prometheus text 0.0.4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand metrics" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l ports -d 'Ports that get rnetstat_connections series (comma-separated): local ports for direction="in", remote ports for direction="out". Default: every port with a listener (in) and the 20 busiest remote ports (out)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l max-series -d 'Most series of each per-port family; the rest are counted in rnetstat_series_dropped_total' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l listen -d 'Address and port to listen on (loopback unless told otherwise)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l timeout -d 'Seconds a client has to send its request, and to read the reply' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l max-connections -d 'Most connections served at once; when all are taken, the one waiting longest on a slow client is dropped for the newcomer (503 only when none is waiting)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l web.config.file -d 'TLS and basic authentication, in the Prometheus exporters\' web configuration format (exporter-toolkit: tls_server_config, basic_auth_users)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand serve" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -l interval -d 'Seconds between dumps (default 1)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s c -l continuous -d 'As netstat -c: a dump every SECS seconds (default 1); watch is always continuous' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -l json -d 'JSON lines: {"time", "event", "previous_state", "socket"}'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s p -l programs -d 'Name the process holding each socket (a /proc walk per dump)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand watch" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l interval -d 'Seconds between refreshes (default 1); the rates cover one interval' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s c -l continuous -d 'Continuous text, as netstat -c: a frame printed every SECS seconds (default 1) until interrupted, instead of the full screen' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l count -d 'Print N frames as text, one an interval, then exit (the first has no rates yet)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l view -d 'What the rows are' -r -f -a "connections\t''
processes\t''
containers\t''
ports\t''"
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l rows -d 'Rows per frame (1 to 100000)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s t -l tcp -d 'Only TCP (what top shows: rates come from tcp_info)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s n -l numeric -d 'Numeric addresses and ports (top never resolves names; accepted as everywhere else)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l once -d 'Print one frame (two samples an interval apart) and exit'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -l json -d 'One JSON document per frame'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand top" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -l interval -d 'Seconds between the two samples (default 1, at most a day); 0 takes one sample and gives only the verdicts that need no rate' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s F -l filter -d 'Read the filter expression from FILE, as for the listing' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -l stack -d 'Which protocol stacks to look at' -r -f -a "kernel\t'the kernel\'s sockets'
user\t'the userspace stacks\' sockets (`rnetstat stack`)'
all\t'both, with a Stack column in text'"
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s l -l listening -d 'Only listening sockets (listener verdicts)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s a -l all -d 'Every socket, listening or not (explain\'s default; accepted as for the listing)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s p -l programs -d 'Accepted as for the listing: every socket explain shows has a finding, and each is always named with its process'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s n -l numeric -d 'Don\'t resolve names (explain prints numbers; accepted as everywhere else)'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -l json -d '{"sockets": [records with findings], "findings": [process, netns, host and listener findings]}'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l db -d 'The database (default /var/lib/rnetstat/history.db as root, else $XDG_STATE_HOME/rnetstat/history.db); its directory must not be writable by others' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l interval -d 'Seconds between dumps (default 10)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l retention -d 'How long closed sockets are kept: a number with s, m, h or d (default 7d)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l max-size -d 'The most the data may take: a number with K, M or G (default 1G); the oldest goes first' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand record" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -l since -d 'From this time (default: the first recorded); as --at takes it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -l until -d 'Up to this time (default: now)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -l db -d 'The recorder\'s database (default as for record)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -l json -d 'JSON lines, as watch --json writes them: {"time", "event", "previous_state", "socket"}'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand history" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -l db -d 'The recorder\'s database (default as for record)' -r -F
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s t -l tcp -d 'Show TCP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s u -l udp -d 'Show UDP sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s w -l raw -d 'Show RAW sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s x -l unix -d 'Show UNIX domain sockets'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s 4 -l inet -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s 6 -l inet6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -l json -d 'One JSON document: {"from", "to", "listeners_added", "listeners_removed", "opened", "closed", "changed"}'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand diff" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -s N -l net -d 'Network namespace NS instead of rnetstat\'s own (ss -N): a name under /run/netns, a path to a namespace file (/proc/PID/ns/net, a bind mount), pid:PID, or net:[INODE] as rnetstat prints it' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -l container -d 'Only the network namespace of container NAME or ID (a unique id prefix is enough)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -l events -d 'The events to print, comma-separated: retransmit, reset-sent, reset-received, drop, state (default: all)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -l duration -d 'Stop after this many seconds (default: until SIGTERM, SIGINT or SIGHUP)' -r
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -l all-netns -d 'Every network namespace on the host, each once; a listing gains a column naming where each socket lives (container, /run/netns name, or net:[inode])'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -s 4 -l ipv4 -d 'Only IPv4'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -s 6 -l ipv6 -d 'Only IPv6'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -l json -d 'JSON lines, as watch --json: {"time", "event", "previous_state"?, "kind"?, "reason"?, "segments"?, "socket_id"?, "socket"}'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand trace" -s h -l help -d 'Print help'
complete -c rnetstat -n "__fish_rnetstat_using_subcommand help" -s h -l help -d 'Print help'
