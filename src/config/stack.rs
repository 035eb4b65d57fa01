//! The userspace stack's and the lab's options: addresses, limits, the impaired link.
//! The address arithmetic (which host address the kernel's side of the link takes) is the
//! stack's own, [`rnetstat_stack::link_addrs`].

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::*;

/// `rnetstat lab`'s options from its arguments.
pub fn lab_config(a: &LabArgs) -> Result<LabConfig, Error> {
    {
        let scenario = match (&a.scenario, &a.script) {
            (Some(n), _) => Some(ScenarioSource::Builtin(n.clone())),
            (None, Some(f)) => Some(ScenarioSource::File(f.clone())),
            (None, None) => None,
        };
        if let (Some(p), Some(s)) = (&a.pcap, &a.ladder_svg)
            && p == s
        {
            return Err(Error::Usage(
                "--pcap and --ladder-svg name the same file; give each its own".into(),
            ));
        }
        let scripted = a.pcap.is_some() || a.ladder || a.ladder_svg.is_some() || a.way.is_some();
        if scenario.is_none() && scripted {
            return Err(Error::Usage(
                "--pcap, --ladder, --ladder-svg and --way need --scenario or --script".into(),
            ));
        }
        Ok(LabConfig {
            step: a.step,
            auto: a
                .auto
                .as_deref()
                .map(|v| match v.trim().parse::<f64>() {
                    Ok(0.0) => Ok(Duration::ZERO),
                    _ => seconds("--auto", v)
                        .map_err(|e| Error::Usage(format!("{e}, or 0 for no pause"))),
                })
                .transpose()?,
            scenario,
            list: a.list,
            kernel_first: a.way.as_deref().map(|w| w == "kernel"),
            cc: a.cc.parse().map_err(Error::Usage)?,
            pcap: a.pcap.clone(),
            ladder: a.ladder,
            ladder_svg: a.ladder_svg.clone(),
            impair: impairment(&a.impair)?,
        })
    }
}

/// The link impairment the flags describe.
pub fn impairment(a: &ImpairArgs) -> Result<Impairment, Error> {
    let mut words: Vec<Vec<String>> = Vec::new();
    let mut plain = |name: &str, v: &Option<String>| {
        if let Some(v) = v {
            words.push(vec![name.into(), v.clone()]);
        }
    };
    plain("loss", &a.loss);
    plain("delay", &a.delay);
    plain("reorder", &a.reorder);
    plain("duplicate", &a.duplicate);
    plain("rate", &a.rate);
    for (name, list, parts) in [
        ("drop", &a.drop, 2),
        ("delay", &a.delay_segment, 3),
        ("duplicate", &a.duplicate_segment, 2),
    ] {
        for v in list {
            let mut w = vec![name.to_string()];
            w.extend(v.splitn(parts, ':').map(String::from));
            words.push(w);
        }
    }
    let mut imp = Impairment {
        seed: a.seed.unwrap_or(1),
        ..Impairment::default()
    };
    for w in &words {
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        for (dir, on) in [(Dir::In, !a.to_kernel), (Dir::Out, !a.to_stack)] {
            if on {
                imp.rules_mut(dir)
                    .add(&w)
                    .map_err(|e| Error::Usage(format!("--{}: {e}", w[0])))?;
            }
        }
    }
    if (a.to_stack || a.to_kernel) && words.is_empty() {
        return Err(Error::Usage(
            "--to-stack and --to-kernel say which way an impairment applies; give one (e.g. --loss 10)".into(),
        ));
    }
    Ok(imp)
}

/// `ADDR/PREFIX` for one family.
fn cidr<A: std::str::FromStr>(flag: &str, s: &str, max: u8) -> Result<(A, u8), Error> {
    let bad = || Error::Usage(format!("{flag}: '{s}' is not ADDR/PREFIX"));
    let (a, p) = s.split_once('/').ok_or_else(bad)?;
    let addr = a.parse().map_err(|_| bad())?;
    let prefix: u8 = p.parse().map_err(|_| bad())?;
    if prefix == 0 || prefix >= max {
        return Err(Error::Usage(format!(
            "{flag}: prefix /{prefix} leaves no room for two hosts"
        )));
    }
    Ok((addr, prefix))
}

/// `rnetstat stack`.
pub fn stack_config(a: &StackArgs) -> Result<StackConfig, Error> {
    let (v4, prefix4) = cidr::<Ipv4Addr>("--addr4", &a.addr4, 31)?;
    let (v6, prefix6) = cidr::<Ipv6Addr>("--addr6", &a.addr6, 127)?;
    if a.rx_buffer < 1024 || a.tx_buffer < 1024 || a.rx_buffer > 1 << 30 || a.tx_buffer > 1 << 30 {
        return Err(Error::Usage(
            "--rx-buffer and --tx-buffer must be between 1024 bytes and 1 GiB".into(),
        ));
    }
    if a.backlog == 0 || a.max_sockets == 0 {
        return Err(Error::Usage(
            "--backlog and --max-sockets must be at least 1".into(),
        ));
    }
    if [7, 9, 17, 19].contains(&a.hold_port) || a.hold_port == 0 {
        return Err(Error::Usage(format!(
            "--hold-port {} is taken by another service",
            a.hold_port
        )));
    }
    if a.device.chars().any(|c| c.is_control()) {
        return Err(Error::Usage(format!(
            "--device: '{}' has control characters; a device name cannot",
            crate::output::sanitize::quoted(&a.device)
        )));
    }
    let d = StackConfig::default();
    Ok(StackConfig {
        device: a.device.clone(),
        kernel_v4: rnetstat_stack::link_addrs::peer_v4(v4, prefix4),
        kernel_v6: rnetstat_stack::link_addrs::peer_v6(v6, prefix6),
        addrs: Addrs {
            v4,
            prefix4,
            v6,
            prefix6,
        },
        mtu: a.mtu,
        txqueuelen: a.txqueuelen,
        vnet_hdr: !a.no_vnet_hdr,
        limits: Limits {
            rx_buffer: a.rx_buffer,
            tx_buffer: a.tx_buffer,
            backlog: a.backlog,
            max_sockets: a.max_sockets,
            timeout: d.limits.timeout,
            keepalive: a
                .keepalive
                .as_deref()
                .map(|k| seconds("--keepalive", k))
                .transpose()?,
        },
        hold_port: a.hold_port,
        step: false,
        impair: impairment(&a.impair)?,
        seed: a.impair.seed,
    })
}
