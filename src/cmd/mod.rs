//! One small module per command; `main.rs` calls [`dispatch`] and nothing else.
//!
//! The listing without a subcommand picks its view here ([`run`]): the socket tables
//! ([`list`]), `-i`/`-r`/`-g` ([`views`]), `-s` ([`statistics`]) or `-K` ([`kill`]). Each of
//! them covers the namespaces `-N`/`--all-netns`/`--container` select (`spaces`).

pub mod at;
pub(crate) mod closes;
pub mod compare;
pub mod diff;
pub mod explain;
pub mod history;
pub mod kill;
pub mod lab;
pub mod list;
pub mod metrics;
pub(crate) mod openings;
pub mod record;
pub mod serve;
pub(crate) mod serve_events;
pub mod stack;
pub mod statistics;
pub mod top;
pub mod top_sample;
pub(crate) mod top_terminal;
pub mod trace;
pub(crate) mod transitions;
pub mod version;
pub mod views;
pub mod watch;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::config::{Config, View};
use crate::error::Error;
use crate::output::Format;
use crate::source::containers::RuntimeFiles;
use crate::source::netns::{self, Space, Target};
use crate::source::procfs::ProcRoot;

pub use crate::world::World;

/// Runs the command the command line names.
pub fn dispatch(mut cli: Cli) -> Result<(), Error> {
    if cli.version {
        return version::run();
    }
    outer_netns(&mut cli)?;
    let cli = &cli;
    match &cli.command {
        None => Config::from_cli(cli).and_then(|cfg| run(&cfg, &mut World::real())),
        Some(Command::Stack(a)) => stack::run(a),
        Some(Command::Compare(a)) => compare::run(a),
        Some(Command::Lab(a)) => lab::run(a),
        Some(Command::Metrics(a)) => metrics::run(a),
        Some(Command::Serve(a)) => serve::run(a),
        Some(Command::Watch(a)) => watch::run(a),
        Some(Command::Top(a)) => top::run(a),
        Some(Command::Explain(a)) => explain::run(a, &mut World::real()),
        Some(Command::Record(a)) => record::run(a),
        Some(Command::History(a)) => history::run(a, &mut World::real()),
        Some(Command::Diff(a)) => diff::run(a, &mut World::real()),
        Some(Command::Trace(a)) => trace::run(a),
        Some(Command::Help(a)) => help(a.command.as_deref()),
    }
}

/// `rnetstat -N NS compare`, as `ss -N NS` reads: namespace options given before a command
/// are that command's. Given both before and after, or before a command that does not
/// select namespaces, they are a usage error rather than silently ignored.
fn outer_netns(cli: &mut Cli) -> Result<(), Error> {
    let outer = &cli.netns;
    if outer.net.is_none() && !outer.all_netns && outer.container.is_none() {
        return Ok(());
    }
    let inner = match &mut cli.command {
        None => return Ok(()),
        Some(Command::Compare(a)) => &mut a.netns,
        Some(Command::Top(a)) => &mut a.netns,
        Some(Command::Explain(a)) => &mut a.netns,
        Some(Command::Record(a)) => &mut a.netns,
        Some(Command::Diff(a)) => &mut a.netns,
        Some(Command::Watch(a)) => &mut a.netns,
        Some(Command::Trace(a)) => &mut a.netns,
        Some(Command::Metrics(a)) => &mut a.exporter.netns,
        Some(Command::Serve(a)) => &mut a.exporter.netns,
        Some(Command::Stack(_) | Command::Lab(_) | Command::Help(_) | Command::History(_)) => {
            return Err(Error::Usage(
                "-N, --all-netns and --container choose whose sockets are shown; this command \
                 does not show sockets (run a stack in a namespace with `ip netns exec NS \
                 rnetstat stack`)"
                    .into(),
            ));
        }
    };
    if inner.net.is_some() || inner.all_netns || inner.container.is_some() {
        return Err(Error::Usage(
            "-N, --all-netns or --container given both before and after the command: give \
             them once"
                .into(),
        ));
    }
    *inner = cli.netns.clone();
    Ok(())
}

/// `rnetstat help [COMMAND]`: what `rnetstat [COMMAND] --help` prints.
fn help(command: Option<&str>) -> Result<(), Error> {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    let mut page = match command {
        None => cli,
        Some(name) => match cli.find_subcommand_mut(name) {
            Some(sub) => sub.clone().bin_name(format!("rnetstat {name}")),
            None => {
                return Err(Error::Usage(format!(
                    "no command '{}'; the commands are stack, compare, lab, metrics, serve, \
                     watch, top and help",
                    crate::output::sanitize::quoted(name)
                )));
            }
        },
    };
    page.print_help().map_err(Error::Output)
}

/// The listing without a subcommand, in the view the options pick.
pub fn run<W: Write>(cfg: &Config, world: &mut World<W>) -> Result<(), Error> {
    if cfg.kill {
        return kill::run(cfg, &world.proc_root, &mut world.out);
    }
    match cfg.view {
        View::Sockets if cfg.at.is_some() => at::run(cfg, world),
        View::Sockets => list::run(cfg, world),
        View::Statistics => statistics::run(cfg, world),
        View::Interfaces | View::Groups | View::Routes => views::run(cfg, world),
    }
}

/// The namespaces this run covers, described as far as the output shows them (see
/// [`netns::select`]): without `-N` and friends only JSON prints a namespace's name and
/// container, so text and tables skip looking them up.
pub(crate) fn spaces(cfg: &Config, proc_root: &ProcRoot) -> Result<Vec<Space>, Error> {
    let describe = matches!(cfg.format, Format::Json | Format::Jsonl);
    netns::select(&cfg.netns, proc_root, &mut RuntimeFiles::new("/"), describe)
}

/// Whether the output says which namespace each row or section is from.
pub(crate) fn shows_netns(cfg: &Config) -> bool {
    cfg.netns != Target::Current
}

/// Colour in tables: on a terminal, unless `NO_COLOR` is set.
pub(crate) fn color<W: Write>(world: &World<W>) -> bool {
    world.tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Says once per print that name lookups ran out of time.
pub(crate) fn lookup_notice(names: &mut crate::output::names::Names) {
    if names.lookups_timed_out {
        eprintln!(
            "rnetstat: warning: name lookups timed out; the remaining addresses are shown as numbers"
        );
        names.lookups_timed_out = false;
    }
}

/// The one notice for namespaces a user without root could not enter (as netstat's for
/// `-p`): the listing goes on without them and the exit status stays 0.
pub(crate) fn refused_notice(refused: usize) {
    if refused > 0 {
        let s = if refused == 1 { "" } else { "s" };
        eprintln!(
            "({refused} network namespace{s} could not be entered and {} not shown: entering \
             another namespace needs root (CAP_SYS_ADMIN), geteuid()={}.)",
            if refused == 1 { "is" } else { "are" },
            crate::sys::geteuid()
        );
    }
}

/// Reads something inside `space`. `Ok(None)` skips the namespace: a refusal (not root;
/// counted in `refused` for [`refused_notice`]) or, when each namespace is a section of its
/// own, one that is gone (a warning). With a single namespace, a failure to enter it is the
/// run's error.
pub(crate) fn read_in<T: Send>(
    space: &Space,
    proc_root: &ProcRoot,
    per_section: bool,
    refused: &mut usize,
    f: impl FnOnce(&ProcRoot) -> Result<T, Error> + Send,
) -> Result<Option<T>, Error> {
    match space.run(proc_root, f) {
        Ok(r) => r.map(Some),
        Err(netns::NetnsError::Refused(_)) => {
            *refused += 1;
            Ok(None)
        }
        Err(e) if per_section => {
            eprintln!("rnetstat: warning: network namespace skipped: {e}");
            Ok(None)
        }
        Err(e) => Err(Error::Usage(e.to_string())),
    }
}

/// A section heading for one namespace of a view printed per namespace.
pub(crate) fn heading(space: &Space) -> String {
    let ns = &space.ns;
    let mut h = format!("Network namespace {} (net:[{}]", ns.label(), ns.inode);
    if let Some(c) = &ns.container {
        h.push_str(&format!(
            ", {} {}",
            c.runtime.name(),
            &c.id[..c.id.len().min(12)]
        ));
    }
    h.push(')');
    crate::output::sanitize::sanitized(&h)
}
