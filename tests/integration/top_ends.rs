//! `top` ends, and gives the terminal back, whatever ends it: Ctrl-C, SIGTERM, SIGHUP, and
//! a terminal that goes away under it (finding 3 of the root-safety review: a killed tmux
//! session left it spinning at 75–100% CPU, deaf to SIGTERM and SIGHUP).

use std::process::Command;
use std::time::{Duration, Instant};

use super::common::{BIN, eventually, in_netns, require};

/// The test's own tmux server on its own socket, killed however the test ends.
struct Tmux(String);

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .status();
    }
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        Tmux(format!("rnt-{tag}-{}", std::process::id()))
    }

    fn run(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Starts `cmd` as the pane's command and waits for top's first screen. Returns the
    /// pane's pid.
    fn start(&self, cmd: &str) -> u32 {
        self.run(&["new-session", "-d", "-s", "t", "-x", "120", "-y", "30", cmd]);
        self.run(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        eventually("top's first screen", 10, || {
            let s = self.run(&["capture-pane", "-p", "-t", "t"]);
            s.contains("rnetstat top:").then_some(())
        });
        self.run(&["display", "-p", "-t", "t", "#{pane_pid}"])
            .trim()
            .parse()
            .unwrap()
    }

    /// Starts `top` as the pane's own process (exec). Returns its pid.
    fn start_top(&self, after: &str) -> u32 {
        self.start(&format!("exec {BIN} top {after}"))
    }

    fn alternate_screen(&self) -> String {
        self.run(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim()
            .to_string()
    }

    /// The pane's `dead:status:signal` once it shows `top` dead (within 5 s).
    fn exit_status(&self) -> String {
        let since = Instant::now();
        loop {
            let s = self.run(&[
                "display",
                "-p",
                "-t",
                "t",
                "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}",
            ]);
            let s = s.trim().to_string();
            // Dead; tmux fills in the status once it has reaped the process, which under
            // load it may not have done yet (then "1::").
            if s.starts_with("1:") {
                return s;
            }
            if since.elapsed() > Duration::from_secs(5) {
                let screen = self.run(&["capture-pane", "-p", "-t", "t"]);
                panic!("top did not exit in 5 s (pane: {s:?})\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Sends `sig` to `pid` (a process the test started).
fn signal(pid: u32, sig: rustix::process::Signal) {
    rustix::process::kill_process(rustix::process::Pid::from_raw(pid as i32).unwrap(), sig)
        .unwrap();
}

/// True while `pid` is a live process (not gone, not a zombie).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit(") ").next().map(|r| !r.starts_with('Z')))
        .unwrap_or(false)
}

fn ends_cleanly(test: &str, tag: &'static str, end: impl Fn(&Tmux, u32) + Send + 'static) {
    if !require("tmux", test) {
        return;
    }
    let name = test.to_string();
    in_netns(test, move || {
        let t = Tmux::new(tag);
        let pid = t.start_top("");
        assert_eq!(t.alternate_screen(), "1");
        end(&t, pid);
        let status = t.exit_status();
        assert!(status == "1:0:" || status == "1::", "{name}: {status}");
        assert_eq!(
            t.alternate_screen(),
            "0",
            "{name}: left in the alternate screen"
        );
        assert!(!running(pid));
    });
}

#[test]
fn top_ends_on_ctrl_c() {
    // Finding 4: in raw mode Ctrl-C did nothing.
    ends_cleanly("top_ends_on_ctrl_c", "int", |t, _| {
        t.run(&["send-keys", "-t", "t", "C-c"]);
    });
}

#[test]
fn top_ends_on_sigterm() {
    ends_cleanly("top_ends_on_sigterm", "term", |_, pid| {
        signal(pid, rustix::process::Signal::TERM);
    });
}

#[test]
fn top_ends_on_sighup() {
    ends_cleanly("top_ends_on_sighup", "hup", |_, pid| {
        signal(pid, rustix::process::Signal::HUP);
    });
}

#[test]
fn top_ends_when_its_terminal_goes_away() {
    // Finding 3: `tmux kill-session` left top spinning on end of file.
    if !require("tmux", "top_ends_when_its_terminal_goes_away") {
        return;
    }
    in_netns("top_ends_when_its_terminal_goes_away", || {
        let t = Tmux::new("gone");
        let dir = tempfile::tempdir().unwrap();
        let status = dir.path().join("status");
        // A shell that outlives the terminal (it ignores SIGHUP) records top's exit status:
        // 0, not 134 (an abort from a write to the vanished terminal).
        let cmd = format!("trap '' HUP; {BIN} top; echo $? > {}", status.display());
        let shell = t.start(&cmd);
        let pid: u32 = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .unwrap()
            .split_whitespace()
            .next()
            .expect("top, the shell's child")
            .parse()
            .unwrap();
        // Keep the server up after the session, so it is the terminal that goes, not all.
        t.run(&["new-session", "-d", "-s", "keep", "sleep 30"]);
        t.run(&["kill-session", "-t", "t"]);
        let since = Instant::now();
        while running(pid) && since.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let still = running(pid);
        if still {
            // Ours to end: the test started it.
            signal(pid, rustix::process::Signal::KILL);
        }
        assert!(!still, "top still running 2 s after its terminal went away");
        let code = eventually("the shell to record top's status", 5, || {
            std::fs::read_to_string(&status)
                .ok()
                .filter(|t| t.ends_with('\n'))
        });
        assert_eq!(
            code.trim(),
            "0",
            "top's exit status after its terminal went away"
        );
    });
}

#[test]
fn esc_after_a_bad_filter_keeps_top_running() {
    // Finding 4: Esc after a filter error quit top.
    if !require("tmux", "esc_after_a_bad_filter_keeps_top_running") {
        return;
    }
    in_netns("esc_after_a_bad_filter_keeps_top_running", || {
        let t = Tmux::new("esc");
        let pid = t.start_top("");
        t.run(&["send-keys", "-t", "t", "/", "sport = :nope", "Enter"]);
        let s = eventually("the filter error", 5, || {
            let s = t.run(&["capture-pane", "-p", "-t", "t"]);
            s.contains("Esc cancels").then_some(s)
        });
        assert!(s.contains("filter: sport = :nope_"), "{s}");
        t.run(&["send-keys", "-t", "t", "Escape"]);
        eventually("the prompt to close", 5, || {
            let s = t.run(&["capture-pane", "-p", "-t", "t"]);
            s.contains("q quit").then_some(())
        });
        std::thread::sleep(Duration::from_millis(300));
        assert!(running(pid), "Esc quit top");
        t.run(&["send-keys", "-t", "t", "q"]);
        let status = t.exit_status();
        assert!(status == "1:0:" || status == "1::", "{status}");
    });
}
