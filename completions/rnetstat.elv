
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
            cand -t 'Show TCP sockets'
            cand --tcp 'Show TCP sockets'
            cand -u 'Show UDP sockets'
            cand --udp 'Show UDP sockets'
            cand -w 'Show RAW sockets'
            cand --raw 'Show RAW sockets'
            cand -x 'Show UNIX domain sockets'
            cand --unix 'Show UNIX domain sockets'
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
            cand -e 'Show more information (User and Inode columns); may be repeated'
            cand --extend 'Show more information (User and Inode columns); may be repeated'
            cand -o 'Show timers'
            cand --timers 'Show timers'
            cand -W 'Don''t truncate IP addresses'
            cand --wide 'Don''t truncate IP addresses'
            cand -4 'Only IPv4 (same as -A inet)'
            cand --inet 'Only IPv4 (same as -A inet)'
            cand -6 'Only IPv6 (same as -A inet6)'
            cand --inet6 'Only IPv6 (same as -A inet6)'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
