//! What `rnetstat lab` and `rnetstat compare` are asked to do, resolved from the command
//! line by the binary's `config` (nothing here knows clap).

use std::time::Duration;

use rnetstat_stack::driven::Cc;
use rnetstat_stack::impair::Impairment;

/// `rnetstat compare`.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// Whose kernel sockets: the namespace(s) `-N`, `--container` or `--all-netns` name.
    pub netns: rnetstat_collect::netns::Target,
    pub json: bool,
    pub continuous: Option<Duration>,
}

/// Which scenario the lab runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    Builtin(String),
    File(std::path::PathBuf),
}

/// `rnetstat lab`.
#[derive(Debug, Clone)]
pub struct LabConfig {
    pub step: bool,
    /// With `--step`: the pause between packets (zero: none), or `None` to wait for Enter.
    pub auto: Option<Duration>,
    pub scenario: Option<ScenarioSource>,
    pub list: bool,
    /// `Some(true)`: only the run where the kernel is side a; `Some(false)`: only the stack.
    pub kernel_first: Option<bool>,
    pub cc: Cc,
    pub pcap: Option<std::path::PathBuf>,
    pub ladder: bool,
    pub ladder_svg: Option<std::path::PathBuf>,
    /// Command-line impairment, added to the scenario's own.
    pub impair: Impairment,
}
