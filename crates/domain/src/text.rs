//! Cleaning what people type and paste: full-width forms (全角) become half-width, the
//! ideographic space becomes a space, and runs of white space collapse.

/// Full-width ASCII variants (U+FF01–U+FF5E) map to ASCII; U+3000 to a space; then the text
/// is trimmed and inner white space collapsed to one space.
pub fn normalise(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            // Zero-width characters pasted from web pages and Word.
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => continue,
            _ => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Escapes text for XML content and attributes (SVG charts, Word documents); characters
/// XML 1.0 does not allow (controls other than tab and line breaks) are dropped.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Names in a list a person picks from, told apart: a name that occurs more than once
/// carries its detail (an organisation's code, a member's position or masked ID number)
/// after it; a name that occurs once stays as it is.
pub fn told_apart(items: Vec<(i64, String, String)>) -> Vec<(i64, String)> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, name, _) in &items {
        *seen.entry(name.as_str()).or_default() += 1;
    }
    let repeated: std::collections::HashSet<String> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(name, _)| name.to_string())
        .collect();
    items
        .into_iter()
        .map(|(id, name, detail)| {
            if repeated.contains(&name) && !detail.is_empty() {
                (id, format!("{name} · {detail}"))
            } else {
                (id, name)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{normalise, told_apart};

    #[test]
    fn same_names_are_told_apart_and_only_they() {
        let items = vec![
            (1, "王芳".to_string(), "支部委员".to_string()),
            (2, "李明".to_string(), "".to_string()),
            (3, "王芳".to_string(), "4108**********1234".to_string()),
        ];
        assert_eq!(
            told_apart(items),
            vec![
                (1, "王芳 · 支部委员".to_string()),
                (2, "李明".to_string()),
                (3, "王芳 · 4108**********1234".to_string()),
            ]
        );
    }

    #[test]
    fn full_width_and_spaces() {
        assert_eq!(normalise("　ＡＢＣ１２３　"), "ABC123");
        assert_eq!(normalise(" 王  小\t明 "), "王 小 明");
        assert_eq!(normalise("\u{FEFF}code"), "code");
        assert_eq!(normalise("（党支部）"), "(党支部)");
    }
}
