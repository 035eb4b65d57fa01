//! The schema, version 3 (docs/history.md documents it for people writing SQL). An older
//! file is brought to version 3 when the recorder opens it.

use rusqlite::Connection;

/// `PRAGMA user_version` of a database this build writes.
pub const SCHEMA_VERSION: i64 = 3;

pub(crate) const V1: &str = "
CREATE TABLE samples (
    at INTEGER PRIMARY KEY            -- when a dump was recorded, Unix milliseconds
);
CREATE TABLE sockets (
    id INTEGER PRIMARY KEY,
    netns_inode INTEGER NOT NULL,
    netns_name TEXT,
    container TEXT,                   -- its name (NULL: none, or not known)
    container_id TEXT,
    container_runtime TEXT,           -- podman, docker, containerd, cri-o, kubernetes
    cookie INTEGER NOT NULL,          -- the kernel's socket cookie (0 when read from /proc)
    inode INTEGER NOT NULL,
    proto TEXT NOT NULL,              -- tcp, udp, raw, unix, ...
    family TEXT NOT NULL,             -- inet, inet6, unix
    type TEXT NOT NULL,               -- stream, dgram, ...
    local_addr TEXT, local_port INTEGER,
    remote_addr TEXT, remote_port INTEGER,
    path TEXT,                        -- a unix socket's name
    uid INTEGER NOT NULL,
    pid INTEGER, process TEXT,        -- the lowest pid holding it when first seen, its comm
    opened_at INTEGER NOT NULL,       -- first seen (Unix ms)
    opened_after INTEGER,             -- not exact: it opened after this sample (NULL: exact, or the first sample)
    closed_at INTEGER,                -- NULL while open
    closed_after INTEGER              -- not exact: it closed after this sample
);
CREATE INDEX sockets_remote ON sockets (remote_addr, remote_port);
CREATE INDEX sockets_open ON sockets (opened_at);
CREATE INDEX sockets_closed ON sockets (closed_at);
CREATE TABLE changes (
    socket INTEGER NOT NULL REFERENCES sockets (id),
    at INTEGER NOT NULL,              -- the sample that saw the new values
    state TEXT NOT NULL,
    recv_q INTEGER NOT NULL,
    send_q INTEGER NOT NULL,
    inode INTEGER NOT NULL,           -- 0 once no process holds it (an orphan, TIME_WAIT)
    PRIMARY KEY (socket, at)
) WITHOUT ROWID;
CREATE INDEX changes_at ON changes (at);
CREATE TABLE counters (
    socket INTEGER NOT NULL REFERENCES sockets (id),
    at INTEGER NOT NULL,
    bytes_acked INTEGER NOT NULL,
    bytes_received INTEGER NOT NULL,
    total_retrans INTEGER NOT NULL,
    rtt_us INTEGER,
    PRIMARY KEY (socket, at)
) WITHOUT ROWID;
PRAGMA user_version = 1;
";

/// Version 1 → 2: netstat's program name beside `comm`, whether an opening is exact, how a
/// socket's life ended, and the recorder's runs with what each looked at.
const V2: &str = "
ALTER TABLE sockets ADD COLUMN program TEXT;              -- netstat's name (argv[0])
ALTER TABLE sockets ADD COLUMN opened_exact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sockets ADD COLUMN closed_how TEXT;           -- announced, dump, unrecorded
CREATE TABLE runs (
    started INTEGER PRIMARY KEY,      -- when a recorder started (Unix ms)
    scope TEXT NOT NULL,              -- what it looked at (its selection)
    interval_ms INTEGER NOT NULL      -- how often it dumped
);
PRAGMA user_version = 2;
";

/// Version 2 → 3: connections born and gone between two dumps kept compactly, a batch per
/// interval (crate::batch), and the remnants that ended other than when their timer said.
const V3: &str = "
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,              -- the sample that wrote it (Unix ms)
    first_open INTEGER NOT NULL,      -- its earliest opening
    last_end INTEGER NOT NULL,        -- when the last of it was gone (a remnant's end)
    count INTEGER NOT NULL,           -- connections in it
    remotes TEXT,                     -- their remote addresses, space-separated (NULL: many)
    data BLOB NOT NULL                -- the connections, compressed columns (docs/history.md)
);
CREATE INDEX batches_end ON batches (last_end);
CREATE TABLE remnant_ends (
    at INTEGER PRIMARY KEY,           -- the sample that found them gone
    after INTEGER,                    -- they went after this sample
    data BLOB NOT NULL                -- which: (batch, entry) pairs, compressed (docs/history.md)
);
PRAGMA user_version = 3;
";

/// Creates the tables in an empty database, or checks an existing one's version.
pub(crate) fn prepare(db: &Connection) -> Result<(), String> {
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    match version {
        0 => {
            let tables: i64 = db
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(|e| e.to_string())?;
            if tables != 0 {
                return Err("not a database rnetstat made (it has tables and no version)".into());
            }
            db.execute_batch(&format!("BEGIN;{V1}{V2}{V3}COMMIT;"))
                .map_err(|e| e.to_string())
        }
        1 => db
            .execute_batch(&format!("BEGIN;{V2}{V3}COMMIT;"))
            .map_err(|e| e.to_string()),
        2 => db
            .execute_batch(&format!("BEGIN;{V3}COMMIT;"))
            .map_err(|e| e.to_string()),
        SCHEMA_VERSION => Ok(()),
        v => Err(format!(
            "schema version {v}; this rnetstat reads version {SCHEMA_VERSION}"
        )),
    }
}
