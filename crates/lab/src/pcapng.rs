//! pcapng, Wireshark's capture format (draft-ietf-opsawg-pcapng): one Section Header Block,
//! one Interface Description Block per run (raw IP, LINKTYPE_RAW = 101, microsecond
//! timestamps) and one Enhanced Packet Block per packet on the link, each with an
//! `opt_comment` holding the scenario step, the packet's fate and both sockets' state right
//! after it. Dropped packets are written too; their comment says so.
//!
//! All blocks are little-endian, padded to 32 bits, with their total length at both ends.

use rnetstat_stack::impair::Fate;

use super::record::Run;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const LINKTYPE_RAW: u16 = 101;
const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const IF_NAME: u16 = 2;

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// One option: code, length, value, padding.
fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&(value.len() as u16).to_le_bytes());
    buf.extend_from_slice(value);
    buf.resize(buf.len() + pad4(value.len()), 0);
}

/// A block: type, total length, body, total length.
fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let total = (12 + body.len()) as u32;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&total.to_le_bytes());
}

/// The whole capture of these runs.
pub fn encode(runs: &[Run]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = Vec::new();
    b.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // major
    b.extend_from_slice(&0u16.to_le_bytes()); // minor
    b.extend_from_slice(&(-1i64).to_le_bytes()); // section length: not given
    option(
        &mut b,
        OPT_COMMENT,
        b"rnetstat lab: the kernel and the userspace stack on one TUN link",
    );
    option(&mut b, OPT_END, &[]);
    block(&mut out, SHB, &b);
    for r in runs {
        let mut b = Vec::new();
        b.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes()); // reserved
        b.extend_from_slice(&0u32.to_le_bytes()); // snaplen: none
        let name = format!("rnslab0 ({}, {})", r.scenario, r.label());
        option(&mut b, IF_NAME, name.as_bytes());
        option(&mut b, OPT_END, &[]);
        block(&mut out, IDB, &b);
    }
    for (iface, r) in runs.iter().enumerate() {
        let base = r
            .started
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let mut windows = super::ladder::Windows::default();
        for p in &r.packets {
            let ts = base + p.at.as_micros() as u64;
            let mut b = Vec::new();
            b.extend_from_slice(&(iface as u32).to_le_bytes());
            b.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            b.extend_from_slice(&(ts as u32).to_le_bytes());
            b.extend_from_slice(&(p.bytes.len() as u32).to_le_bytes()); // captured
            b.extend_from_slice(&(p.bytes.len() as u32).to_le_bytes()); // original
            b.extend_from_slice(&p.bytes);
            b.resize(b.len() + pad4(p.bytes.len()), 0);
            option(&mut b, OPT_COMMENT, comment(r, p, &mut windows).as_bytes());
            option(&mut b, OPT_END, &[]);
            block(&mut out, EPB, &b);
        }
    }
    out
}

/// `step: …; kernel → stack; win=63 (×1,024 = 64,512); kernel: ESTABLISHED rq=0 …; stack: …`,
/// and the fate. The window is the segment's, as it counts (see [`super::ladder::Windows`]).
fn comment(r: &Run, p: &super::record::Sent, windows: &mut super::ladder::Windows) -> String {
    let mut way = super::arrow(p.dir).to_string();
    if let Ok(rnetstat_stack::packet::Packet::Tcp(t)) = rnetstat_stack::packet::parse(&p.bytes) {
        way = format!(
            "{way}; {}",
            windows.label(&t, p.dir == rnetstat_stack::tap::Dir::In)
        );
    }
    let fate = match &p.fate {
        Fate::Delivered => String::new(),
        Fate::Dropped(w) => format!(" DROPPED by the lab ({w});"),
        Fate::Impaired(w) => format!(" {w};"),
    };
    let step = if p.step.is_empty() { "setup" } else { &p.step };
    format!(
        "{} ({}) step: {step}; {way};{fate} kernel: {}; stack: {}",
        r.scenario,
        r.label(),
        p.after.kernel.brief(),
        p.after.stack.brief()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_padded_and_framed() {
        let runs: Vec<Run> = Vec::new();
        let b = encode(&runs);
        // SHB only: type, lengths at both ends equal, 32-bit aligned.
        assert_eq!(&b[..4], &SHB.to_le_bytes());
        let total = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
        assert_eq!(total, b.len());
        assert_eq!(total % 4, 0);
        assert_eq!(&b[total - 4..], &b[4..8]);
        assert_eq!(&b[8..12], &BYTE_ORDER_MAGIC.to_le_bytes());
    }
}
