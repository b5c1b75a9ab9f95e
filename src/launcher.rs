//! The launcher: what every Oscar tab loads. The Cortico logo with the live
//! unread badge, and the envelope once signed in. It is plain DOM on purpose:
//! Oscar reloads its pages every few minutes, so what runs at page load must
//! be small and quick. Clicking hands over to the panel module (the leptos
//! interface), which the loader fetches the first time it is needed.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use crate::i18n::Lang;
use crate::inject::Host;

/// The logo mark, drawn in static/logo.svg.
const LOGO_SVG: &str = include_str!("../static/logo.svg");
/// The envelope icon.
const ENVELOPE_SVG: &str = r#"<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.3V17h16V7.3l-8 5.3-8-5.3zM5.2 7 12 11.4 18.8 7H5.2z"/></svg>"#;

/// The few words the launcher needs (the panel module has all the others).
fn words(lang: Lang) -> (&'static str, &'static str, &'static str) {
    match lang {
        Lang::En => ("Cortico patient messaging", "Messages", "unread"),
        Lang::Fr => ("Messagerie patients Cortico", "Messages", "non lus"),
    }
}

/// The launcher's elements.
#[derive(Clone)]
pub struct Launcher {
    logo: HtmlElement,
    badge: HtmlElement,
    envelope: HtmlElement,
    lang: Lang,
    appointments: Option<std::rc::Rc<crate::appointments::ScheduleEnvelopes>>,
}

impl Launcher {
    /// Builds the launcher into the host's mount. `open(what)` is the
    /// loader's function that shows the panel module's `"menu"` or
    /// `"messages"`; `warning` marks a page that could not be read.
    pub fn build(
        doc: &Document,
        host: &Host,
        lang: Lang,
        warning: bool,
        open: js_sys::Function,
    ) -> Result<Launcher, JsValue> {
        let (label, messages, _) = words(lang);
        let root = element(doc, "div", "cortico-root")?;
        let panel = element(doc, "div", "panel-mount")?;
        let bar = element(doc, "div", "launcher")?;

        let logo = element(doc, "button", "logo")?;
        logo.set_attribute("type", "button")?;
        logo.set_attribute("aria-label", label)?;
        logo.set_attribute("title", label)?;
        let mark = element(doc, "span", "logo-mark")?;
        mark.set_inner_html(LOGO_SVG);
        logo.append_child(&mark)?;
        let badge = element(doc, "span", "badge")?;
        badge.set_hidden(true);
        logo.append_child(&badge)?;
        if warning {
            let dot = element(doc, "span", "warning-dot")?;
            dot.set_attribute("aria-hidden", "true")?;
            dot.set_text_content(Some("!"));
            logo.append_child(&dot)?;
        }

        let envelope = element(doc, "button", "envelope")?;
        envelope.set_attribute("type", "button")?;
        envelope.set_attribute("aria-label", messages)?;
        envelope.set_attribute("title", messages)?;
        envelope.set_inner_html(ENVELOPE_SVG);
        envelope.set_hidden(true);

        on_click(&logo, open.clone(), "menu")?;
        on_click(&envelope, open, "messages")?;
        bar.append_child(&logo)?;
        bar.append_child(&envelope)?;
        root.append_child(&panel)?;
        root.append_child(&bar)?;
        host.mount.append_child(&root)?;
        Ok(Launcher { logo, badge, envelope, lang, appointments: None })
    }

    /// Shows the unread count; hidden at zero and while unknown, so a stale
    /// number never flashes.
    pub fn set_unread(&self, count: Option<i64>) {
        let (label, _, unread) = words(self.lang);
        match count.filter(|n| *n > 0) {
            Some(n) => {
                let text = if n > 99 { "99+".to_owned() } else { n.to_string() };
                self.badge.set_text_content(Some(&text));
                let _ = self.badge.set_attribute("data-count", &n.to_string());
                self.badge.set_hidden(false);
                let _ = self.logo.set_attribute("aria-label", &format!("{label} ({n} {unread})"));
            }
            None => {
                self.badge.set_hidden(true);
                let _ = self.badge.remove_attribute("data-count");
                let _ = self.logo.set_attribute("aria-label", label);
            }
        }
    }

    /// The envelope shows only with a live session.
    pub fn set_signed_in(&self, signed_in: bool) {
        self.envelope.set_hidden(!signed_in);
    }

    /// Keeps envelopes next to the schedule's appointments (schedule pages).
    pub fn with_envelopes(mut self, envelopes: Option<std::rc::Rc<crate::appointments::ScheduleEnvelopes>>) -> Self {
        self.appointments = envelopes;
        self
    }

    fn refresh_appointments(&self) {
        if let Some(a) = &self.appointments {
            a.refresh();
        }
    }

    /// Follows the background's update port: session state and badge number.
    pub fn listen(self) {
        crate::bridge::connect(move |msg| {
            let get =
                |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
            let kind = get(&msg, "type").as_string().unwrap_or_default();
            let session_state = |m: &JsValue| get(&get(m, "session"), "state").as_string();
            match kind.as_str() {
                "hello" => {
                    let signed_in = session_state(&msg).as_deref() == Some("signed_in");
                    self.set_signed_in(signed_in);
                    let cached = get(&msg, "unread").as_f64().map(|n| n as i64);
                    self.set_unread(cached.filter(|_| signed_in));
                    if signed_in {
                        self.refresh_appointments();
                    }
                    if signed_in && cached.is_none() {
                        let me = self.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Ok(n) = crate::bridge::get::<cortico_protocol::api::UnreadCount>("/api/unread").await
                            {
                                me.set_unread(Some(n.count));
                            }
                        });
                    }
                }
                "session" => {
                    let signed_in = session_state(&msg).as_deref() == Some("signed_in");
                    self.set_signed_in(signed_in);
                    if signed_in {
                        self.refresh_appointments();
                    } else {
                        self.set_unread(None);
                        if let Some(a) = &self.appointments {
                            a.clear();
                        }
                    }
                }
                "update" => {
                    self.set_unread(get(&msg, "unread").as_f64().map(|n| n as i64));
                    self.refresh_appointments();
                }
                _ => {}
            }
        });
    }
}

fn element(doc: &Document, tag: &str, class: &str) -> Result<HtmlElement, JsValue> {
    let el: HtmlElement = doc.create_element(tag)?.unchecked_into();
    el.set_class_name(class);
    Ok(el)
}

/// Opens `what` on a click by the user: a page script's synthetic click
/// (`isTrusted` false) does nothing.
fn on_click(el: &Element, open: js_sys::Function, what: &'static str) -> Result<(), JsValue> {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if ev.is_trusted() {
            let _ = open.call1(&JsValue::NULL, &JsValue::from_str(what));
        }
    });
    el.add_event_listener_with_callback("click", handler.as_ref().unchecked_ref())?;
    handler.forget();
    Ok(())
}
