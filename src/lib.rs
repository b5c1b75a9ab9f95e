//! The Cortico Oscar plug-in core, compiled to WebAssembly.
//!
//! It recognises Oscar's schedule and e-chart pages ([`page`]), reads the
//! patient and appointment context from their DOM ([`context`]), and shows
//! the Cortico logo and panel inside a shadow root ([`inject`], [`ui`]).
//!
//! Two entry points: [`start_content_script`] runs in the page's content
//! script; [`start_frame`] runs in the extension frame that hosts the same
//! interface when the page's Content-Security-Policy forbids WebAssembly.

pub mod context;
pub mod i18n;
pub mod inject;
pub mod page;
pub mod ui;

use wasm_bindgen::prelude::*;
use web_sys::{Document, DomParser, HtmlElement, SupportedType};

use crate::i18n::Lang;
use crate::ui::{App, PageInfo};

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// What the content script did, reported back to the JS loader.
fn outcome(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// Milliseconds since navigation start, for the "logo visible" timing.
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Runs on every page the manifest matches. Returns `"not-oscar"` when the
/// URL is not a schedule or e-chart (nothing is injected), `"injected"` otherwise.
#[wasm_bindgen]
pub fn start_content_script() -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let url = window.location().href()?;
    let Some(kind) = page::detect(&url) else {
        return Ok(outcome("not-oscar"));
    };
    let info = PageInfo {
        context: context::read(kind, &url, &doc),
        lang: Lang::from_browser(),
    };
    let host = inject::create_host(&doc, kind)?;
    mount_into(host.mount, info);
    // Whole milliseconds: formatting an f64 would pull 20 KB of float code into the wasm.
    host.element
        .set_attribute("data-cortico-ready-ms", &(now_ms() as u64).to_string())?;
    inject::keep_attached(&doc, &host.element)?;
    Ok(outcome("injected"))
}

/// Runs inside the extension frame (`ui.html`). `url` and `html` are the
/// Oscar page's address and a serialized copy of its DOM, sent by the loader.
/// The interface goes into the frame's own document, placed as on the page.
/// Returns `"schedule"`, `"echart"`, or `"not-oscar"`.
#[wasm_bindgen]
pub fn start_frame(url: &str, html: &str) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let Some(kind) = page::detect(url) else {
        return Ok(outcome("not-oscar"));
    };
    let page = parse_html(html)?;
    let info = PageInfo {
        context: context::read(kind, url, &page),
        lang: Lang::from_browser(),
    };
    let frame_doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let host = inject::create_host(&frame_doc, kind)?;
    mount_into(host.mount, info);
    Ok(outcome(inject::kind_name(kind)))
}

/// Parses a serialized page without running its scripts.
pub fn parse_html(html: &str) -> Result<Document, JsValue> {
    DomParser::new()?.parse_from_string(html, SupportedType::TextHtml)
}

fn mount_into(el: HtmlElement, info: PageInfo) {
    // The interface lives as long as the page; dropping the handle would unmount it.
    leptos::mount::mount_to(el, move || leptos::view! { <App info=info.clone()/> }).forget();
}
