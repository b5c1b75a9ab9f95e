//! OAuth 1.0a signatures (RFC 5849 §3.4): percent-encoding, parameter
//! parsing, the signature base string, HMAC-SHA1 and PLAINTEXT.
//!
//! Pure functions, public so a test client can sign requests the same way a
//! real consumer does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_`, `~` is encoded.
const RFC5849: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The signature methods a consumer may name in `oauth_signature_method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    /// `HMAC-SHA1`.
    HmacSha1,
    /// `PLAINTEXT`: the signing key itself (only sane over TLS).
    Plaintext,
}

impl SignatureMethod {
    /// The method for an `oauth_signature_method` value; `None` for anything
    /// else (`RSA-SHA1` included: Oscar has no key to check it with).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "HMAC-SHA1" => Some(Self::HmacSha1),
            "PLAINTEXT" => Some(Self::Plaintext),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HMAC-SHA1",
            Self::Plaintext => "PLAINTEXT",
        }
    }
}

/// RFC 5849 §3.6 percent-encoding of a UTF-8 string.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC5849).to_string()
}

/// Decodes `%XX` escapes (invalid UTF-8 is replaced, never rejected).
pub fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Parses `application/x-www-form-urlencoded` text (a query string or a form
/// body): `+` is a space, a name without `=` has the empty value.
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |v: &str| percent_decode(&v.replace('+', " "));
            (decode(name), decode(value))
        })
        .collect()
}

/// The parameters of an `Authorization: OAuth …` header (RFC 5849 §3.5.1),
/// percent-decoded, `realm` included; `None` when the scheme is not `OAuth`.
pub fn parse_authorization(header: &str) -> Option<Vec<(String, String)>> {
    let header = header.trim();
    let (scheme, rest) = header.split_at(header.find(char::is_whitespace).unwrap_or(header.len()));
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let params = rest
        .split(',')
        .filter_map(|item| {
            let (name, value) = item.trim().split_once('=')?;
            let value = value.trim();
            let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
            Some((percent_decode(name.trim()), percent_decode(value)))
        })
        .collect();
    Some(params)
}

/// The base string URI (RFC 5849 §3.4.1.2): lower-case scheme and host, the
/// default port dropped, the path as sent, no query.
pub fn base_string_uri(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    let path = if path.is_empty() { "/" } else { path };
    format!("{scheme}://{host}{path}")
}

/// The normalized parameter string (RFC 5849 §3.4.1.3.2): every parameter
/// but `oauth_signature`, encoded, sorted by name then value, joined by `&`.
/// The caller leaves out the header's `realm`.
pub fn normalized_parameters(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "oauth_signature")
        .map(|(name, value)| (percent_encode(name), percent_encode(value)))
        .collect();
    encoded.sort();
    encoded.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

/// The signature base string (RFC 5849 §3.4.1.1).
pub fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(base_uri),
        percent_encode(&normalized_parameters(params))
    )
}

/// The signing key: `encode(consumer secret)&encode(token secret)`, which is
/// also the whole PLAINTEXT signature.
pub fn signing_key(consumer_secret: &str, token_secret: &str) -> String {
    format!("{}&{}", percent_encode(consumer_secret), percent_encode(token_secret))
}

/// The base64 HMAC-SHA1 of `base_string` under the signing key.
pub fn hmac_sha1(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = signing_key(consumer_secret, token_secret);
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(base_string.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `oauth_signature` value for a method (not yet percent-encoded).
pub fn sign(method: SignatureMethod, base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    match method {
        SignatureMethod::HmacSha1 => hmac_sha1(base_string, consumer_secret, token_secret),
        SignatureMethod::Plaintext => signing_key(consumer_secret, token_secret),
    }
}

/// Compares two signatures without stopping at the first difference.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    /// RFC 5849 §3.4.1.1's example request, collected the way the server
    /// collects parameters: query, form body, then the header minus `realm`.
    #[test]
    fn rfc5849_example_base_string() {
        let mut params = form_pairs("b5=%3D%253D&a3=a&c%40=&a2=r%20b");
        params.extend(form_pairs("c2&a3=2+q"));
        let header = "OAuth realm=\"Example\",\n    oauth_consumer_key=\"9djdj82h48djs9d2\",\n    oauth_token=\"kkk9d7dh3k39sjv7\",\n    oauth_signature_method=\"HMAC-SHA1\",\n    oauth_timestamp=\"137131201\",\n    oauth_nonce=\"7d8f3e4a\",\n    oauth_signature=\"bYT5CMsGcbgUdFHObYMEfcx6bsw%3D\"";
        let from_header = parse_authorization(header).unwrap();
        assert!(from_header.contains(&("oauth_signature".to_owned(), "bYT5CMsGcbgUdFHObYMEfcx6bsw=".to_owned())));
        params.extend(from_header.into_iter().filter(|(n, _)| n != "realm"));
        let uri = base_string_uri("HTTP", "Example.com:80", "/request");
        assert_eq!(uri, "http://example.com/request");
        assert_eq!(
            base_string("post", &uri, &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    /// The photos example (OAuth Core 1.0 appendix A.5, reused by RFC 5849).
    #[test]
    fn photos_example_signature() {
        let mut params = form_pairs("file=vacation.jpg&size=original");
        params.extend(pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
        ]));
        let base = base_string("GET", &base_string_uri("http", "photos.example.net", "/photos"), &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        );
        let signature = sign(SignatureMethod::HmacSha1, &base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00");
        assert_eq!(signature, "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
        assert_eq!(percent_encode(&signature), "tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D");
    }

    #[test]
    fn plaintext_is_the_encoded_key_pair() {
        assert_eq!(sign(SignatureMethod::Plaintext, "ignored", "a b", "c&d"), "a%20b&c%26d");
        assert_eq!(SignatureMethod::parse("RSA-SHA1"), None);
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved() {
        assert_eq!(percent_encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(percent_encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(percent_encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(percent_encode("☃"), "%E2%98%83");
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
    }

    #[test]
    fn authorization_header_needs_the_oauth_scheme() {
        assert_eq!(parse_authorization("Bearer abc"), None);
        assert_eq!(parse_authorization("oauth a=\"1\", b=2").unwrap(), pairs(&[("a", "1"), ("b", "2")]));
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd") && !constant_time_eq("a", "ab"));
    }
}
