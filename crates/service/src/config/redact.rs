//! `Debug` for configuration that holds secrets: the SMTP password, the
//! secret key and the database password never reach a log line or a panic
//! message, whoever formats the configuration with `{:?}`.

use std::fmt;

/// Shown instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// A database URL with its password (in the authority or as a `password`
/// query parameter) replaced by [`REDACTED`]. A URL that does not parse is
/// not shown at all, since it may still hold one.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return "<unparsable database URL>".into() };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some(REDACTED));
    }
    if parsed.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("password")) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") { REDACTED.into() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Formats as [`REDACTED`] when set, `None` when not.
pub struct Secret<'a, T>(pub &'a Option<T>);

impl<T> fmt::Debug for Secret<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str(REDACTED),
            None => f.write_str("None"),
        }
    }
}

/// Formats a URL through [`redact_url`].
pub struct Url<'a>(pub &'a str);

impl fmt::Debug for Url<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://cortico:hunter2@db:5432/cortico"),
            "postgres://cortico:%3Credacted%3E@db:5432/cortico"
        );
        assert!(!redact_url("postgres://db/cortico?user=c&password=hunter2").contains("hunter2"));
        assert_eq!(
            redact_url("sqlite:///var/lib/cortico/cortico.db?mode=rwc"),
            "sqlite:///var/lib/cortico/cortico.db?mode=rwc"
        );
        assert!(!redact_url("postgres://c:hunter2@[bad").contains("hunter2"));
    }
}
