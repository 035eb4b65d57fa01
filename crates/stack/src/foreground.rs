//! `rnetstat stack`: the stack in the foreground until Ctrl-C, SIGTERM or SIGHUP, then a clean
//! close (connections closed, device and control socket removed).

use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use rnetstat_model::error::Error;

use super::StackConfig;

pub fn run(cfg: &StackConfig) -> Result<(), Error> {
    if rnetstat_sys::geteuid() != 0 {
        // CAP_NET_ADMIN is what creating a TUN device takes; say so before trying.
        eprintln!("rnetstat: note: creating a TUN device needs root or CAP_NET_ADMIN");
    }
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP]).map_err(Error::Stack)?;
    let handle = super::start(cfg).map_err(Error::Stack)?;
    let a = &cfg.addrs;
    println!(
        "rnetstat stack: pid {} on {} (mtu {}, {})",
        std::process::id(),
        cfg.device,
        cfg.mtu,
        if cfg.vnet_hdr {
            "vnet header, GSO"
        } else {
            "plain TUN"
        }
    );
    println!(
        "  stack  {}/{}  {}/{}\n  kernel {}  {}",
        a.v4, a.prefix4, a.v6, a.prefix6, cfg.kernel_v4, cfg.kernel_v6
    );
    let services: Vec<String> = cfg
        .ports()
        .iter()
        .map(|(s, p)| format!("{} {p}", s.name()))
        .collect();
    println!("  services: {}, udp echo 7, icmp echo", services.join(", "));
    println!("  control socket {}", handle.control_path.display());
    println!("  Ctrl-C to stop");
    loop {
        if signals.pending().next().is_some() {
            break;
        }
        if handle.finished() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    handle.stop().map_err(Error::Stack)?;
    eprintln!("rnetstat stack: stopped");
    Ok(())
}
