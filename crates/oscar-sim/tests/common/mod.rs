//! Shared helpers for the REST and OAuth tests: a simulator driven with
//! `oneshot`, and an OAuth 1.0a consumer that signs requests itself (from
//! the RFC 5849 primitives, checked against the RFC's examples).

#![allow(dead_code)] // each test binary uses its own subset

use axum::body::{to_bytes, Body};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::Router;
use oscar_sim::clinic::Variant;
use oscar_sim::date::Date;
use oscar_sim::server::signature::{base_string, form_pairs, percent_encode, sign, SignatureMethod};
use oscar_sim::server::{router, SimConfig, SimState};
use serde_json::{json, Value};
use tower::ServiceExt;

/// The Host header every request carries; signatures use it.
pub const HOST_NAME: &str = "oscar.test:8080";

/// The simulated today: a Monday.
pub fn monday() -> Date {
    Date::new(2026, 3, 2)
}

/// A running simulator (no socket).
pub struct Sim {
    pub app: Router,
    pub state: SimState,
}

/// A registered REST client.
#[derive(Clone, Debug)]
pub struct Client {
    pub key: String,
    pub secret: String,
    pub uri: String,
    pub lifetime: i64,
}

/// What a consumer signs with: its key and secret, and a token if it has one.
#[derive(Clone, Debug, Default)]
pub struct Creds {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

/// The body of a signed request.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// No body.
    None,
    /// A form body: its parameters are signed.
    Form(&'a [(&'a str, &'a str)]),
    /// A JSON body: not signed.
    Json(&'a Value),
}

/// How to sign one request.
#[derive(Clone, Debug)]
pub struct Sign {
    pub timestamp: i64,
    pub nonce: String,
    pub method: &'static str,
    /// Send a wrong signature.
    pub tamper: bool,
    /// Leave these `oauth_*` parameters out.
    pub omit: Vec<&'static str>,
}

impl Sim {
    pub fn new(variant: Variant) -> Self {
        Self::with_config(SimConfig { variant, ..SimConfig::new(monday()) })
    }

    pub fn with_config(config: SimConfig) -> Self {
        let state = SimState::new(config);
        Self { app: router(state.clone()), state }
    }

    pub fn now(&self) -> i64 {
        self.state.now_secs()
    }

    /// A fresh signing recipe at the simulator's current time.
    pub fn sign(&self) -> Sign {
        Sign { timestamp: self.now(), nonce: nonce(), method: "HMAC-SHA1", tamper: false, omit: vec![] }
    }

    pub async fn send(&self, mut request: Request<Body>) -> Response {
        request.headers_mut().entry(HOST).or_insert(HOST_NAME.parse().unwrap());
        self.app.clone().oneshot(request).await.unwrap()
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// Sends JSON, returns the status and the JSON answer (`null` if none).
    pub async fn json(&self, method: &str, uri: &str, body: Value) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = self.send(request).await;
        let status = response.status();
        let text = text(response).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Registers a client through `POST /__sim/rest-clients`.
    pub async fn register(&self, uri: &str, lifetime: Value) -> Client {
        let (status, body) = self
            .json("POST", "/__sim/rest-clients", json!({"name": "Test app", "uri": uri, "lifetime": lifetime}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Client {
            key: body["key"].as_str().unwrap().to_owned(),
            secret: body["secret"].as_str().unwrap().to_owned(),
            uri: body["uri"].as_str().unwrap().to_owned(),
            lifetime: body["lifetime"].as_i64().unwrap(),
        }
    }

    /// Mints an access token for `provider_no` through `POST /__sim/access-tokens`.
    pub async fn mint(&self, client: &Client, provider_no: &str) -> Creds {
        let (status, body) = self
            .json("POST", "/__sim/access-tokens", json!({"client_key": client.key, "provider_no": provider_no}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Creds {
            consumer_key: client.key.clone(),
            consumer_secret: client.secret.clone(),
            token: body["token"].as_str().unwrap().to_owned(),
            token_secret: body["secret"].as_str().unwrap().to_owned(),
        }
    }

    /// A signed request with the OAuth parameters in the `Authorization`
    /// header.
    pub fn signed(
        &self,
        method: &str,
        path_and_query: &str,
        payload: Payload<'_>,
        creds: &Creds,
        extra: &[(&str, &str)],
        how: &Sign,
    ) -> Request<Body> {
        let form = match payload {
            Payload::Form(form) => form,
            _ => &[],
        };
        let header = authorization(method, path_and_query, form, creds, extra, how);
        let builder = Request::builder().method(method).uri(path_and_query).header(AUTHORIZATION, header);
        match payload {
            Payload::Form(form) => {
                let body: Vec<String> =
                    form.iter().map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v))).collect();
                builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body.join("&")))
            }
            Payload::Json(json) => builder.header(CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
            Payload::None => builder.body(Body::empty()),
        }
        .unwrap()
    }

    /// A signed GET of `/oscar/ws/services/<path>` at the current time.
    pub async fn rest_get(&self, creds: &Creds, path: &str) -> Response {
        let how = self.sign();
        self.send(self.signed("GET", &format!("/oscar/ws/services/{path}"), Payload::None, creds, &[], &how)).await
    }

    /// [`Sim::rest_get`], parsed as JSON (asserting 200).
    pub async fn rest_json(&self, creds: &Creds, path: &str) -> Value {
        let response = self.rest_get(creds, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(content_type(&response), "application/json", "{path}");
        serde_json::from_str(&text(response).await).unwrap()
    }

    /// A signed POST of a JSON body to `/oscar/ws/services/<path>`.
    pub async fn rest_post(&self, creds: &Creds, path: &str, body: &Value) -> Response {
        let how = self.sign();
        self.send(self.signed("POST", &format!("/oscar/ws/services/{path}"), Payload::Json(body), creds, &[], &how))
            .await
    }

    /// Sets `/__sim/faults`.
    pub async fn faults(&self, settings: Value) {
        let (status, _) = self.json("POST", "/__sim/faults", settings).await;
        assert_eq!(status, StatusCode::OK);
    }

    /// The access tokens the simulator holds.
    pub async fn tokens(&self) -> Vec<Value> {
        let (_, body) = self.json("GET", "/__sim/access-tokens", Value::Null).await;
        body.as_array().cloned().unwrap_or_default()
    }

    /// `initiate` with a callback; returns the response.
    pub async fn initiate(&self, client: &Client, callback: &str, how: &Sign) -> Response {
        let creds =
            Creds { consumer_key: client.key.clone(), consumer_secret: client.secret.clone(), ..Creds::default() };
        let request = self.signed(
            "POST",
            "/oscar/ws/oauth/initiate",
            Payload::None,
            &creds,
            &[("oauth_callback", callback)],
            how,
        );
        self.send(request).await
    }

    /// The three-legged flow as a browser and a consumer go through it:
    /// initiate, sign in on the authorize page as `provider_no`, allow,
    /// exchange the verifier. Returns the access credentials.
    pub async fn three_legged(&self, client: &Client, provider_no: &str) -> Creds {
        let callback = format!("{}/oscar/callback?state=xyz", client.uri);
        let response = self.initiate(client, &callback, &self.sign()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(content_type(&response), "application/x-www-form-urlencoded");
        let form = form_map(&text(response).await);
        assert_eq!(form["oauth_callback_confirmed"], "true");
        let (request_token, request_secret) = (form["oauth_token"].clone(), form["oauth_token_secret"].clone());

        // The browser: the login form, then back to the authorize page.
        let page = text(self.get(&format!("/oscar/ws/oauth/authorize?oauth_token={request_token}")).await).await;
        assert!(page.contains("name=\"pin\""), "{page}");
        let login = Request::post("/oscar/login.do")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username={provider_no}&password=oscar-sim&pin=1117&oauth_token={request_token}")))
            .unwrap();
        let response = self.send(login).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(location(&response), format!("/oscar/ws/oauth/authorize?oauth_token={request_token}"));
        let cookie = cookie(&response);
        let page =
            self.send(Request::get(location(&response)).header(COOKIE, &cookie).body(Body::empty()).unwrap()).await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = text(page).await;
        assert!(page.contains("Test app"), "{page}");

        let (action, body) = match self.state.config.variant {
            Variant::Classic => {
                let authenticity = hidden_value(&page, "session_authenticity_token").expect("authenticity token");
                (
                    "/oscar/ws/oauth/authorize/decision",
                    format!(
                        "session_authenticity_token={authenticity}&oauth_token={request_token}&oauthDecision=allow"
                    ),
                )
            }
            Variant::OpenO => ("/oscar/ws/oauth/authorize", format!("oauth_token={request_token}&oauthDecision=allow")),
        };
        assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
        let decision = Request::post(action)
            .header(COOKIE, &cookie)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let response = self.send(decision).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let target = location(&response).to_owned();
        assert!(target.starts_with(&format!("{callback}&oauth_token={request_token}&oauth_verifier=")), "{target}");
        let verifier = form_map(target.split_once('?').unwrap().1)["oauth_verifier"].clone();

        // The consumer swaps the verifier for an access token.
        let creds = Creds {
            consumer_key: client.key.clone(),
            consumer_secret: client.secret.clone(),
            token: request_token.clone(),
            token_secret: request_secret,
        };
        let request = self.signed(
            "POST",
            "/oscar/ws/oauth/token",
            Payload::None,
            &creds,
            &[("oauth_verifier", &verifier)],
            &self.sign(),
        );
        let response = self.send(request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let form = form_map(&text(response).await);
        Creds {
            consumer_key: client.key.clone(),
            consumer_secret: client.secret.clone(),
            token: form["oauth_token"].clone(),
            token_secret: form["oauth_token_secret"].clone(),
        }
    }
}

/// The `Authorization: OAuth …` value for a request, signed per RFC 5849
/// over the query, the form body and the OAuth parameters.
pub fn authorization(
    method: &str,
    path_and_query: &str,
    form: &[(&str, &str)],
    creds: &Creds,
    extra: &[(&str, &str)],
    how: &Sign,
) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut oauth: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), creds.consumer_key.clone()),
        ("oauth_signature_method".into(), how.method.into()),
        ("oauth_timestamp".into(), how.timestamp.to_string()),
        ("oauth_nonce".into(), how.nonce.clone()),
        ("oauth_version".into(), "1.0".into()),
    ];
    if !creds.token.is_empty() {
        oauth.push(("oauth_token".into(), creds.token.clone()));
    }
    oauth.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    oauth.retain(|(n, _)| !how.omit.contains(&n.as_str()));
    let mut all = form_pairs(query);
    all.extend(form.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    all.extend(oauth.iter().cloned());
    let base = base_string(method, &format!("http://{HOST_NAME}{path}"), &all);
    let method = SignatureMethod::parse(how.method).unwrap_or(SignatureMethod::HmacSha1);
    let mut signature = sign(method, &base, &creds.consumer_secret, &creds.token_secret);
    if how.tamper {
        signature = format!("x{signature}");
    }
    if !how.omit.contains(&"oauth_signature") {
        oauth.push(("oauth_signature".into(), signature));
    }
    let params: Vec<String> =
        oauth.iter().map(|(n, v)| format!("{}=\"{}\"", percent_encode(n), percent_encode(v))).collect();
    format!("OAuth realm=\"oscar\", {}", params.join(", "))
}

/// A random nonce.
pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("nonce{}x{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub async fn text(response: Response) -> String {
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn location(response: &Response) -> &str {
    response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

pub fn content_type(response: &Response) -> &str {
    response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// `JSESSIONID=…` from a `Set-Cookie`.
pub fn cookie(response: &Response) -> String {
    let set = response.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a session cookie");
    set.split(';').next().unwrap().to_owned()
}

/// A form-encoded body as a map.
pub fn form_map(s: &str) -> std::collections::HashMap<String, String> {
    form_pairs(s).into_iter().collect()
}

/// The value of `<input … name="NAME" value="…">`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_owned())
}
