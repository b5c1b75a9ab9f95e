//! Puts the plug-in on the page: a host element with Oscar's no-print classes,
//! a shadow root so Oscar's CSS cannot reach our interface, and a watcher that
//! puts the host back when Oscar rewrites its DOM. In Oscar's page the shadow
//! root is closed, so page scripts cannot reach into the launcher; in the
//! extension frame (our own origin) it is open.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, MutationObserver, MutationObserverInit, ShadowRootInit, ShadowRootMode};

use crate::page::PageKind;

/// The id of the host element; one per page.
pub const HOST_ID: &str = "cortico-plugin-host";

/// The CSS of the interface, scoped by the shadow root.
pub const PANEL_CSS: &str = include_str!("../static/panel.css");

/// Where the interface is mounted.
pub struct Host {
    /// The element in Oscar's DOM.
    pub element: Element,
    /// The element inside the shadow root that leptos renders into.
    pub mount: HtmlElement,
}

/// Fixed placement: bottom of the schedule, bottom right of the e-chart.
/// Inline `!important` wins over any page stylesheet.
fn host_style(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Schedule => "all: initial !important; position: fixed !important; left: 12px !important; bottom: 12px !important; z-index: 2147483000 !important;",
        PageKind::Echart => "all: initial !important; position: fixed !important; right: 16px !important; bottom: 16px !important; z-index: 2147483000 !important;",
    }
}

/// Marks the host of one run of the plug-in: a copy Oscar makes by
/// re-serialising the body carries the same mark, a newer run's host another.
const INSTANCE_ATTR: &str = "data-cortico-instance";

/// Creates the host, replacing one left by an earlier instance of the plug-in
/// (an extension update or reload), so there is never more than one.
/// `mode` is [`ShadowRootMode::Closed`] in Oscar's page.
pub fn create_host(doc: &Document, kind: PageKind, mode: ShadowRootMode) -> Result<Host, JsValue> {
    if let Some(old) = doc.get_element_by_id(HOST_ID) {
        old.remove();
    }
    let element = doc.create_element("div")?;
    element.set_id(HOST_ID);
    // Oscar's print stylesheets hide these classes.
    element.set_class_name("noprint DoNotPrint");
    element.set_attribute("data-page-kind", kind_name(kind))?;
    element.set_attribute("style", host_style(kind))?;
    let instance = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    element.set_attribute(INSTANCE_ATTR, &instance.to_string())?;
    let shadow = element.attach_shadow(&ShadowRootInit::new(mode))?;
    let style = doc.create_element("style")?;
    style.set_text_content(Some(PANEL_CSS));
    shadow.append_child(&style)?;
    let mount: HtmlElement = doc.create_element("div")?.unchecked_into();
    mount.set_class_name("cortico-mount");
    shadow.append_child(&mount)?;
    attach(doc, &element)?;
    Ok(Host { element, mount })
}

/// `schedule` or `echart`, as used in attributes.
pub fn kind_name(kind: PageKind) -> &'static str {
    match kind {
        PageKind::Schedule => "schedule",
        PageKind::Echart => "echart",
    }
}

fn attach(doc: &Document, host: &Element) -> Result<(), JsValue> {
    match doc.body() {
        Some(body) => body.append_child(host)?,
        None => doc.document_element().ok_or("page has no root element")?.append_child(host)?,
    };
    Ok(())
}

/// Puts the host back whenever Oscar's scripts remove it or replace the body
/// (in-place rewrites happen; full reloads start a fresh content script).
pub fn keep_attached(doc: &Document, host: &Element) -> Result<(), JsValue> {
    let doc_for_cb = doc.clone();
    let host_for_cb = host.clone();
    let callback = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(move |_records, _observer| {
        if let Some(other) = doc_for_cb.get_element_by_id(HOST_ID).filter(|h| *h != host_for_cb) {
            // A live host of a newer instance (extension updated) has another
            // mark: leave the page to it. A copy made by Oscar re-serialising
            // the body has ours: remove the dead copy and put ours back.
            if other.get_attribute(INSTANCE_ATTR) != host_for_cb.get_attribute(INSTANCE_ATTR) {
                return;
            }
            other.remove();
        }
        if !host_for_cb.is_connected() {
            let _ = attach(&doc_for_cb, &host_for_cb);
        }
    });
    let observer = MutationObserver::new(callback.as_ref().unchecked_ref())?;
    let init = MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    let root = doc.document_element().ok_or("page has no root element")?;
    observer.observe_with_options(&root, &init)?;
    // The observer lives as long as the page.
    callback.forget();
    Ok(())
}
