//! Escaping and encoding helpers for the page renderers.
//!
//! Every dynamic value goes through one of these: [`esc`] for HTML text and
//! attribute values, [`js_str`] for a value inside a single-quoted JavaScript
//! string (then the whole attribute through [`esc`]), [`url_form`] for a URL
//! query value the way Java's `URLEncoder` writes it.

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a value for a single- or double-quoted JavaScript string literal
/// (like commons-lang `StringEscapeUtils.escapeJavaScript`, which Oscar uses).
/// The `<` escape keeps `</script>` out of inline scripts.
pub fn js_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\x3c"),
            '>' => out.push_str("\\x3e"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// OWASP Java Encoder's `Encode.forJavaScript`, which Open-O applies to whole
/// URLs (the "E" link): besides quotes and backslashes it writes `&` as
/// `\x26`, `/` as `\/` and `-` as `\-`. The browser reads the same URL when it
/// runs the string; the raw `onclick` text differs from classic Oscar's.
pub fn owasp_for_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("\\x26"),
            '/' => out.push_str("\\/"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\x27"),
            '"' => out.push_str("\\x22"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ => out.push(c),
        }
    }
    out
}

/// Java's `URLEncoder.encode(s, "UTF-8")`: letters, digits and `.-*_` stay,
/// space becomes `+`, every other byte `%XX`.
pub fn url_form(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Capitalises the first letter of each space-separated word (commons-lang
/// `WordUtils.capitalize`, used for the schedule's `<title>`).
pub fn capitalize_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    out
}

/// The first `len` characters of `s` (Oscar cuts names to the column width).
pub fn truncate(s: &str, len: usize) -> String {
    s.chars().take(len).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_covers_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">O'Neil & co</a>"#), "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
    }

    #[test]
    fn js_escape_protects_quotes_and_script_end() {
        assert_eq!(js_str("O'Reilly \"x\"\n</script>"), "O\\'Reilly \\\"x\\\"\\n\\x3c/script\\x3e");
    }

    #[test]
    fn url_encoding_matches_java_url_encoder() {
        assert_eq!(url_form("face to face encounter with client"), "face+to+face+encounter+with+client");
        assert_eq!(url_form("Smith,John & co/é"), "Smith%2CJohn+%26+co%2F%C3%A9");
        assert_eq!(url_form("Follow-up_1.*"), "Follow-up_1.*");
    }

    #[test]
    fn owasp_javascript_encoding_hides_ampersands() {
        assert_eq!(owasp_for_javascript("/a/b.do?x=1&y=2-3"), "\\/a\\/b.do?x=1\\x26y=2\\-3");
    }

    #[test]
    fn title_words_are_capitalized() {
        assert_eq!(capitalize_words("marchetti, h"), "Marchetti, H");
    }
}
