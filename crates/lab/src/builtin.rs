//! The built-in scenarios, written in the lab's script format (`script`) and compiled in.

/// (name, text) of every built-in scenario, in the order `--list` shows them.
pub(crate) const SCENARIOS: &[(&str, &str)] = &[
    ("tour", include_str!("scenarios/tour.lab")),
    ("lost-syn", include_str!("scenarios/lost-syn.lab")),
    ("lost-synack", include_str!("scenarios/lost-synack.lab")),
    ("lost-data", include_str!("scenarios/lost-data.lab")),
    (
        "fast-retransmit",
        include_str!("scenarios/fast-retransmit.lab"),
    ),
    ("zero-window", include_str!("scenarios/zero-window.lab")),
    ("nagle", include_str!("scenarios/nagle.lab")),
    ("reorder", include_str!("scenarios/reorder.lab")),
    (
        "simultaneous-close",
        include_str!("scenarios/simultaneous-close.lab"),
    ),
];

pub fn find(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_under_its_own_name() {
        for (name, text) in SCENARIOS {
            let s = crate::script::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&s.name, name);
            assert!(!s.title.is_empty() && !s.about.is_empty(), "{name}");
        }
    }
}
