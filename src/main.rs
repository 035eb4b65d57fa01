//! The `rnetstat` binary: parse → dispatch → exit code. A broken pipe is a normal exit.

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
            eprint!("{}", printable(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match rnetstat::cmd::dispatch(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnetstat: {}", printable(&e.to_string()));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// An error's text as it may reach a terminal: input it quotes (a path, a filter, a value)
/// cannot carry escape sequences, and no line runs on for more than 1,000 characters.
fn printable(text: &str) -> String {
    const LINE: usize = 1000;
    let mut out = String::with_capacity(text.len().min(64 * 1024));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (n, c) in line.chars().enumerate() {
            if n == LINE {
                out.push('…');
                break;
            }
            out.push(if c.is_control() && c != '\t' { '?' } else { c });
        }
    }
    out
}
