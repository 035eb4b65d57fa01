//! The `rnetstat` binary: parse → dispatch → exit code. A broken pipe is a normal exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use rnetstat::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help, --version: clap's own text, with its styles.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // A usage error quotes what was typed: shown without its control characters.
            let _ = write!(std::io::stderr(), "{}", printable(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match rnetstat::cmd::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Not eprintln!: a standard error that is gone (a closed terminal) must not
            // turn an error into a panic.
            let _ = writeln!(std::io::stderr(), "rnetstat: {}", printable(&e.to_string()));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// An error's text as it may reach a terminal: input it quotes (a path, a filter, a value)
/// cannot carry escape sequences, and no word of it runs on for more than 200 characters
/// (so a huge value cannot push the reason off the line).
fn printable(text: &str) -> String {
    const WORD: usize = 200;
    let mut out = String::with_capacity(text.len().min(64 * 1024));
    let mut run = 0;
    for c in text.chars() {
        if c == '\n' || c == ' ' {
            run = 0;
            out.push(c);
            continue;
        }
        run += 1;
        if run == WORD + 1 {
            out.push('…');
        }
        if run > WORD {
            continue;
        }
        out.push(if c.is_control() && c != '\t' { '?' } else { c });
    }
    out
}
