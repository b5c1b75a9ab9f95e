//! The Cortico Oscar plug-in core, compiled to WebAssembly.
//!
//! It recognises Oscar's schedule and e-chart pages ([`page`]), reads the
//! patient and appointment context from their DOM ([`context`]), and shows
//! the Cortico logo with its unread badge inside a closed shadow root
//! ([`inject`], [`launcher`]). The messaging interface ([`ui`], leptos) is a
//! second build of this crate with the `panel` feature; it runs only in the
//! extension frame (`ui.html`, the extension's own origin), which no page
//! script can read or drive, loaded the first time staff open it.
//!
//! Entry points: [`start_content_script`] in the page's content script;
//! [`start_frame`] in the extension frame that stands in for it when the
//! page's Content-Security-Policy forbids WebAssembly; `show_panel` in the
//! panel build, in the extension frame.

pub mod appointments;
pub mod bridge;
pub mod context;
pub mod i18n;
pub mod inject;
pub mod launcher;
pub mod page;
#[cfg(feature = "panel")]
pub mod ui;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, DomParser, ShadowRootMode, SupportedType};

use crate::i18n::Lang;
use crate::launcher::Launcher;

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// What the content script did, reported back to the JS loader.
fn outcome(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// Milliseconds since navigation start, for the "logo visible" timing.
fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Runs on every page the manifest matches. Returns `"not-oscar"` when the
/// URL is not a schedule or e-chart (nothing is injected), otherwise the page
/// kind. `open_panel(what, mount)` is the loader's function that opens the
/// panel's frame (`what` is `"menu"` or `"messages"`) in the launcher's
/// `mount`, which the loader cannot otherwise reach in the closed root.
#[wasm_bindgen]
pub fn start_content_script(open_panel: js_sys::Function) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let url = window.location().href()?;
    let Some(kind) = page::detect(&url) else {
        return Ok(outcome("not-oscar"));
    };
    let read = context::read(kind, &url, &doc);
    let lang = Lang::from_browser();
    let host = inject::create_host(&doc, kind, ShadowRootMode::Closed)?;
    let mount = host.mount.clone();
    let open_panel: js_sys::Function = Closure::<dyn Fn(JsValue)>::new(move |what: JsValue| {
        let _ = open_panel.call2(&JsValue::NULL, &what, &mount);
    })
    .into_js_value()
    .unchecked_into();
    warm_on_intent(&host.mount, &open_panel)?;
    let envelopes = match &read {
        // Only in the page itself: the extension frame holds a copy of the DOM.
        Ok(context::PageContext::Schedule(ctx)) => {
            appointments::ScheduleEnvelopes::new(&doc, ctx, open_panel.clone(), lang)
        }
        _ => None,
    };
    Launcher::build(&doc, &host, lang, read.is_err(), open_panel)?.with_envelopes(envelopes).listen();
    // Whole milliseconds: formatting an f64 would pull 20 KB of float code into the wasm.
    host.element.set_attribute("data-cortico-ready-ms", &(now_ms() as u64).to_string())?;
    inject::keep_attached(&doc, &host.element)?;
    Ok(outcome(inject::kind_name(kind)))
}

/// Asks the loader to prepare the panel's frame (`open_panel("warm")`) the
/// first time the pointer or the keyboard focus comes to the launcher, so
/// that the click that follows finds it loaded.
fn warm_on_intent(mount: &web_sys::HtmlElement, open_panel: &js_sys::Function) -> Result<(), JsValue> {
    let open_panel = open_panel.clone();
    let warmed = std::cell::Cell::new(false);
    let warm = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if ev.is_trusted() && !warmed.replace(true) {
            let _ = open_panel.call1(&JsValue::NULL, &JsValue::from_str("warm"));
        }
    });
    for event in ["pointerover", "focusin"] {
        mount.add_event_listener_with_callback(event, warm.as_ref().unchecked_ref())?;
    }
    warm.forget();
    Ok(())
}

/// Runs inside the extension frame (`ui.html`). `url` and `html` are the
/// Oscar page's address and a serialized copy of its DOM, sent by the loader.
/// The launcher goes into the frame's own document, placed as on the page.
/// Returns `"schedule"`, `"echart"`, or `"not-oscar"`.
#[wasm_bindgen]
pub fn start_frame(url: &str, html: &str, open_panel: js_sys::Function) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let Some(kind) = page::detect(url) else {
        return Ok(outcome("not-oscar"));
    };
    let page = parse_html(html)?;
    let warning = context::read(kind, url, &page).is_err();
    let frame_doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let host = inject::create_host(&frame_doc, kind, ShadowRootMode::Open)?;
    Launcher::build(&frame_doc, &host, Lang::from_browser(), warning, open_panel)?.listen();
    Ok(outcome(inject::kind_name(kind)))
}

/// Parses a serialized page without running its scripts.
pub fn parse_html(html: &str) -> Result<Document, JsValue> {
    DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)
}

#[cfg(feature = "panel")]
mod panel_entry {
    use std::cell::RefCell;

    use leptos::prelude::{Effect, Get, Update};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::HtmlElement;

    use crate::i18n::Lang;
    use crate::ui::{App, PageInfo, Store, View};
    use crate::{context, page, parse_html};

    thread_local! {
        static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
    }

    /// Shows the panel module's `what` (`"menu"` or `"messages"`; a second
    /// click on the same button closes it). The first call mounts the
    /// interface into the `.panel-mount` inside `host_root` (adding the
    /// interface's styles when the root has none); `url` and `html` are the
    /// Oscar page's address and a serialized copy of its DOM. `on_state` hears
    /// `"opened"` and `"closed"` as the interface opens and closes, so the
    /// content script can move focus between the page and the frame.
    #[wasm_bindgen]
    pub fn show_panel(
        host_root: &web_sys::ShadowRoot,
        what: &str,
        url: &str,
        html: &str,
        on_state: Option<js_sys::Function>,
    ) -> Result<(), JsValue> {
        console_error_panic_hook::set_once();
        let store = STORE.with(|s| s.borrow().as_ref().copied());
        let store = match store {
            Some(store) => store,
            None => {
                let kind = page::detect(url).ok_or("not an Oscar page")?;
                let doc = parse_html(html)?;
                let info =
                    PageInfo { url: url.to_owned(), context: context::read(kind, url, &doc), lang: Lang::from_browser() };
                let mount: HtmlElement =
                    host_root.query_selector(".panel-mount")?.ok_or("no panel mount")?.unchecked_into();
                if host_root.query_selector("style")?.is_none() {
                    let style = doc_of(host_root)?.create_element("style")?;
                    style.set_text_content(Some(crate::inject::PANEL_CSS));
                    host_root.prepend_with_node_1(&style)?;
                }
                let store = Store::new();
                STORE.with(|s| *s.borrow_mut() = Some(store));
                leptos::mount::mount_to(mount, move || {
                    report_open_state(store, on_state);
                    leptos::view! { <App info=info.clone() store=store/> }
                })
                .forget();
                store
            }
        };
        let target = if what == "messages" { View::Panel } else { View::Menu };
        store.view.update(|v| *v = if *v == target { View::Closed } else { target });
        Ok(())
    }

    fn doc_of(root: &web_sys::ShadowRoot) -> Result<web_sys::Document, JsValue> {
        root.owner_document().ok_or_else(|| "no document".into())
    }

    /// Calls `on_state("opened")` when the interface opens and
    /// `on_state("closed")` when everything closes.
    fn report_open_state(store: Store, on_state: Option<js_sys::Function>) {
        let Some(on_state) = on_state else { return };
        Effect::new(move |was_open: Option<bool>| {
            let open = store.view.get() != View::Closed;
            if was_open.unwrap_or(false) != open {
                let state = if open { "opened" } else { "closed" };
                let _ = on_state.call1(&JsValue::NULL, &JsValue::from_str(state));
            }
            open
        });
    }
}
