//! OAuth 1.0a request signing (RFC 5849), the way Oscar's REST API checks it:
//! parameters in the `Authorization` header, the signature base string built
//! from the exact request URL (Oscar's context path included).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use url::Url;

/// RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_` and `~` is encoded.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// RFC 5849 §3.6 percent-encoding.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RESERVED).to_string()
}

/// How requests are signed. Oscar accepts both; HMAC-SHA1 is the default
/// because PLAINTEXT sends the secrets themselves (acceptable only over TLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureMethod {
    /// HMAC-SHA1 over the signature base string.
    HmacSha1,
    /// The key itself, unhashed.
    Plaintext,
}

impl SignatureMethod {
    /// The `oauth_signature_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::Plaintext => "PLAINTEXT",
        }
    }

    /// Parses an `oauth_signature_method` value.
    pub fn parse(s: &str) -> Option<SignatureMethod> {
        match s {
            "HMAC-SHA1" => Some(SignatureMethod::HmacSha1),
            "PLAINTEXT" => Some(SignatureMethod::Plaintext),
            _ => None,
        }
    }
}

/// The client credentials and, after the first leg, a token and its secret.
#[derive(Clone, Debug)]
pub struct Credentials<'a> {
    /// `oauth_consumer_key`: the REST client's key in Oscar.
    pub consumer_key: &'a str,
    /// The REST client's secret.
    pub consumer_secret: &'a str,
    /// The temporary or access token with its secret.
    pub token: Option<(&'a str, &'a str)>,
}

/// One request to sign.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// The full URL the request goes to, query included.
    pub url: &'a Url,
    /// Form-encoded body parameters (they are part of the base string); a
    /// JSON body is not.
    pub form: &'a [(String, String)],
    /// Extra protocol parameters: `oauth_callback` or `oauth_verifier`.
    pub extra: &'a [(&'a str, &'a str)],
}

/// The per-request values that make each signature unique.
#[derive(Clone, Debug)]
pub struct Freshness<'a> {
    /// Seconds since the epoch (Oscar allows five minutes of skew).
    pub timestamp: i64,
    /// A random string never used before with this timestamp.
    pub nonce: &'a str,
}

/// The `oauth_*` parameters with their signature, for the header.
pub fn sign(
    method: SignatureMethod,
    creds: &Credentials<'_>,
    req: &Request<'_>,
    fresh: &Freshness<'_>,
) -> Vec<(String, String)> {
    let mut oauth: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), creds.consumer_key.into()),
        ("oauth_nonce".into(), fresh.nonce.into()),
        ("oauth_signature_method".into(), method.as_str().into()),
        ("oauth_timestamp".into(), fresh.timestamp.to_string()),
        ("oauth_version".into(), "1.0".into()),
    ];
    if let Some((token, _)) = creds.token {
        oauth.push(("oauth_token".into(), token.into()));
    }
    for (k, v) in req.extra {
        oauth.push(((*k).into(), (*v).into()));
    }
    let key = format!("{}&{}", encode(creds.consumer_secret), encode(creds.token.map_or("", |(_, s)| s)));
    let signature = match method {
        SignatureMethod::Plaintext => key,
        SignatureMethod::HmacSha1 => {
            let base = base_string(req.method, req.url, req.form, &oauth);
            let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
            mac.update(base.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
    };
    oauth.push(("oauth_signature".into(), signature));
    oauth
}

/// The `Authorization: OAuth …` header value for signed parameters.
pub fn authorization_header(signed: &[(String, String)]) -> String {
    let fields: Vec<String> = signed.iter().map(|(k, v)| format!("{}=\"{}\"", encode(k), encode(v))).collect();
    format!("OAuth {}", fields.join(", "))
}

/// RFC 5849 §3.4.1: method, base URI and the normalised parameters.
pub fn base_string(method: &str, url: &Url, form: &[(String, String)], oauth: &[(String, String)]) -> String {
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (encode(&k), encode(&v)))
        .chain(form.iter().map(|(k, v)| (encode(k), encode(v))))
        .chain(
            oauth.iter().filter(|(k, _)| k != "oauth_signature" && k != "realm").map(|(k, v)| (encode(k), encode(v))),
        )
        .collect();
    params.sort();
    let normalized: Vec<String> = params.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}&{}&{}", method.to_ascii_uppercase(), encode(&base_uri(url)), encode(&normalized.join("&")))
}

/// RFC 5849 §3.4.1.2: scheme and host in lower case, the port only when it
/// is not the scheme's default, the path as sent; no query or fragment.
fn base_uri(url: &Url) -> String {
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    // `Url::port` is already `None` for the scheme's default port.
    match url.port() {
        Some(port) => format!("{scheme}://{host}:{port}{}", url.path()),
        None => format!("{scheme}://{host}{}", url.path()),
    }
}

/// Parses a form-encoded token response (`oauth_token=…&oauth_token_secret=…`).
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.trim().as_bytes()).into_owned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_value<'a>(signed: &'a [(String, String)], name: &str) -> &'a str {
        &signed.iter().find(|(k, _)| k == name).unwrap().1
    }

    /// RFC 5849 §3.4.1.1's worked example of a signature base string.
    #[test]
    fn base_string_matches_the_rfc_example() {
        let url = Url::parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        let form = vec![("c2".to_owned(), String::new()), ("a3".to_owned(), "2 q".to_owned())];
        let oauth: Vec<(String, String)> = [
            ("realm", "Example"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "ignored"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            base_string("POST", &url, &form, &oauth),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    /// The classic "photos" example (OAuth Core 1.0 Appendix A.5), which
    /// includes `oauth_version` as this signer does.
    #[test]
    fn hmac_sha1_matches_the_photos_example() {
        let url = Url::parse("http://photos.example.net/photos?file=vacation.jpg&size=original").unwrap();
        let creds = Credentials {
            consumer_key: "dpf43f3p2l4k3l03",
            consumer_secret: "kd94hf93k423kf44",
            token: Some(("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")),
        };
        let req = Request { method: "GET", url: &url, form: &[], extra: &[] };
        let signed = sign(
            SignatureMethod::HmacSha1,
            &creds,
            &req,
            &Freshness { timestamp: 1191242096, nonce: "kllo9940pd9333jh" },
        );
        assert_eq!(header_value(&signed, "oauth_signature"), "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
        let header = authorization_header(&signed);
        assert!(header.starts_with("OAuth "));
        assert!(header.contains("oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\""), "{header}");
        assert!(header.contains("oauth_token=\"nnch734d00sl2jdk\""));
    }

    #[test]
    fn plaintext_signs_with_the_encoded_secrets() {
        let url = Url::parse("https://oscar.example/oscar/ws/oauth/initiate").unwrap();
        let creds = Credentials { consumer_key: "k", consumer_secret: "s&cret", token: None };
        let req = Request { method: "POST", url: &url, form: &[], extra: &[("oauth_callback", "https://svc/cb")] };
        let signed = sign(SignatureMethod::Plaintext, &creds, &req, &Freshness { timestamp: 1, nonce: "n" });
        assert_eq!(header_value(&signed, "oauth_signature"), "s%26cret&");
        assert_eq!(header_value(&signed, "oauth_callback"), "https://svc/cb");
    }

    #[test]
    fn the_base_uri_keeps_non_default_ports_and_the_context_path() {
        let url = Url::parse("HTTPS://Oscar.Example:8443/oscar_15/ws/services/demographics/7?x=1").unwrap();
        assert_eq!(base_uri(&url), "https://oscar.example:8443/oscar_15/ws/services/demographics/7");
        let url = Url::parse("https://oscar.example:443/oscar/ws").unwrap();
        assert_eq!(base_uri(&url), "https://oscar.example/oscar/ws");
    }

    #[test]
    fn encoding_leaves_only_unreserved_characters() {
        assert_eq!(encode("a b+c/~-._*"), "a%20b%2Bc%2F~-._%2A");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn token_responses_are_form_decoded() {
        let pairs = parse_form("oauth_token=ab%20c&oauth_token_secret=x&oauth_callback_confirmed=true\n");
        assert_eq!(pairs[0], ("oauth_token".into(), "ab c".into()));
        assert_eq!(pairs.len(), 3);
    }
}
