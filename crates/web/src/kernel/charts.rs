//! Charts drawn on the server as inline SVG: no script, no external font (labels use the
//! page's own font, so Chinese shows with the system's), a `viewBox` that scales to a
//! phone's width, and a title for screen readers. Every chart on a page sits next to the
//! table with the same numbers.

use std::fmt::Write;

/// Escapes text for SVG content and attributes.
fn esc(s: &str) -> String {
    xianfeng_domain::text::escape_xml(s)
}

const WIDTH: f64 = 600.0;
const BAR: &str = "#b3261e";
const MUTED: &str = "#8a8a8a";

fn open(height: f64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" \
         aria-label=\"{t}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"14\"><title>{t}</title>",
        t = esc(title)
    )
}

/// Vertical bars, one per (label, count), e.g. how many subjects score 90–100.
pub fn columns(title: &str, bins: &[(String, u64)]) -> String {
    let height = 240.0;
    let (top, bottom, left) = (20.0, 40.0, 10.0);
    let max = bins.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - 2.0 * left) / bins.len().max(1) as f64;
    let mut svg = open(height, title);
    let base = height - bottom;
    for (i, (label, n)) in bins.iter().enumerate() {
        let h = (base - top) * (*n as f64) / max;
        let x = left + slot * i as f64;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{BAR}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\" font-size=\"12\">{}</text>",
            x + 2.0,
            base - h,
            (slot - 4.0).max(1.0),
            x + slot / 2.0,
            (base - h - 4.0).max(14.0),
            x + slot / 2.0,
            base + 18.0,
            esc(label)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{:.1}\" y2=\"{base}\" stroke=\"{MUTED}\"/></svg>",
        WIDTH - left
    );
    svg
}

/// The characters of a bar's label that fit its column (14 wide characters at 14 px).
const LABEL_CHARS: usize = 14;

/// Horizontal bars, one per (label, value), longest for the largest value; values may be
/// negative (growth), drawn left of a middle axis.
pub fn bars(title: &str, items: &[(String, f64)]) -> String {
    let row = 26.0;
    let height = row * items.len().max(1) as f64 + 10.0;
    let label_w = 200.0;
    let span = WIDTH - label_w - 70.0;
    let max_pos = items.iter().map(|(_, v)| *v).fold(0.0f64, f64::max);
    let max_neg = items.iter().map(|(_, v)| -*v).fold(0.0f64, f64::max);
    let total = (max_pos + max_neg).max(f64::MIN_POSITIVE);
    let zero = label_w + span * max_neg / total;
    let mut svg = open(height, title);
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        let w = span * v.abs() / total;
        let x = if *v < 0.0 { zero - w } else { zero };
        // A name too long for the label column ends in "…", and the whole name is the
        // label's title (shown on hover, read by screen readers).
        let shown: String = if label.chars().count() > LABEL_CHARS {
            label.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            label.clone()
        };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{v:.2}</text>",
            label_w - 8.0,
            y + 17.0,
            esc(label),
            esc(&shown),
            y + 4.0,
            row - 8.0,
            if *v < 0.0 { MUTED } else { BAR },
            zero.max(x + w) + 6.0,
            y + 17.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line over periods: (period label, value or none); a gap where there is none.
pub fn line(title: &str, points: &[(String, Option<f64>)]) -> String {
    let height = 220.0;
    let (top, bottom, left, right) = (24.0, 40.0, 40.0, 20.0);
    let values: Vec<f64> = points.iter().filter_map(|(_, v)| *v).collect();
    let hi = values.iter().copied().fold(0.0f64, f64::max).max(100.0);
    let step = (WIDTH - left - right) / (points.len().max(2) - 1) as f64;
    let y_of = |v: f64| top + (height - top - bottom) * (1.0 - v / hi);
    let mut svg = open(height, title);
    for tick in [0.0, hi / 2.0, hi] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{MUTED}\" font-size=\"12\">{tick:.0}</text>",
            WIDTH - right,
            left - 6.0,
            y_of(tick) + 4.0,
            y = y_of(tick)
        );
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (label, v)) in points.iter().enumerate() {
        let x = left + step * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{MUTED}\" font-size=\"12\">{}</text>",
            height - bottom + 20.0,
            esc(label)
        );
        match v {
            Some(v) => {
                let y = y_of(*v);
                let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
                pen_down = true;
                let _ = write!(
                    svg,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{BAR}\"/>\
                     <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.2}</text>",
                    y - 8.0
                );
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(
            svg,
            "<path d=\"{}\" fill=\"none\" stroke=\"{BAR}\" stroke-width=\"2\"/>",
            path.trim_end()
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_every_value_is_drawn() {
        let svg = columns(
            "分布 <&>",
            &[
                ("0–10".into(), 3),
                ("<script>".into(), 0),
                ("90–100".into(), 7),
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("分布 &lt;&amp;&gt;"));
        assert!(!svg.contains("<script>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        let b = bars("增幅", &[("甲".into(), 5.0), ("乙".into(), -2.5)]);
        assert!(b.contains(">5.00<") && b.contains(">-2.50<"));
        // A name longer than the label column says it is cut, and keeps its whole self
        // as the label's title.
        let long = "中共解放区委员会领导班子成员名单第一组";
        let b = bars("增幅", &[(long.into(), 1.0)]);
        assert!(
            b.contains(&format!(
                "<title>{long}</title>中共解放区委员会领导班子成…<"
            )),
            "{b}"
        );
        let l = line(
            "历史",
            &[
                ("2010".into(), Some(80.0)),
                ("2011".into(), None),
                ("2012".into(), Some(90.5)),
            ],
        );
        // A gap where a period has no score: two separate strokes.
        assert_eq!(l.matches('M').count() - l.matches("M ").count(), 2);
        assert!(l.contains(">90.50<"));
    }

    #[test]
    fn empty_charts_are_still_valid_svg() {
        for svg in [columns("x", &[]), bars("x", &[]), line("x", &[])] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"));
        }
    }
}
