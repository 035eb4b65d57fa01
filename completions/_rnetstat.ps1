
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
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Show TCP sockets')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('--udp', '--udp', [CompletionResultType]::ParameterName, 'Show UDP sockets')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Show RAW sockets')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Show UNIX domain sockets')
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
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Show more information (User and Inode columns); may be repeated')
            [CompletionResult]::new('--extend', '--extend', [CompletionResultType]::ParameterName, 'Show more information (User and Inode columns); may be repeated')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Show timers')
            [CompletionResult]::new('--timers', '--timers', [CompletionResultType]::ParameterName, 'Show timers')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'Don''t truncate IP addresses')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Don''t truncate IP addresses')
            [CompletionResult]::new('-4', '-4', [CompletionResultType]::ParameterName, 'Only IPv4 (same as -A inet)')
            [CompletionResult]::new('--inet', '--inet', [CompletionResultType]::ParameterName, 'Only IPv4 (same as -A inet)')
            [CompletionResult]::new('-6', '-6', [CompletionResultType]::ParameterName, 'Only IPv6 (same as -A inet6)')
            [CompletionResult]::new('--inet6', '--inet6', [CompletionResultType]::ParameterName, 'Only IPv6 (same as -A inet6)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
