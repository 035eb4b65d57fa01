//! Batches: what is written reads back the same; what is not a batch is an error.

use super::*;

fn entry(i: u64) -> Entry {
    let server = i.is_multiple_of(2);
    let client_port = 1024 + 2 * ((i / 2) % 30_000) as u16;
    let (local, remote) = if server {
        (7999, client_port)
    } else {
        (client_port, 7999)
    };
    Entry {
        seen: Seen {
            key: (4026531840, 1000 + i, 0),
            netns_name: i.is_multiple_of(3).then(|| "blue".into()),
            container: i.is_multiple_of(5).then(|| SeenContainer {
                runtime: "podman",
                id: "abc123".into(),
                name: Some("web".into()),
            }),
            cookie: 1000 + i,
            inode: 5000 + i as u32,
            first_inode: 5000 + i as u32,
            proto: "tcp",
            family: if i.is_multiple_of(4) { "inet6" } else { "inet" },
            sock_type: "stream",
            state: "CLOSE",
            local: Some(("127.0.0.1".into(), local)),
            remote: Some(("127.0.0.1".into(), remote)),
            path: None,
            uid: 1000,
            pid: (!i.is_multiple_of(7)).then_some(4242),
            process: Some("python3".into()),
            program: Some("python3".into()),
            recv_q: 0,
            send_q: i as u32 % 3,
            counters: (!i.is_multiple_of(6)).then_some(Counters {
                bytes_acked: 102 + i,
                bytes_received: u64::MAX - i,
                total_retrans: (i % 2) as u32,
                rtt_us: (!i.is_multiple_of(3)).then_some(40 + i as u32),
            }),
            timer_ms: None,
        },
        opened: 1_700_000_000_000 + i as i64,
        exact: i.is_multiple_of(2),
        after: (!i.is_multiple_of(2)).then_some(1_699_999_990_000),
        closed: 1_700_000_000_001 + i as i64,
        remnant: server.then_some(Remnant {
            state: "TIME_WAIT",
            cookie: if i.is_multiple_of(4) { 0 } else { 9000 + i },
            inode: 0,
            recv_q: 0,
            send_q: 0,
            until: 1_700_000_060_001 + i as i64,
            unrecorded: false,
        }),
    }
}

#[test]
fn what_is_written_reads_back_the_same() {
    let entries: Vec<Entry> = (0..500).map(entry).collect();
    let blob = encode(&entries).unwrap();
    let back = decode(&blob).unwrap();
    assert_eq!(back, entries);
    assert_eq!(decode(&encode(&[]).unwrap()).unwrap(), vec![]);
    // Remnants are keyed as dumps key them.
    assert_eq!(back[0].remnant_key(), Some((4026531840, 0, 0)));
    assert_eq!(back[2].remnant_key(), Some((4026531840, 9002, 0)));
    assert_eq!(remotes(&entries).as_deref(), Some("127.0.0.1"));
}

#[test]
fn a_connection_costs_a_few_bytes() {
    let entries: Vec<Entry> = (0..MAX_ENTRIES as u64).map(entry).collect();
    let blob = encode(&entries).unwrap();
    // The columns of like connections compress to a few bytes each (the bench measures
    // real ones).
    assert!(blob.len() < 10 * entries.len(), "{} bytes", blob.len());
}

#[test]
fn what_is_not_a_batch_is_an_error() {
    let entries: Vec<Entry> = (0..50).map(entry).collect();
    let blob = encode(&entries).unwrap();
    let raw = inflate(&blob, "test").unwrap();
    // Not zstd at all, and cut short.
    assert!(decode(b"not a batch").is_err());
    assert!(decode(&blob[..blob.len() / 2]).is_err());
    // Every truncation and every single-byte change of the inflated layout: an error or
    // some entries, never a panic.
    for n in 0..raw.len() {
        let _ = decode(&zstd::bulk::compress(&raw[..n], 1).unwrap());
    }
    for i in 0..raw.len() {
        for b in [0u8, 0x7f, 0x80, 0xff] {
            let mut bad = raw.clone();
            bad[i] = b;
            let _ = decode(&zstd::bulk::compress(&bad, 1).unwrap());
        }
    }
    // A count that claims more than there is.
    let mut lie = vec![FORMAT];
    put(&mut lie, u64::MAX);
    assert!(decode(&zstd::bulk::compress(&lie, 1).unwrap()).is_err());
    // A huge count in few bytes; a long string every entry names; more than MAX_BYTES.
    let mut big = vec![FORMAT];
    put(&mut big, 1 << 40);
    put(&mut big, 0);
    for _ in 0..12 {
        put(&mut big, 0);
    }
    assert!(decode(&zstd::bulk::compress(&big, 1).unwrap()).is_err());
    let long = "x".repeat(1 << 20);
    let mut many: Vec<Entry> = (0..300).map(entry).collect();
    for e in &mut many {
        e.seen.program = Some(long.clone());
        e.seen.process = Some(long.clone());
    }
    let blob = encode(&many).unwrap();
    assert!(blob.len() < 1 << 20, "it compresses: {}", blob.len());
    assert!(decode(&blob).unwrap_err().contains("more text"));
    let zeros = zstd::bulk::compress(&vec![0u8; MAX_BYTES + 1], 1).unwrap();
    assert!(decode(&zeros).unwrap_err().contains("larger than"));
    // Bytes after the columns.
    let mut longer = raw.clone();
    longer.push(0);
    assert!(decode(&zstd::bulk::compress(&longer, 1).unwrap()).is_err());
    // Another layout.
    let mut other = raw.clone();
    other[0] = 2;
    assert!(decode(&zstd::bulk::compress(&other, 1).unwrap()).is_err());
}

#[test]
fn remnant_ends_read_back_and_bad_ones_are_errors() {
    let ends = vec![(7, 3), (7, 1), (9, 0), (12, 40_000), (9, 2)];
    let blob = encode_ends(&ends).unwrap();
    let mut sorted = ends.clone();
    sorted.sort_unstable();
    assert_eq!(decode_ends(&blob).unwrap(), sorted);
    assert_eq!(decode_ends(&encode_ends(&[]).unwrap()).unwrap(), vec![]);
    assert!(decode_ends(b"junk").is_err());
    let raw = inflate(&blob, "test").unwrap();
    for n in 0..raw.len() {
        let _ = decode_ends(&zstd::bulk::compress(&raw[..n], 1).unwrap());
    }
    // An entry below 0 is refused.
    let mut neg = vec![FORMAT];
    put(&mut neg, 1);
    put_signed(&mut neg, 5);
    put_signed(&mut neg, -1);
    assert!(decode_ends(&zstd::bulk::compress(&neg, 1).unwrap()).is_err());
}
