//! One run of a scenario: a fresh stack on the lab's TUN device with the scenario's link
//! rules, the kernel as one side and the stack as the other, the script's lines carried out
//! in order. The lab's thread releases every packet from the link itself (the device holds
//! them), so it can look at both sockets after each one; that look is what the pcapng
//! comments, the ladder's state lines and the `--step` view show.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use crate::config::LabConfig;
use rnetstat_stack as stack;
use rnetstat_stack::driven::{Command, Counts, Opts};
use rnetstat_stack::impair::Impairment;
use rnetstat_stack::{StackConfig, StackHandle};

use super::kernel_side::KernelSide;
use super::look::{self, Look, Side};
use super::record::{self, Outcome, Run, Sent};
use super::script::{Act, Check, Field, Line, Op, Opt, Script, Want, Way, Who};

/// The script's sides in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Impl {
    Kernel,
    Stack,
}

struct Runner<'a> {
    script: &'a Script,
    cfg: &'a LabConfig,
    handle: StackHandle,
    kernel: KernelSide,
    opts: Opts,
    stack_counts: Counts,
    kernel_addr: SocketAddr,
    stack_addr: SocketAddr,
    stack_local_port: u16,
    t0: Instant,
    step: String,
    run: Run,
}

/// Runs `script` once; `index` keeps each run's ports apart.
pub fn run(script: &Script, cfg: &LabConfig, kernel_is_a: bool, index: u16) -> io::Result<Run> {
    let mut sc = StackConfig {
        device: "rnslab0".into(),
        step: true,
        impair: impairment(cfg),
        seed: Some(cfg.impair.seed),
        ..StackConfig::default()
    };
    sc.limits.timeout = Duration::from_secs(120);
    let port = 5000 + index;
    let handle = stack::start(&sc)?;
    let mut r = Runner {
        script,
        cfg,
        handle,
        kernel: KernelSide::new(),
        opts: Opts {
            cc: cfg.cc,
            ..Opts::default()
        },
        stack_counts: Counts::default(),
        kernel_addr: SocketAddr::new(IpAddr::V4(sc.kernel_v4), port),
        stack_addr: SocketAddr::new(IpAddr::V4(sc.addrs.v4), port),
        stack_local_port: 40_000 + index,
        t0: Instant::now(),
        step: String::new(),
        run: Run {
            scenario: script.name.clone(),
            kernel_is_a,
            started: SystemTime::now(),
            first: Look::default(),
            packets: Vec::new(),
            outcomes: Vec::new(),
            failure: None,
        },
    };
    println!(
        "\n━━ {}: {} ({}; kernel {}, stack {}, stack congestion control {}) ━━",
        script.name,
        if kernel_is_a {
            "the kernel is a, the stack is b"
        } else {
            "the stack is a, the kernel is b"
        },
        r.run.label(),
        sc.kernel_v4,
        sc.addrs.v4,
        cfg.cc.name()
    );
    r.run.first = r.look()?;
    let res = r.lines();
    if let Err(e) = &res {
        r.run.failure = Some(e.clone());
        println!("   ✗ {e}");
    }
    let Runner { handle, run, .. } = r;
    drop(handle);
    Ok(run)
}

/// The command line's impairment; the script's own `impair` lines are added as they run.
fn impairment(cfg: &LabConfig) -> Impairment {
    cfg.impair.clone()
}

impl Runner<'_> {
    fn side(&self, who: Who) -> Impl {
        match (who, self.run.kernel_is_a) {
            (Who::A, true) | (Who::B, false) | (Who::Kernel, _) => Impl::Kernel,
            _ => Impl::Stack,
        }
    }

    fn lines(&mut self) -> Result<(), String> {
        for (no, line) in &self.script.lines {
            let at = |e: String| format!("line {no}: {e}");
            match line {
                Line::Do(who, act) => {
                    for w in who.each() {
                        let name = if *w == Who::A { "a" } else { "b" };
                        println!(
                            "   [{:>8.3} s] {name} ({}) {}",
                            self.t0.elapsed().as_secs_f64(),
                            impl_name(self.side(*w)),
                            act_text(act)
                        );
                        self.act(self.side(*w), *act).map_err(at)?;
                    }
                }
                Line::Sleep(d) => {
                    let end = Instant::now() + *d;
                    while Instant::now() < end {
                        self.pump().map_err(|e| at(e.to_string()))?;
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                Line::Step(t) => {
                    self.step = t.clone();
                    println!("\n   ── {t} ──");
                }
                Line::Note(t) => println!("   note: {t}"),
                Line::Impair(way, words) => {
                    let dir = self.run.dir(*way == Way::AtoB);
                    println!(
                        "   [{:>8.3} s] impair {way} {}",
                        self.t0.elapsed().as_secs_f64(),
                        words.join(" ")
                    );
                    self.handle.impair(dir, words).map_err(at)?;
                }
                Line::Expect(check, within) => {
                    let o = self
                        .expect(*no, check, *within)
                        .map_err(|e| at(e.to_string()))?;
                    let look = self.look().map_err(|e| at(e.to_string()))?;
                    match o.at {
                        Some(t) if o.ok => println!(
                            "   ✓ {}   (at {:.3} s)   kernel: {} | stack: {}",
                            o.check,
                            t.as_secs_f64(),
                            look.kernel.brief(),
                            look.stack.brief()
                        ),
                        _ => println!(
                            "   ✗ line {no}: expected {} within {:.1} s; saw {}",
                            o.check,
                            within.as_secs_f64(),
                            o.seen
                        ),
                    }
                    self.run.outcomes.push(o);
                }
            }
        }
        Ok(())
    }

    fn act(&mut self, side: Impl, act: Act) -> Result<(), String> {
        match side {
            Impl::Kernel => self.kernel.act(act, self.kernel_addr, self.stack_addr),
            Impl::Stack => {
                let cmd = match act {
                    Act::Listen => Command::Listen {
                        port: self.stack_addr.port(),
                        opts: self.opts,
                    },
                    Act::Connect => Command::Connect {
                        remote: self.kernel_addr,
                        local_port: self.stack_local_port,
                        opts: self.opts,
                    },
                    Act::Write(n) => Command::Write(n),
                    Act::Read(n) => Command::Read(n),
                    Act::Hold => Command::Hold,
                    Act::Shutdown => Command::Shutdown,
                    Act::Close => Command::Close,
                    Act::Abort => Command::Abort,
                    Act::Set(Opt::Nodelay(on)) => {
                        self.opts.nagle = !on;
                        Command::Nodelay(on)
                    }
                    Act::Set(Opt::Rcvbuf(n)) => {
                        self.opts.rx_buffer = n;
                        return Ok(());
                    }
                    Act::Set(Opt::Sndbuf(n)) => {
                        self.opts.tx_buffer = n;
                        return Ok(());
                    }
                };
                match self.handle.drive(cmd) {
                    Ok(c) => self.stack_counts = c,
                    // Nagle set before the socket exists is kept in `opts`.
                    Err(_) if matches!(cmd, Command::Nodelay(_)) => {}
                    Err(e) => return Err(format!("stack: {e}")),
                }
                Ok(())
            }
        }
    }

    /// Both sockets now, with each application's byte counts.
    fn look(&mut self) -> io::Result<Look> {
        let mut l = look::look(&self.handle, self.stack_addr.port())?;
        if let Ok(c) = self.handle.drive(Command::Status) {
            self.stack_counts = c;
        }
        (l.kernel.read, l.kernel.written) = (self.kernel.read, self.kernel.written);
        (l.stack.read, l.stack.written) = (self.stack_counts.read, self.stack_counts.written);
        Ok(l)
    }

    /// Releases every packet that is due, looking at both sockets after each.
    fn pump(&mut self) -> io::Result<()> {
        self.kernel.pump();
        while let Some(p) = self.handle.release() {
            self.kernel.pump();
            let after = self.look()?;
            let at = self.t0.elapsed();
            if self.cfg.step {
                self.show_packet(&p.pkt, p.dir, &p.fate, &after)?;
            }
            self.run.packets.push(Sent {
                at,
                transit_us: p.due_us.saturating_sub(p.at_us),
                dir: p.dir,
                bytes: p.pkt,
                fate: p.fate,
                step: self.step.clone(),
                after,
            });
        }
        Ok(())
    }

    fn show_packet(
        &self,
        pkt: &[u8],
        dir: stack::tap::Dir,
        fate: &rnetstat_stack::impair::Fate,
        after: &Look,
    ) -> io::Result<()> {
        let (arrow, desc) = super::tour::describe(dir, pkt);
        let fate = match fate {
            rnetstat_stack::impair::Fate::Delivered => String::new(),
            rnetstat_stack::impair::Fate::Dropped(w) => format!("   ✕ DROPPED ({w})"),
            rnetstat_stack::impair::Fate::Impaired(w) => format!("   ({w})"),
        };
        println!("   -> {arrow}: {desc}{fate}");
        println!("      kernel: {}", after.kernel.brief());
        println!("      stack:  {}", after.stack.brief());
        super::pause(self.cfg.auto, "      ")
    }

    fn expect(&mut self, line: usize, check: &Check, within: Duration) -> io::Result<Outcome> {
        // Looks before releasing anything, so `within 0` sees the moment after the
        // previous line, before the link has moved.
        let start = Instant::now();
        loop {
            let look = self.look()?;
            let (ok, seen) = self.holds(check, &look);
            if ok || start.elapsed() >= within {
                return Ok(Outcome {
                    line,
                    check: check.to_string(),
                    ok,
                    at: ok.then(|| self.t0.elapsed()),
                    seen,
                });
            }
            self.pump()?;
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether a check holds in `look`, and what was seen.
    fn holds(&self, check: &Check, look: &Look) -> (bool, String) {
        match check {
            Check::Link { way, count, op, n } => {
                let dir = self.run.dir(*way == Way::AtoB);
                let have = record::count(&self.run.packets, dir, *count);
                (op.holds(have, *n), format!("{have}"))
            }
            Check::Side {
                who,
                field,
                op,
                want,
            } => {
                let mut all = true;
                let mut seen = Vec::new();
                for w in who.each() {
                    let (name, side) = match self.side(*w) {
                        Impl::Kernel => ("kernel", &look.kernel),
                        Impl::Stack => ("stack", &look.stack),
                    };
                    let (ok, v) = side_holds(side, *field, *op, want);
                    all &= ok;
                    seen.push(format!("{name} {} {v}", field.name()));
                }
                (all, seen.join(", "))
            }
        }
    }
}

fn side_holds(side: &Side, field: Field, op: Op, want: &Want) -> (bool, String) {
    let eq_or_ne = |same: bool| if op == Op::Ne { !same } else { same };
    match (field, want) {
        (Field::State, Want::State(w)) => (
            eq_or_ne(side.state == *w),
            side.state.map_or("gone".into(), |s| s.name().to_string()),
        ),
        (Field::Timer, Want::Timer(t)) => {
            let have = side.timer.map_or("off", |k| k.name());
            (eq_or_ne(have == t), have.to_string())
        }
        (f, Want::Num(n)) => match side.number(f) {
            Some(v) => (op.holds(v, *n), v.to_string()),
            None => (false, "unknown".into()),
        },
        _ => (false, "?".into()),
    }
}

fn impl_name(i: Impl) -> &'static str {
    match i {
        Impl::Kernel => "kernel",
        Impl::Stack => "stack",
    }
}

fn act_text(a: &Act) -> String {
    match a {
        Act::Listen => "listen".into(),
        Act::Connect => "connect".into(),
        Act::Write(n) => format!("write {n}"),
        Act::Read(Some(n)) => format!("read {n}"),
        Act::Read(None) => "read (everything from now on)".into(),
        Act::Hold => "hold (stops reading)".into(),
        Act::Shutdown => "shutdown (sends FIN)".into(),
        Act::Close => "close".into(),
        Act::Abort => "abort (sends RST)".into(),
        Act::Set(Opt::Nodelay(on)) => format!("set nodelay {}", if *on { "on" } else { "off" }),
        Act::Set(Opt::Rcvbuf(n)) => format!("set rcvbuf {n}"),
        Act::Set(Opt::Sndbuf(n)) => format!("set sndbuf {n}"),
    }
}
