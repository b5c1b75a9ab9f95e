//! A running Oscar simulator for the service's tests, and what a clinic
//! admin does in it with a browser (shared by the router tests and the
//! command-line tests).

#![allow(dead_code)] // each test binary uses its own subset

use oscar_sim::clinic::Variant;
use oscar_sim::date::Date;
use oscar_sim::server::{serve_with_shutdown, SimConfig};
use serde_json::{json, Value};

/// A simulator on a free loopback port, stopped when dropped.
pub struct Sim {
    /// `http://127.0.0.1:<port>`.
    pub root: String,
    /// Oscar's base URL: `root` + `/oscar`.
    pub base: String,
    pub http: reqwest::Client,
    pub today: Date,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Sim {
    pub async fn start(variant: Variant) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let root = format!("http://{}", listener.local_addr().unwrap());
        let today = Date::today();
        let mut config = SimConfig::new(today);
        config.variant = variant;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_with_shutdown(config, listener, async move {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Sim { base: format!("{root}/oscar"), root, http, today, _stop: stop }
    }

    /// Registers a REST client as an Oscar admin would; returns (key, secret).
    pub async fn rest_client(&self, uri: &str, lifetime: i64) -> (String, String) {
        let v: Value = self
            .http
            .post(format!("{}/__sim/rest-clients", self.root))
            .json(&json!({ "name": "Cortico", "uri": uri, "lifetime": lifetime }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (v["key"].as_str().unwrap().to_owned(), v["secret"].as_str().unwrap().to_owned())
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}/__sim/{path}", self.root));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        res.json().await.unwrap_or(Value::Null)
    }

    /// What an admin does in the browser: open the authorisation page, sign
    /// in to Oscar (provider 100001), choose `decision`. Returns where Oscar
    /// sends the browser (the service's callback with its query).
    pub async fn authorize(&self, authorize_url: &str, decision: &str) -> String {
        let page = self.http.get(authorize_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "the authorisation page opens");
        let token = authorize_url.split("oauth_token=").nth(1).unwrap();
        let token = percent_encoding::percent_decode_str(token).decode_utf8().unwrap().into_owned();
        let login = self
            .http
            .post(format!("{}/login.do", self.base))
            .form(&[("username", "100001"), ("password", "oscar-sim"), ("pin", "1117"), ("oauth_token", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 302, "signed in to Oscar");
        let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let html = self.http.get(authorize_url).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        let form = &html[html.find("id=\"authorizeForm\"").expect("the Allow/Deny form")..];
        let action = attr(form, "action");
        let mut fields = vec![("oauth_token".to_owned(), token.clone()), ("oauthDecision".into(), decision.into())];
        if let Some(at) = form.find("name=\"session_authenticity_token\"") {
            fields.push(("session_authenticity_token".into(), attr(&form[at..], "value")));
        }
        let action = if action.starts_with("http") { action } else { format!("{}{action}", self.root) };
        let res = self.http.post(action).header("cookie", &cookie).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), 303, "Oscar redirects to the callback");
        res.headers()["location"].to_str().unwrap().to_owned()
    }
}

fn attr(html: &str, name: &str) -> String {
    let start = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&")
}
