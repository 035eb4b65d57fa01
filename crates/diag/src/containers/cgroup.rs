//! Which container a process belongs to, from its cgroup path (`/proc/PID/cgroup`).
//!
//! Every runtime puts a container's processes in a cgroup named after the container's id;
//! the name differs by runtime and cgroup manager (systemd `…-<id>.scope`, cgroupfs
//! `/<parent>/<id>`). The file has one line per hierarchy, `ID:CONTROLLERS:PATH` (cgroup v1),
//! a single `0::PATH` (v2), or both (hybrid); any line may carry the container's cgroup, so
//! each is looked at. A runtime's own helper processes (podman's and cri-o's `conmon`) live
//! outside the container and must not match.

use rnetstat_model::Runtime;

/// What a cgroup path says about a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMatch {
    pub runtime: Runtime,
    /// The container id, 64 hex digits.
    pub id: String,
    /// The Kubernetes pod uid (with dashes), under `kubepods`.
    pub pod_uid: Option<String>,
}

/// The container named by the contents of a `/proc/PID/cgroup` file, if any.
pub fn parse(file: &str) -> Option<CgroupMatch> {
    file.lines()
        .filter_map(|l| l.splitn(3, ':').nth(2))
        .find_map(from_path)
}

/// The container named by one cgroup path.
pub(crate) fn from_path(path: &str) -> Option<CgroupMatch> {
    let mut pod_uid = None;
    let mut kube = false;
    let mut found: Option<(Runtime, &str)> = None;
    let mut prev = "";
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if seg.starts_with("kubepods") {
            kube = true;
            if let Some(uid) = pod_segment(seg) {
                pod_uid = Some(uid);
            }
        } else if kube && let Some(uid) = seg.strip_prefix("pod").filter(|u| is_uid(u)) {
            pod_uid = Some(uid.to_string());
        }
        if let Some(m) = scoped(seg) {
            found = Some(m);
        } else if is_id(seg) {
            // cgroupfs: the id alone, under a parent that names the runtime.
            let runtime = match prev {
                "docker" => Some(Runtime::Docker),
                "libpod_parent" => Some(Runtime::Podman),
                _ if pod_uid.is_some() => Some(Runtime::Kubernetes),
                _ => None,
            };
            if let Some(r) = runtime {
                found = Some((r, seg));
            }
        }
        prev = seg;
    }
    let (runtime, id) = found?;
    Some(CgroupMatch {
        runtime,
        id: id.to_string(),
        pod_uid: if kube { pod_uid } else { None },
    })
}

/// `<prefix>-<id>[.scope]`: systemd's scope units, and podman's cgroupfs `libpod-<id>`.
fn scoped(seg: &str) -> Option<(Runtime, &str)> {
    const PREFIXES: [(&str, Runtime); 4] = [
        ("libpod-", Runtime::Podman),
        ("docker-", Runtime::Docker),
        ("cri-containerd-", Runtime::Containerd),
        ("crio-", Runtime::CriO),
    ];
    let base = seg.strip_suffix(".scope").unwrap_or(seg);
    PREFIXES.iter().find_map(|&(p, r)| {
        // `libpod-conmon-<id>` and `crio-conmon-<id>` are the runtime's monitor, not
        // the container: they fail is_id.
        base.strip_prefix(p)
            .filter(|id| is_id(id))
            .map(|id| (r, id))
    })
}

/// `kubepods-<qos>-pod<uid with underscores>.slice` (systemd driver) → the uid.
fn pod_segment(seg: &str) -> Option<String> {
    let base = seg.strip_suffix(".slice")?;
    let at = base.rfind("-pod")?;
    let uid = base[at + 4..].replace('_', "-");
    is_uid(&uid).then_some(uid)
}

/// A container id: 64 lowercase hex digits.
fn is_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A pod uid: 8-4-4-4-12 hex digits.
fn is_uid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "95d72255630557f3a34611e3a26ff6865533487169163fd9b302c528dc80fc58";
    const UID: &str = "0f7d2c1a-3b4e-4c5d-8e9f-a0b1c2d3e4f5";

    fn m(runtime: Runtime, pod: bool) -> Option<CgroupMatch> {
        Some(CgroupMatch {
            runtime,
            id: ID.into(),
            pod_uid: pod.then(|| UID.into()),
        })
    }

    macro_rules! paths {
        ($($name:ident: $path:expr => $want:expr,)*) => {$(
            #[test]
            fn $name() {
                let path = $path.replace("{ID}", ID).replace("{UID}", UID)
                    .replace("{UID_}", &UID.replace('-', "_"));
                assert_eq!(from_path(&path), $want, "{path}");
            }
        )*};
    }

    paths! {
        podman_cgroupfs: "/libpod_parent/libpod-{ID}" => m(Runtime::Podman, false),
        podman_systemd: "/machine.slice/libpod-{ID}.scope" => m(Runtime::Podman, false),
        podman_systemd_in_container: "/machine.slice/libpod-{ID}.scope/container" => m(Runtime::Podman, false),
        podman_rootless: "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope" => m(Runtime::Podman, false),
        podman_pod_parent: "/machine.slice/machine-libpod_pod_1234.slice/libpod-{ID}.scope" => m(Runtime::Podman, false),
        docker_systemd: "/system.slice/docker-{ID}.scope" => m(Runtime::Docker, false),
        docker_cgroupfs: "/docker/{ID}" => m(Runtime::Docker, false),
        containerd_cri_systemd: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice/cri-containerd-{ID}.scope" => m(Runtime::Containerd, true),
        crio_systemd: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/crio-{ID}.scope" => m(Runtime::CriO, true),
        kubernetes_cgroupfs: "/kubepods/burstable/pod{UID}/{ID}" => m(Runtime::Kubernetes, true),
        kubernetes_guaranteed_systemd: "/kubepods.slice/kubepods-pod{UID_}.slice/cri-containerd-{ID}.scope" => m(Runtime::Containerd, true),
        no_match_root: "/" => None,
        no_match_user_session: "/user.slice/user-0.slice/session-3.scope" => None,
        no_match_podman_conmon: "/machine.slice/libpod-conmon-{ID}.scope" => None,
        no_match_crio_conmon: "/kubepods.slice/kubepods-pod{UID_}.slice/crio-conmon-{ID}.scope" => None,
        no_match_short_id: "/docker/95d722556305" => None,
        no_match_bare_id: "/system.slice/{ID}" => None,
        no_match_upper_hex: "/docker/95D72255630557F3A34611E3A26FF6865533487169163FD9B302C528DC80FC58" => None,
        no_match_pod_slice_only: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice" => None,
        no_match_libpod_parent_itself: "/libpod_parent" => None,
    }

    #[test]
    fn every_line_of_a_hybrid_file_is_read() {
        // Hybrid: the v1 hierarchies name the container, the v2 line is the root.
        let file = format!(
            "12:pids:/libpod_parent/libpod-{ID}\n1:name=systemd:/libpod_parent/libpod-{ID}\n0::/\n"
        );
        assert_eq!(parse(&file), m(Runtime::Podman, false));
        // v2 only.
        assert_eq!(
            parse(&format!("0::/system.slice/docker-{ID}.scope\n")),
            m(Runtime::Docker, false)
        );
        // The host's processes.
        assert_eq!(parse("4:memory:/process_api/7df1\n0::/\n"), None);
        assert_eq!(parse("garbage\n\n::\n"), None);
    }
}
