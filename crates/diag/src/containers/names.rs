//! Container names from the runtimes' own files on this host, read only; no daemon API.
//!
//! - podman: `containers.json` in each storage driver's `*-containers/` directory under the
//!   graph root (`graphroot` of `$CONTAINERS_STORAGE_CONF` or `/etc/containers/storage.conf`,
//!   default `/var/lib/containers/storage`), and under a rootless user's
//!   `~/.local/share/containers/storage`.
//! - docker: `/var/lib/docker/containers/<id>/config.v2.json` (`Name`, and the
//!   `io.kubernetes.*` labels dockershim set).
//! - Kubernetes: the kubelet's log links `/var/log/containers/<pod>_<ns>_<name>-<id>.log`
//!   (container name and pod) and directories `/var/log/pods/<ns>_<pod>_<uid>/` (pod by uid,
//!   which names the pod of a sandbox ("pause") container, which has no log).
//!
//! Everything is looked up under a root directory (`/` on a host, a fixture in tests).
//! Anything missing or unreadable leaves the name `None`: unknown is never guessed.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use rnetstat_model::Runtime;

/// A container's name and pod, as far as the files say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Named {
    pub name: Option<String>,
    pub pod: Option<String>,
}

/// The runtimes' files under one root, read on first use and kept for the run.
#[derive(Debug)]
pub struct RuntimeFiles {
    root: PathBuf,
    /// podman: id → name, per storage directory already read.
    podman: HashMap<String, String>,
    podman_read: Vec<PathBuf>,
    kube: Option<Kubelet>,
}

/// What the kubelet's log files name.
#[derive(Debug, Default)]
struct Kubelet {
    /// container id → (container name, "namespace/pod").
    by_id: HashMap<String, (String, String)>,
    /// pod uid → "namespace/pod".
    by_uid: HashMap<String, String>,
}

impl RuntimeFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RuntimeFiles {
            root: root.into(),
            podman: HashMap::new(),
            podman_read: Vec::new(),
            kube: None,
        }
    }

    fn at(&self, abs: &str) -> PathBuf {
        self.root.join(abs.trim_start_matches('/'))
    }

    /// The name and pod of container `id`, made by `runtime`; `home` is the home directory
    /// of the user owning its processes (rootless podman keeps its storage there).
    pub fn lookup(
        &mut self,
        runtime: Runtime,
        id: &str,
        pod_uid: Option<&str>,
        home: Option<&Path>,
    ) -> Named {
        let mut named = match runtime {
            Runtime::Podman => Named {
                name: self.podman_name(id, home),
                pod: None,
            },
            Runtime::Docker => self.docker(id),
            _ => Named::default(),
        };
        if named.name.is_none() || named.pod.is_none() {
            let k = self.kube();
            if let Some((name, pod)) = k.by_id.get(id) {
                named.name.get_or_insert_with(|| name.clone());
                named.pod.get_or_insert_with(|| pod.clone());
            }
            if let Some(pod) = pod_uid.and_then(|u| k.by_uid.get(u)) {
                named.pod.get_or_insert_with(|| pod.clone());
            }
        }
        named
    }

    fn podman_name(&mut self, id: &str, home: Option<&Path>) -> Option<String> {
        if let Some(n) = self.podman.get(id) {
            return Some(n.clone());
        }
        let mut roots = vec![self.graphroot()];
        if let Some(h) = home {
            roots.push(h.join(".local/share/containers/storage"));
        }
        for r in roots {
            if self.podman_read.contains(&r) {
                continue;
            }
            self.podman_read.push(r.clone());
            let Ok(dirs) = fs::read_dir(&r) else { continue };
            for d in dirs.flatten() {
                if d.file_name().to_string_lossy().ends_with("-containers") {
                    let text = fs::read_to_string(d.path().join("containers.json"));
                    podman_names(&text.unwrap_or_default(), &mut self.podman);
                }
            }
        }
        self.podman.get(id).cloned()
    }

    /// podman's graph root: storage.conf's `graphroot`, else the default.
    fn graphroot(&self) -> PathBuf {
        let conf = std::env::var_os("CONTAINERS_STORAGE_CONF")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.at("/etc/containers/storage.conf"));
        fs::read_to_string(conf)
            .ok()
            .and_then(|t| toml_string(&t, "graphroot"))
            .map(PathBuf::from)
            .unwrap_or_else(|| self.at("/var/lib/containers/storage"))
    }

    fn docker(&self, id: &str) -> Named {
        let path = self.at(&format!("/var/lib/docker/containers/{id}/config.v2.json"));
        let Some(v) = fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            return Named::default();
        };
        let label = |k: &str| v["Config"]["Labels"][k].as_str().map(str::to_string);
        let pod = match (
            label("io.kubernetes.pod.namespace"),
            label("io.kubernetes.pod.name"),
        ) {
            (Some(ns), Some(p)) => Some(format!("{ns}/{p}")),
            _ => None,
        };
        Named {
            name: v["Name"]
                .as_str()
                .map(|n| n.trim_start_matches('/').to_string())
                .filter(|n| !n.is_empty()),
            pod,
        }
    }

    fn kube(&mut self) -> &Kubelet {
        if self.kube.is_none() {
            let mut by_id = HashMap::new();
            for name in dir_names(&self.at("/var/log/containers")) {
                if let Some((id, c)) = kube_log_link(&name) {
                    by_id.insert(id, c);
                }
            }
            let mut by_uid = HashMap::new();
            for name in dir_names(&self.at("/var/log/pods")) {
                // <namespace>_<pod>_<uid>
                let mut parts = name.rsplitn(2, '_');
                if let (Some(uid), Some(rest)) = (parts.next(), parts.next())
                    && let Some((ns, pod)) = rest.split_once('_')
                {
                    by_uid.insert(uid.to_string(), format!("{ns}/{pod}"));
                }
            }
            self.kube = Some(Kubelet { by_id, by_uid });
        }
        self.kube.get_or_insert_default()
    }
}

fn dir_names(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// podman's `containers.json`: `[{"id": …, "names": [first, …]}, …]`.
pub(crate) fn podman_names(text: &str, into: &mut HashMap<String, String>) {
    let Ok(Value::Array(list)) = serde_json::from_str::<Value>(text) else {
        return;
    };
    for c in list {
        if let (Some(id), Some(name)) = (c["id"].as_str(), c["names"][0].as_str()) {
            into.insert(id.to_string(), name.to_string());
        }
    }
}

/// `<pod>_<namespace>_<container>-<64 hex id>.log` → (id, (container, "namespace/pod")).
/// Pod and namespace names cannot hold `_`; a container name can hold `-`.
pub(crate) fn kube_log_link(name: &str) -> Option<(String, (String, String))> {
    let base = name.strip_suffix(".log")?;
    let (rest, id) = base.rsplit_once('-')?;
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut parts = rest.splitn(3, '_');
    let (pod, ns, container) = (parts.next()?, parts.next()?, parts.next()?);
    Some((
        id.to_string(),
        (container.to_string(), format!("{ns}/{pod}")),
    ))
}

/// A `key = "value"` line of a TOML file (storage.conf has no nesting that matters here).
pub(crate) fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split('#').next()?.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "95d72255630557f3a34611e3a26ff6865533487169163fd9b302c528dc80fc58";

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn podman_docker_and_kubelet_files() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(
            r,
            "var/lib/containers/storage/overlay-containers/containers.json",
            &format!(r#"[{{"id":"{ID}","names":["web1"],"image":"x"}},{{"id":"other"}}]"#),
        );
        write(
            r,
            &format!("var/lib/docker/containers/{ID}/config.v2.json"),
            r#"{"Name":"/db","Config":{"Labels":{"io.kubernetes.pod.name":"p","io.kubernetes.pod.namespace":"prod"}}}"#,
        );
        write(
            r,
            &format!("var/log/containers/api-7d9_shop_server-{ID}.log"),
            "",
        );
        fs::create_dir_all(
            r.join("var/log/pods/shop_api-7d9_0f7d2c1a-3b4e-4c5d-8e9f-a0b1c2d3e4f5"),
        )
        .unwrap();
        let mut f = RuntimeFiles::new(r);
        assert_eq!(
            f.lookup(Runtime::Podman, ID, None, None).name.as_deref(),
            Some("web1")
        );
        assert_eq!(
            f.lookup(Runtime::Docker, ID, None, None),
            Named {
                name: Some("db".into()),
                pod: Some("prod/p".into())
            }
        );
        assert_eq!(
            f.lookup(Runtime::Containerd, ID, None, None),
            Named {
                name: Some("server".into()),
                pod: Some("shop/api-7d9".into())
            }
        );
        // A sandbox: no log link, but the pod uid names the pod.
        let sandbox = "1".repeat(64);
        assert_eq!(
            f.lookup(
                Runtime::CriO,
                &sandbox,
                Some("0f7d2c1a-3b4e-4c5d-8e9f-a0b1c2d3e4f5"),
                None
            ),
            Named {
                name: None,
                pod: Some("shop/api-7d9".into())
            }
        );
        // Unknown stays unknown.
        assert_eq!(
            f.lookup(Runtime::Podman, &"2".repeat(64), None, None),
            Named::default()
        );
    }

    #[test]
    fn rootless_podman_storage_in_home() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("home/alice");
        write(
            &home,
            ".local/share/containers/storage/vfs-containers/containers.json",
            &format!(r#"[{{"id":"{ID}","names":["mine"]}}]"#),
        );
        let mut f = RuntimeFiles::new(d.path());
        assert_eq!(
            f.lookup(Runtime::Podman, ID, None, Some(&home))
                .name
                .as_deref(),
            Some("mine")
        );
    }

    #[test]
    fn bad_files_are_unknown_not_errors() {
        let mut m = HashMap::new();
        podman_names("not json", &mut m);
        podman_names(r#"{"id":"x"}"#, &mut m);
        podman_names(r#"[{"id":1,"names":"x"}]"#, &mut m);
        assert!(m.is_empty());
        assert_eq!(kube_log_link("a_b_c-short.log"), None);
        assert_eq!(kube_log_link(&format!("nounderscores-{ID}.log")), None);
        assert_eq!(
            toml_string("[storage]\n graphroot = \"/g\" # here\n", "graphroot").as_deref(),
            Some("/g")
        );
    }
}
