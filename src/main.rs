//! The `rnetstat` binary: parse → run → exit code. A broken pipe is a normal exit.

use std::process::ExitCode;

use clap::Parser;
use rnetstat::cli::{Cli, Command};
use rnetstat::config::{self, Config};
use rnetstat::error::Error;
use rnetstat::run::{World, run};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result: Result<(), Error> = match &cli.command {
        None => Config::from_cli(&cli).and_then(|cfg| run(&cfg, &mut World::real())),
        Some(Command::Stack(a)) => {
            config::stack_config(a).and_then(|cfg| rnetstat::stack::foreground::run(&cfg))
        }
        Some(Command::Compare(a)) => config::CompareConfig::from_args(a)
            .and_then(|cfg| rnetstat::compare::run(&cfg, &mut World::real())),
        Some(Command::Lab(a)) => {
            config::LabConfig::from_args(a).and_then(|cfg| rnetstat::lab::run(&cfg))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rnetstat: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
