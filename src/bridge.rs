//! Talks to the extension's background script, which talks to the service.
//!
//! Content scripts must not fetch the service themselves (page CSP, CORS,
//! local-network rules, and the token stays in the background), so every
//! request is a `runtime.sendMessage`, and live updates arrive over a
//! `runtime.connect` port.

use cortico_protocol::api::ErrorBody;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage, catch)]
    async fn send_message(msg: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = connect, catch)]
    fn runtime_connect(info: &JsValue) -> Result<Port, JsValue>;

    /// A `runtime.Port`.
    #[derive(Clone)]
    pub type Port;
    #[wasm_bindgen(method, js_name = postMessage)]
    fn post_message(this: &Port, msg: &JsValue);
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    fn on_message(this: &Port) -> PortEvent;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    fn on_disconnect(this: &Port) -> PortEvent;

    type PortEvent;
    #[wasm_bindgen(method, js_name = addListener)]
    fn add_listener(this: &PortEvent, f: &js_sys::Function);
}

/// Why a request did not give what was asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The service could not be reached.
    #[error("network: {0}")]
    Network(String),
    /// The service answered with an error.
    #[error("{status}: {}", body.as_ref().map_or("", |b| b.message.as_str()))]
    Status {
        /// HTTP status.
        status: u16,
        /// The JSON error, when there is one.
        body: Option<ErrorBody>,
    },
    /// The answer was not what the plug-in understands.
    #[error("unexpected answer: {0}")]
    Decode(String),
    /// The extension itself failed (it was reloaded or updated).
    #[error("extension: {0}")]
    Extension(String),
}

impl ClientError {
    /// True when the session is gone and the user must sign in again.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ClientError::Status { status: 401, .. })
    }

    /// The service's own message, when it gave one.
    pub fn service_message(&self) -> Option<&str> {
        match self {
            ClientError::Status { body: Some(b), .. } => Some(&b.message),
            _ => None,
        }
    }
}

/// The background's answer envelope (the body is decoded separately).
#[derive(Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    network: bool,
    #[serde(default)]
    queued: bool,
}

/// An error message of a JS exception, also when it comes from another
/// compartment (Firefox content scripts), where `instanceof Error` fails.
fn js_message(err: &JsValue) -> String {
    js_sys::Reflect::get(err, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{err:?}"))
}

thread_local! {
    /// The open update port, also used for requests (cheaper than a
    /// one-off `sendMessage` each), and the requests waiting for a reply.
    static PORT: std::cell::RefCell<Option<Port>> = const { std::cell::RefCell::new(None) };
    static PENDING: std::cell::RefCell<std::collections::HashMap<u32, js_sys::Function>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
    static NEXT_ID: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

async fn raw(msg: &impl Serialize) -> Result<JsValue, ClientError> {
    // Plain objects, not `Map`s: Chrome passes messages as JSON.
    let msg = msg
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| ClientError::Decode(e.to_string()))?;
    let Some(port) = PORT.with(|p| p.borrow().clone()) else {
        return send_message(&msg).await.map_err(|e| ClientError::Extension(js_message(&e)));
    };
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &JsValue::from(id));
    let reply = js_sys::Promise::new(&mut |resolve, _reject| {
        PENDING.with(|p| p.borrow_mut().insert(id, resolve));
    });
    port.post_message(&msg);
    let result =
        wasm_bindgen_futures::JsFuture::from(reply).await.map_err(|e| ClientError::Extension(js_message(&e)))?;
    if result.is_undefined() {
        // The port closed before the answer came (the background restarted).
        return Err(ClientError::Extension("the extension's background restarted; try again".into()));
    }
    Ok(result)
}

/// Routes a `reply` message to the request waiting for it; true when it was one.
fn take_reply(msg: &JsValue) -> bool {
    let kind = js_sys::Reflect::get(msg, &"type".into()).ok().and_then(|t| t.as_string());
    if kind.as_deref() != Some("reply") {
        return false;
    }
    let id = js_sys::Reflect::get(msg, &"id".into()).ok().and_then(|v| v.as_f64()).map(|v| v as u32);
    let result = js_sys::Reflect::get(msg, &"result".into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(resolve) = id.and_then(|id| PENDING.with(|p| p.borrow_mut().remove(&id))) {
        let _ = resolve.call1(&JsValue::NULL, &result);
    }
    true
}

/// Fails every request still waiting (their port is gone).
fn fail_pending() {
    let waiting: Vec<js_sys::Function> = PENDING.with(|p| p.borrow_mut().drain().map(|(_, f)| f).collect());
    for resolve in waiting {
        let _ = resolve.call1(&JsValue::NULL, &JsValue::UNDEFINED);
    }
}

fn error_body(value: &JsValue) -> Option<ErrorBody> {
    let body = js_sys::Reflect::get(value, &"body".into()).ok()?;
    serde_wasm_bindgen::from_value(body).ok()
}

/// Sends `msg` and decodes a successful body as `T`.
pub async fn request<T: DeserializeOwned>(msg: &impl Serialize) -> Result<T, ClientError> {
    let value = raw(msg).await?;
    if value.is_undefined() || value.is_null() {
        return Err(ClientError::Extension("no answer from the background script".into()));
    }
    let reply: Reply = serde_wasm_bindgen::from_value(value.clone()).map_err(|e| ClientError::Decode(e.to_string()))?;
    if reply.network {
        return Err(ClientError::Network(error_body(&value).map(|b| b.message).unwrap_or_default()));
    }
    if !reply.ok {
        return Err(ClientError::Status { status: reply.status, body: error_body(&value) });
    }
    let body = js_sys::Reflect::get(&value, &"body".into()).unwrap_or(JsValue::NULL);
    serde_wasm_bindgen::from_value(body).map_err(|e| ClientError::Decode(e.to_string()))
}

#[derive(Serialize)]
struct ApiCall<'a, B: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    method: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    json: Option<&'a B>,
}

/// `GET path` on the service.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    request(&ApiCall::<()> { kind: "api", method: "GET", path, json: None }).await
}

/// `POST path` with an optional JSON body, decoding the answer.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: Option<&B>) -> Result<T, ClientError> {
    request(&ApiCall { kind: "api", method: "POST", path, json: body }).await
}

/// `PUT path` with a JSON body, decoding the answer.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ClientError> {
    request(&ApiCall { kind: "api", method: "PUT", path, json: Some(body) }).await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ClientError> {
    request::<serde::de::IgnoredAny>(&ApiCall::<()> { kind: "api", method: "DELETE", path, json: None })
        .await
        .map(|_| ())
}

/// `DELETE path` with a JSON body, decoding the answer.
pub async fn delete_with<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ClientError> {
    request(&ApiCall { kind: "api", method: "DELETE", path, json: Some(body) }).await
}

/// `POST path` with a JSON body, expecting nothing back (204).
pub async fn post_empty<B: Serialize>(path: &str, body: Option<&B>) -> Result<(), ClientError> {
    request::<serde::de::IgnoredAny>(&ApiCall { kind: "api", method: "POST", path, json: body }).await.map(|_| ())
}

/// What happened to a send.
#[derive(Clone, Debug, PartialEq)]
pub enum SendOutcome<T> {
    /// The service stored it.
    Sent(T),
    /// Not acknowledged yet: kept in the outbox and retried.
    Queued(String),
}

#[derive(Serialize)]
struct SendCall<'a, B: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    path: &'a str,
    json: &'a B,
}

/// A message send through the background's outbox.
pub async fn send<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<SendOutcome<T>, ClientError> {
    let value = raw(&SendCall { kind: "send", path, json: body }).await?;
    let reply: Reply = serde_wasm_bindgen::from_value(value.clone()).map_err(|e| ClientError::Decode(e.to_string()))?;
    if reply.queued {
        let why = error_body(&value).map(|b| b.message).unwrap_or_default();
        return Ok(SendOutcome::Queued(why));
    }
    if !reply.ok {
        return Err(ClientError::Status { status: reply.status, body: error_body(&value) });
    }
    let body = js_sys::Reflect::get(&value, &"body".into()).unwrap_or(JsValue::NULL);
    serde_wasm_bindgen::from_value(body).map(SendOutcome::Sent).map_err(|e| ClientError::Decode(e.to_string()))
}

/// A request with only a `type` and fields, e.g. `{"type": "signOut"}`.
#[derive(Serialize)]
pub struct Simple<'a, F: Serialize> {
    /// The handler in background.js.
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// Its arguments.
    #[serde(flatten)]
    pub fields: F,
}

/// A request without arguments.
pub async fn simple<T: DeserializeOwned>(kind: &str) -> Result<T, ClientError> {
    request(&Simple { kind, fields: () }).await
}

/// Opens the update port; `on_message` gets every message, and the port is
/// reopened when the background restarts (Chrome stops idle service workers).
pub fn connect(on_message: impl Fn(JsValue) + 'static) {
    let handler: std::rc::Rc<dyn Fn(JsValue)> = std::rc::Rc::new(on_message);
    open_port(handler);
}

fn open_port(handler: std::rc::Rc<dyn Fn(JsValue)>) {
    let info = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&info, &"name".into(), &"cortico".into());
    // Fails once the extension was reloaded or removed: this page's plug-in is then orphaned.
    let Ok(port) = runtime_connect(&info) else {
        return;
    };
    PORT.with(|p| *p.borrow_mut() = Some(port.clone()));
    let h = handler.clone();
    let on_message = Closure::<dyn Fn(JsValue)>::new(move |msg: JsValue| {
        if !take_reply(&msg) {
            h(msg)
        }
    });
    port.on_message().add_listener(on_message.as_ref().unchecked_ref());
    on_message.forget();

    // A message every 20 s keeps a Chrome service worker (and so the stream) alive.
    let heartbeat_port = port.clone();
    let beat = Closure::<dyn Fn()>::new(move || heartbeat_port.post_message(&JsValue::from_str("ping")));
    let window = web_sys::window().expect("a window");
    let timer = window
        .set_interval_with_callback_and_timeout_and_arguments_0(beat.as_ref().unchecked_ref(), 20_000)
        .unwrap_or(0);
    beat.forget();

    let on_disconnect = Closure::<dyn Fn()>::new(move || {
        PORT.with(|p| *p.borrow_mut() = None);
        fail_pending();
        if let Some(w) = web_sys::window() {
            w.clear_interval_with_handle(timer);
        }
        let again = handler.clone();
        // Reconnect shortly; an extension that was reloaded cannot be reached and stops here.
        let retry = Closure::once_into_js(move || open_port(again));
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), 500);
        }
    });
    port.on_disconnect().add_listener(on_disconnect.as_ref().unchecked_ref());
    on_disconnect.forget();
}
