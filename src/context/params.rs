//! Pulls `key=value` parameters out of the URLs Oscar buries in `onclick`
//! attributes, e.g. `popupPage(535,860,'../appointment/appointmentcontrol.jsp?appointment_no=5&demographic_no=7')`.

/// The value of `key` in the first URL-ish parameter list inside `text`.
///
/// The key must start a parameter (follow `?` or `&`), so `provider_no` does not
/// match inside `apptProvider_no`. The value ends at `&`, a quote, a bracket or
/// white space.
pub fn param<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = text[from..].find(key) {
        let start = from + i;
        let end_key = start + key.len();
        let preceded = start > 0 && matches!(text.as_bytes()[start - 1], b'?' | b'&');
        let followed = text.as_bytes().get(end_key) == Some(&b'=');
        if preceded && followed {
            let rest = &text[end_key + 1..];
            let len = rest
                .find(|c: char| matches!(c, '&' | '\'' | '"' | ')' | '#') || c.is_whitespace())
                .unwrap_or(rest.len());
            return Some(&rest[..len]);
        }
        from = end_key;
    }
    None
}

/// `param` parsed as a number; `None` when absent or not a number.
pub fn number_param(text: &str, key: &str) -> Option<u32> {
    param(text, key)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    const ONCLICK: &str = "popupPage(535,860,'../appointment/appointmentcontrol.jsp?appointment_no=123&provider_no=100001&year=2026&month=11&day=23&start_time=9:0&demographic_no=1004&displaymode=edit&dboperation=search');return false;";

    #[wasm_bindgen_test]
    fn reads_numbers_from_an_appointment_onclick() {
        assert_eq!(number_param(ONCLICK, "appointment_no"), Some(123));
        assert_eq!(number_param(ONCLICK, "demographic_no"), Some(1004));
        assert_eq!(param(ONCLICK, "provider_no"), Some("100001"));
        assert_eq!(param(ONCLICK, "start_time"), Some("9:0"));
    }

    #[wasm_bindgen_test]
    fn a_key_inside_a_longer_key_does_not_match() {
        let s = "x.jsp?apptProvider_no=9&provider_no=5";
        assert_eq!(param(s, "provider_no"), Some("5"));
        assert_eq!(param("x.jsp?apptProvider_no=9", "provider_no"), None);
    }

    #[wasm_bindgen_test]
    fn junk_is_none() {
        assert_eq!(number_param("x?demographic_no=abc", "demographic_no"), None);
        assert_eq!(number_param("", "demographic_no"), None);
        assert_eq!(param("demographic_no=4", "demographic_no"), None);
    }
}
