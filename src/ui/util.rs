//! Formatting and browser helpers for the views.

use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::Lang;

fn locale(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-CA",
        Lang::Fr => "fr-CA",
    }
}

fn options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o
}

/// The date and time formats the views use.
#[derive(Clone, Copy)]
enum Format {
    Clock,
    MonthDay,
    Numeric,
    Full,
}

thread_local! {
    /// Building an `Intl.DateTimeFormat` is slow; a list of 100 rows would
    /// build 100. Each format is built once per language.
    static FORMATS: std::cell::RefCell<Vec<((u8, u8), js_sys::Function)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn format(ms: i64, lang: Lang, which: Format) -> String {
    let key = (lang as u8, which as u8);
    let f = FORMATS.with(|cache| {
        if let Some((_, f)) = cache.borrow().iter().find(|(k, _)| *k == key) {
            return f.clone();
        }
        let opts = match which {
            Format::Clock => options(&[("hour", "numeric"), ("minute", "2-digit")]),
            Format::MonthDay => options(&[("month", "short"), ("day", "numeric")]),
            Format::Numeric => options(&[("year", "numeric"), ("month", "2-digit"), ("day", "2-digit")]),
            Format::Full => {
                options(&[("month", "short"), ("day", "numeric"), ("hour", "numeric"), ("minute", "2-digit")])
            }
        };
        let locales = js_sys::Array::of1(&JsValue::from_str(locale(lang)));
        let f = js_sys::Intl::DateTimeFormat::new(&locales, &opts).format();
        cache.borrow_mut().push((key, f.clone()));
        f
    });
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    f.call1(&JsValue::NULL, &date).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// "2:05 p.m." for today, "Nov 3" this year, "2025-11-03" before.
pub fn short_time(ms: i64, lang: Lang) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let now = js_sys::Date::new_0();
    let same_day = date.get_full_year() == now.get_full_year()
        && date.get_month() == now.get_month()
        && date.get_date() == now.get_date();
    if same_day {
        format(ms, lang, Format::Clock)
    } else if date.get_full_year() == now.get_full_year() {
        format(ms, lang, Format::MonthDay)
    } else {
        format(ms, lang, Format::Numeric)
    }
}

/// Date and time, for message headers.
pub fn long_time(ms: i64, lang: Lang) -> String {
    format(ms, lang, Format::Full)
}

/// "1.2 MB".
pub fn file_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", (b + 512) / 1024),
        b => format!("{}.{} MB", b / (1024 * 1024), (b % (1024 * 1024)) * 10 / (1024 * 1024)),
    }
}

/// A random idempotency key.
pub fn new_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("k{}", js_sys::Date::now() as u64))
}

/// Base64 via the browser's `btoa` (keeps an encoder out of the wasm).
pub fn to_base64(bytes: &[u8]) -> Option<String> {
    let binary: String = bytes.iter().map(|&b| b as char).collect();
    web_sys::window()?.btoa(&binary).ok()
}

/// Saves bytes the background fetched as a download with `name`.
pub fn save_file(name: &str, base64: &str, media_type: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let binary = window.atob(base64)?;
    let bytes: Vec<u8> = binary.chars().map(|c| c as u32 as u8).collect();
    let array = js_sys::Uint8Array::from(bytes.as_slice());
    let parts = js_sys::Array::of1(&array);
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(media_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &bag)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = window.document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("style", "display:none")?;
    document.body().ok_or("no body")?.append_child(&a)?;
    a.click();
    a.remove();
    // Give the browser time to start the download before freeing the bytes.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000)?;
    Ok(())
}

/// Keeps a text box's content equal to `value`. Written through the DOM
/// setter instead of leptos' `prop:value`, which uses `Reflect.set`: in
/// Firefox content scripts that lands on the wrapper of the element and the
/// page never shows it.
pub fn sync_textarea(node: leptos::prelude::NodeRef<leptos::html::Textarea>, value: leptos::prelude::RwSignal<String>) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        let v = value.get();
        if let Some(el) = node.get() {
            if el.value() != v {
                el.set_value(&v);
            }
        }
    });
}

/// [`sync_textarea`] for an input.
pub fn sync_input(node: leptos::prelude::NodeRef<leptos::html::Input>, value: leptos::prelude::RwSignal<String>) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        let v = value.get();
        if let Some(el) = node.get() {
            if el.value() != v {
                el.set_value(&v);
            }
        }
    });
}
