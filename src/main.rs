//! The `rnetstat` binary: parse → dispatch → exit code. A broken pipe is a normal exit.

use std::process::ExitCode;

use clap::Parser;
use rnetstat::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match rnetstat::cmd::dispatch(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnetstat: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
