//! Where a socket lives: its network namespace, and the container that namespace belongs to.
//!
//! Plain data, filled by `source::netns` (discovery) and `source::containers` (attribution),
//! read by every renderer. A record points at one of these, so a listing of many namespaces
//! carries each namespace's description once.

use std::fmt;

/// A network namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    /// The nsfs inode (`stat(2)` of `/proc/PID/ns/net` or a bind mount of it).
    pub inode: u64,
    /// Its name when bound under `/run/netns` (as `ip netns add` does) or a runtime's netns
    /// directory (`/run/docker/netns`).
    pub name: Option<String>,
    /// The initial namespace (init's): the host's own.
    pub host: bool,
    /// The container whose processes live in it, when the host's files say so.
    pub container: Option<Container>,
}

/// The runtime that made a container, as its cgroup path shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Podman,
    Docker,
    Containerd,
    CriO,
    /// A Kubernetes pod whose cgroup path names no runtime (cgroupfs driver:
    /// `/kubepods/<qos>/pod<uid>/<id>`).
    Kubernetes,
}

impl Runtime {
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Podman => "podman",
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Kubernetes => "kubernetes",
        }
    }
}

/// A container, as far as the host's files name it. Unknown stays `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub runtime: Runtime,
    /// The full id (64 hex digits).
    pub id: String,
    pub name: Option<String>,
    /// The Kubernetes pod, `namespace/name`, when the kubelet's files name it.
    pub pod: Option<String>,
}

impl Netns {
    /// The namespace rnetstat would show for a socket in it: the container's name (or its
    /// short id), else the namespace's name, else `net:[inode]`.
    pub fn label(&self) -> Label<'_> {
        Label(self)
    }
}

/// See [`Netns::label`].
pub struct Label<'a>(&'a Netns);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        match (&n.container, &n.name) {
            (Some(Container { name: Some(c), .. }), _) => f.write_str(c),
            (Some(c), _) => f.write_str(&c.id[..c.id.len().min(12)]),
            (None, Some(name)) => f.write_str(name),
            (None, None) if n.host => f.write_str("host"),
            (None, None) => write!(f, "net:[{}]", n.inode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_prefer_container_then_name_then_inode() {
        let mut n = Netns {
            inode: 4026532305,
            name: None,
            host: false,
            container: None,
        };
        assert_eq!(n.label().to_string(), "net:[4026532305]");
        n.name = Some("blue".into());
        assert_eq!(n.label().to_string(), "blue");
        n.container = Some(Container {
            runtime: Runtime::Podman,
            id: "95d72255630557f3a34611e3a26ff6865533487169163fd9b302c528dc80fc58".into(),
            name: None,
            pod: None,
        });
        assert_eq!(n.label().to_string(), "95d722556305");
        n.container.as_mut().unwrap().name = Some("web1".into());
        assert_eq!(n.label().to_string(), "web1");
        let host = Netns {
            inode: 4026531840,
            name: None,
            host: true,
            container: None,
        };
        assert_eq!(host.label().to_string(), "host");
    }
}
