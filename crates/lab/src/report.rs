//! Both runs of a scenario side by side: each expectation once per row, with when it held
//! in each run, so the two implementations' reactions to the same event line up.

use std::io::{self, Write};

use super::record::{Outcome, Run};

pub(crate) fn side_by_side(out: &mut impl Write, runs: &[Run]) -> io::Result<()> {
    let Some(first) = runs.first() else {
        return Ok(());
    };
    writeln!(out, "\n━━ {}: side by side ━━", first.scenario)?;
    let width = first
        .outcomes
        .iter()
        .chain(runs.iter().skip(1).flat_map(|r| r.outcomes.iter()))
        .map(|o| o.check.chars().count())
        .max()
        .unwrap_or(10)
        .max(11);
    write!(out, "{:<width$}", "expectation")?;
    for r in runs {
        write!(out, "  {:<24}", r.label())?;
    }
    writeln!(out)?;
    let rows = runs.iter().map(|r| r.outcomes.len()).max().unwrap_or(0);
    for i in 0..rows {
        let check = runs
            .iter()
            .find_map(|r| r.outcomes.get(i))
            .map_or("", |o| o.check.as_str());
        write!(out, "{check:<width$}")?;
        for r in runs {
            write!(out, "  {:<24}", cell(r.outcomes.get(i)))?;
        }
        writeln!(out)?;
    }
    for r in runs {
        if let Some(f) = &r.failure {
            writeln!(out, "{}: stopped: {f}", r.label())?;
        }
    }
    let verdict: Vec<String> = runs
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                r.label(),
                if r.passed() { "passed" } else { "FAILED" }
            )
        })
        .collect();
    writeln!(out, "{}", verdict.join("; "))
}

fn cell(o: Option<&Outcome>) -> String {
    match o {
        None => "(not reached)".into(),
        Some(o) => match o.at {
            Some(t) if o.ok => format!("✓ at {:.3} s", t.as_secs_f64()),
            _ => format!("✗ saw {}", o.seen),
        },
    }
}

/// Wraps text at 88 columns with an indent.
pub(crate) fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for w in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + w.len() > 88 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(w);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_indent() {
        let w = wrap(&"word ".repeat(40), "  ");
        assert!(w.lines().all(|l| l.starts_with("  word") && l.len() <= 88));
        assert_eq!(w.split_whitespace().count(), 40);
    }
}
