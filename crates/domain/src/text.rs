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

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn full_width_and_spaces() {
        assert_eq!(normalise("　ＡＢＣ１２３　"), "ABC123");
        assert_eq!(normalise(" 王  小\t明 "), "王 小 明");
        assert_eq!(normalise("\u{FEFF}code"), "code");
        assert_eq!(normalise("（党支部）"), "(党支部)");
    }
}
