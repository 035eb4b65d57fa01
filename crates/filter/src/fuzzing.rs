//! The `filter` fuzz target's entry point (feature `fuzzing`).

use crate::Filter;
use crate::bytecode::vm;

/// Differential: a filter that parses is compiled for each family, and the program, run by
/// the model of the kernel's interpreter, must select what the evaluator selects.
pub fn differential(data: &[u8]) {
    const GRID: vm::Grid = vm::Grid {
        v4: &["127.0.0.1", "10.1.2.3"],
        v6: &["::1", "fd00::5", "::ffff:10.1.2.3"],
        ports: &[0, 22, 80, 40000, 65535],
    };
    let t = String::from_utf8_lossy(data);
    let words: Vec<&str> = t.split_whitespace().collect();
    if let Ok(f) = Filter::parse(&words)
        && let Err(e) = vm::agrees(&f, &GRID)
    {
        panic!("the kernel program and the evaluator disagree on {t:?}: {e}");
    }
}
