//! Drawing `top`'s full screen with ratatui: a title with the totals, the rows, and a
//! status line with the keys. It only reads the app state and the rows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row as TRow, Table};

use super::top::{NOTE, Row, human_rate};
use super::top_app::App;

pub fn draw(f: &mut Frame<'_>, app: &App, rows: &[Row], totals: (f64, f64), seconds: f64) {
    let [head, body, status] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let (tin, tout) = totals;
    let title = format!(
        "rnetstat top: {}{} | in {} out {} | over {:.1} s | sorted by {}",
        app.view.name(),
        if app.paused { " (paused)" } else { "" },
        human_rate(tin),
        human_rate(tout),
        seconds,
        app.sort.name(),
    );
    f.render_widget(
        Paragraph::new(vec![
            Line::from(title).style(Style::default().add_modifier(Modifier::BOLD)),
            Line::from(NOTE),
        ]),
        head,
    );
    let header = TRow::new(
        [
            "IN/s",
            "OUT/s",
            "RTT ms",
            "RETR/s",
            "RECV-Q",
            "SEND-Q",
            "WHY",
            "N",
            app.view.name(),
        ]
        .map(Cell::from),
    )
    .style(Style::default().add_modifier(Modifier::REVERSED));
    let visible = body.height.saturating_sub(3) as usize;
    let start = app.scroll.min(rows.len().saturating_sub(1));
    let lines = rows.iter().skip(start).take(visible.max(1)).map(|r| {
        TRow::new(vec![
            Cell::from(human_rate(r.in_bps)),
            Cell::from(human_rate(r.out_bps)),
            Cell::from(r.rtt_ms.map_or("-".to_string(), |v| format!("{v:.2}"))),
            Cell::from(format!("{:.1}", r.retrans_per_s)),
            Cell::from(r.recv_q.to_string()),
            Cell::from(r.send_q.to_string()),
            Cell::from(r.why.unwrap_or("-")),
            Cell::from(r.connections.to_string()),
            Cell::from(r.label.clone()),
        ])
    });
    let table = Table::new(
        lines,
        [
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(21),
            Constraint::Length(4),
            Constraint::Min(20),
        ],
    )
    .header(header)
    .block(Block::default().borders(Borders::TOP));
    f.render_widget(table, body);
    let keys = match (&app.typing, &app.message) {
        (Some(t), None) => format!("filter: {t}_   (Enter applies, Esc cancels)"),
        (Some(t), Some(m)) => format!("filter: {t}_   {m}   (Enter retries, Esc cancels)"),
        (None, Some(m)) => m.clone(),
        (None, None) => format!(
            "Tab view  s sort  p pause  / filter{}  ↑↓ scroll  q quit",
            if app.filter.is_empty() {
                String::new()
            } else {
                format!(" [{}]", app.filter)
            }
        ),
    };
    f.render_widget(Paragraph::new(keys), status);
}
