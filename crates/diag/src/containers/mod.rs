//! Container runtimes' files: a cgroup path's runtime and id ([`cgroup`]), the names in
//! podman's, docker's, CRI's and kubelet's files on disk ([`names`]), and published ports
//! ([`ports`]).

pub mod cgroup;
pub mod names;
pub mod ports;
