//! The patient's side for the tests: a patient the clinic wrote to, the
//! notification outbox sent by the real worker into an inbox (in place of
//! the SMTP relay), and browsers with their own cookies posting the
//! portal's forms. All data is synthetic.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use cortico_service::notify::{Content, Notifier, Transport, Transports, Waker};
use http_body_util::BodyExt;
use serde_json::json;

use crate::common::*;

/// A synthetic Ontario-style health card number and birth date.
pub const HIN: &str = "9876 543 217";
pub const DOB: (&str, &str, &str) = ("1980", "4", "12");
/// The portal's own origin in the tests (the default public URL).
pub const OUR_ORIGIN: &str = "http://127.0.0.1:8470";

/// What the notification worker handed to the relay.
#[derive(Default)]
pub struct Inbox(Mutex<Vec<(String, Content)>>);

#[async_trait::async_trait]
impl Transport for Inbox {
    async fn send(&self, recipient: &str, content: &Content) -> Result<(), String> {
        self.0.lock().unwrap().push((recipient.to_owned(), content.clone()));
        Ok(())
    }
}

/// One answer of the portal.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }

    /// The `Set-Cookie` line of a cookie, if the answer sets it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A browser: its cookies, and the headers it adds to every request.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
    pub extra: Vec<(&'static str, String)>,
}

impl Browser {
    /// A browser that says where its forms come from, as current ones do.
    pub fn same_origin() -> Browser {
        Browser {
            extra: vec![("origin", OUR_ORIGIN.into()), ("sec-fetch-site", "same-origin".into())],
            ..Default::default()
        }
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for line in headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = line.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || line.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
    }

    fn request(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut req = Request::builder().method(method).uri(path);
        for (name, value) in &self.extra {
            req = req.header(*name, value);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, jar.join("; "));
        }
        req
    }
}

impl TestApp {
    /// Sends what the outbox holds through the real notification worker;
    /// returns what went out (email and SMS), oldest first.
    pub async fn deliver(&self) -> Vec<(String, Content)> {
        let inbox = Arc::new(Inbox::default());
        let notifier = Notifier {
            db: self.state.db.clone(),
            transports: Transports { email: Some(inbox.clone()), sms: Some(inbox.clone()) },
            public_url: self.state.settings.public_url.clone(),
            clock: self.state.clock.clone(),
            waker: Waker::default(),
        };
        self.state.db.flush().await.unwrap();
        while notifier.send_due().await.expect("outbox") > 0 {}
        let sent = std::mem::take(&mut *inbox.0.lock().unwrap());
        sent
    }

    /// The path of the newest link the patient was sent.
    pub async fn link_sent(&self) -> String {
        let link = self.deliver().await.into_iter().rev().find_map(|(_, c)| match c {
            Content::NewMessage { link, .. } => Some(link),
            Content::Code { .. } | Content::DetailsChanged { .. } => None,
        });
        let link = link.expect("a message notification with a link");
        link.strip_prefix(&self.state.settings.public_url).expect("links use the public URL").to_owned()
    }

    /// The codes emailed since the last delivery.
    pub async fn codes_sent(&self) -> Vec<String> {
        let sent = self.deliver().await;
        sent.into_iter()
            .filter_map(|(_, c)| if let Content::Code { code, .. } = c { Some(code) } else { None })
            .collect()
    }

    /// A patient with a health card number and birth date on file, and an
    /// email (or, without one, a phone for the link); `staff` writes to
    /// them with replies allowed. Returns the conversation id.
    pub async fn portal_patient(&self, staff: &User, demographic_no: u32, email: Option<&str>) -> i64 {
        let details = json!({
            "first_name": "Jane", "last_name": "Tester", "email": email, "phone": "555-0100",
            "health_card_number": HIN, "date_of_birth": format!("{}-0{}-{}", DOB.0, DOB.1, DOB.2),
        });
        let (status, body) = self.post(&format!("/api/patients/{demographic_no}/details"), staff, details).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self.start(staff, demographic_no, "Your results are in.", true).await
    }

    /// A browser request through the router; the browser keeps the cookies set.
    pub async fn browse(&self, browser: &mut Browser, method: Method, path: &str, body: Option<Body>) -> Page {
        let req = browser.request(method, path);
        let res = self.response(req.body(body.unwrap_or_default()).unwrap()).await;
        let (parts, body) = res.into_parts();
        browser.keep_cookies(&parts.headers);
        let bytes = body.collect().await.expect("body").to_bytes();
        Page { status: parts.status, headers: parts.headers, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Posts a URL-encoded form.
    pub async fn post_form(&self, browser: &mut Browser, path: &str, fields: &[(&str, &str)]) -> Page {
        let encoded: Vec<String> = fields
            .iter()
            .map(|(k, v)| {
                let v = percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC);
                format!("{k}={v}")
            })
            .collect();
        let mut with_type = browser.clone();
        with_type.extra.push(("content-type", "application/x-www-form-urlencoded".into()));
        let page = self.browse(&mut with_type, Method::POST, path, Some(Body::from(encoded.join("&")))).await;
        browser.cookies = with_type.cookies;
        page
    }

    /// The details step with the patient's own details.
    pub async fn give_details(&self, browser: &mut Browser, link: &str) -> Page {
        self.post_form(browser, link, &[("health_card", HIN), ("year", DOB.0), ("month", DOB.1), ("day", DOB.2)]).await
    }

    /// The details step with a wrong birth year.
    pub async fn give_wrong_details(&self, browser: &mut Browser, link: &str) -> Page {
        self.post_form(browser, link, &[("health_card", HIN), ("year", "1979"), ("month", DOB.1), ("day", DOB.2)]).await
    }

    /// The code step.
    pub async fn give_code(&self, browser: &mut Browser, link: &str, code: &str) -> Page {
        self.post_form(browser, &format!("{link}/code"), &[("code", code)]).await
    }

    /// Details, then the emailed code: a signed-in browser.
    pub async fn sign_in_patient(&self, link: &str) -> Browser {
        let mut browser = Browser::same_origin();
        assert_eq!(self.give_details(&mut browser, link).await.status, StatusCode::SEE_OTHER);
        let code = self.codes_sent().await.pop().expect("a code was emailed");
        let page = self.give_code(&mut browser, link, &code).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        assert!(browser.cookies.contains_key("cortico_patient"), "signed in");
        browser
    }

    /// The patient's failed-check count and lock, as staff see them.
    pub async fn lock_state(&self, staff: &User, demographic_no: u32) -> (i64, bool) {
        let (status, details) = self.get(&format!("/api/patients/{demographic_no}"), staff).await;
        assert_eq!(status, StatusCode::OK, "{details}");
        (details["failed_checks"].as_i64().unwrap(), details["locked"].as_bool().unwrap())
    }
}

/// A `multipart/form-data` body with text fields.
pub fn multipart(fields: &[(&str, &str)]) -> (String, String) {
    let boundary = "----cortico-test-boundary".to_owned();
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}
