//! How namespaces and containers print: their JSON objects (part of every socket record,
//! docs/json.md) and the per-namespace sections of `-i -r -s -g` with `--all-netns`.

use std::io::{self, Write};

use serde::Serialize;

use rnetstat_model::{Container, Netns};

/// `"netns": {"inode": N, "name": "…" | null}`.
#[derive(Serialize)]
pub(crate) struct JsonNetns<'a> {
    inode: u64,
    name: Option<&'a str>,
}

/// `"container": null | {"runtime", "id", "name", "pod"}`.
#[derive(Serialize)]
pub(crate) struct JsonContainer<'a> {
    runtime: &'static str,
    id: &'a str,
    name: Option<&'a str>,
    pod: Option<&'a str>,
}

impl<'a> JsonNetns<'a> {
    pub fn new(n: &'a Netns) -> Self {
        JsonNetns {
            inode: n.inode,
            name: n.name.as_deref(),
        }
    }

    pub fn inode(&self) -> u64 {
        self.inode
    }

    pub fn name(&self) -> Option<&'a str> {
        self.name
    }
}

impl<'a> JsonContainer<'a> {
    pub fn runtime(&self) -> &'static str {
        self.runtime
    }

    pub fn id(&self) -> &'a str {
        self.id
    }

    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    pub fn pod(&self) -> Option<&'a str> {
        self.pod
    }

    pub fn new(c: &'a Container) -> Self {
        JsonContainer {
            runtime: c.runtime.name(),
            id: &c.id,
            name: c.name.as_deref(),
            pod: c.pod.as_deref(),
        }
    }
}

/// One namespace's section of a view: text gets a heading line before it; JSON one
/// document, `{"namespaces": [{"netns", "container", "view": <the view's document>}, …]}`.
pub struct Sections {
    json: bool,
    count: usize,
}

impl Sections {
    pub fn new(json: bool) -> Self {
        Sections { json, count: 0 }
    }

    /// Writes one section; `body` is the view's own output (a document, for JSON).
    pub fn section(
        &mut self,
        out: &mut dyn Write,
        ns: &Netns,
        heading: &str,
        body: &[u8],
    ) -> io::Result<()> {
        if self.json {
            out.write_all(if self.count == 0 {
                b"{\"namespaces\":["
            } else {
                b","
            })?;
            out.write_all(b"{\"netns\":")?;
            serde_json::to_writer(&mut *out, &JsonNetns::new(ns)).map_err(io::Error::other)?;
            out.write_all(b",\"container\":")?;
            serde_json::to_writer(&mut *out, &ns.container.as_ref().map(JsonContainer::new))
                .map_err(io::Error::other)?;
            out.write_all(b",\"view\":")?;
            out.write_all(body.trim_ascii_end())?;
            out.write_all(b"}")?;
        } else {
            if self.count > 0 {
                out.write_all(b"\n")?;
            }
            writeln!(out, "{heading}")?;
            out.write_all(body)?;
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.json {
            if self.count == 0 {
                out.write_all(b"{\"namespaces\":[")?;
            }
            out.write_all(b"]}\n")?;
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnetstat_model::Runtime;

    #[test]
    fn json_sections_wrap_each_document() {
        let a = Netns {
            inode: 1,
            name: None,
            host: true,
            container: None,
        };
        let b = Netns {
            inode: 2,
            name: Some("blue".into()),
            host: false,
            container: Some(Container {
                runtime: Runtime::Docker,
                id: "f".repeat(64),
                name: Some("db".into()),
                pod: None,
            }),
        };
        let mut out = Vec::new();
        let mut s = Sections::new(true);
        s.section(&mut out, &a, "", b"{\"x\":1}\n").unwrap();
        s.section(&mut out, &b, "", b"{\"x\":2}\n").unwrap();
        s.finish(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["namespaces"][0]["netns"]["inode"], 1);
        assert!(v["namespaces"][0]["container"].is_null());
        assert_eq!(v["namespaces"][1]["netns"]["name"], "blue");
        assert_eq!(v["namespaces"][1]["container"]["runtime"], "docker");
        assert_eq!(v["namespaces"][1]["container"]["name"], "db");
        assert_eq!(v["namespaces"][1]["view"]["x"], 2);
    }
}
