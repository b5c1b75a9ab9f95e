//! Formatting and browser helpers for the views.

use wasm_bindgen::{JsCast, JsValue};

use crate::i18n::Lang;

fn locale(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en-CA",
        Lang::Fr => "fr-CA",
    }
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o.into()
}

/// "2:05 p.m." for today, "Nov 3" this year, "2025-11-03" before.
pub fn short_time(ms: i64, lang: Lang) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let now = js_sys::Date::new_0();
    let same_day = date.get_full_year() == now.get_full_year()
        && date.get_month() == now.get_month()
        && date.get_date() == now.get_date();
    if same_day {
        date.to_locale_time_string_with_options(locale(lang), &options(&[("hour", "numeric"), ("minute", "2-digit")]))
            .into()
    } else if date.get_full_year() == now.get_full_year() {
        date.to_locale_date_string(locale(lang), &options(&[("month", "short"), ("day", "numeric")])).into()
    } else {
        date.to_locale_date_string(
            locale(lang),
            &options(&[("year", "numeric"), ("month", "2-digit"), ("day", "2-digit")]),
        )
        .into()
    }
}

/// Date and time, for message headers.
pub fn long_time(ms: i64, lang: Lang) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    date.to_locale_string(
        locale(lang),
        &options(&[("month", "short"), ("day", "numeric"), ("hour", "numeric"), ("minute", "2-digit")]),
    )
    .into()
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
