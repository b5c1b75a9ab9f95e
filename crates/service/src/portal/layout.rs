//! The portal's page frame and its message pages.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::i18n::{Lang, T};

/// A whole page: title, language switch, optional sign-out, content.
pub fn page(lang: Lang, status: StatusCode, title: &str, signed_in: bool, content: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex, nofollow";
                title { (title) " · " (lang.t(T::Portal)) }
                link rel="stylesheet" href="/portal/static/portal.css";
            }
            body {
                header class="top" {
                    span class="brand" { (lang.t(T::Portal)) }
                    nav {
                        a href={ "?lang=" (lang.other().code()) } lang=(lang.other().code()) hreflang=(lang.other().code()) { (lang.t(T::SwitchLanguage)) }
                        @if signed_in {
                            form method="post" action="/portal/sign-out" class="inline" {
                                button type="submit" class="link" { (lang.t(T::SignOut)) }
                            }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// A page with one message (errors, "not found", "signed out").
pub fn message_page(lang: Lang, status: StatusCode, title: &str, text: &str) -> Response {
    page(
        lang,
        status,
        title,
        false,
        html! { p class="message" role=(if status.is_success() { "status" } else { "alert" }) { (text) } },
    )
}

/// The generic error page; details go to the log only.
pub fn error_page(lang: Lang) -> Response {
    message_page(lang, StatusCode::INTERNAL_SERVER_ERROR, lang.t(T::Error), lang.t(T::ErrorText))
}

/// "1.2 MB".
pub fn size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", (b + 512) / 1024),
        b => format!("{}.{} MB", b / (1024 * 1024), (b % (1024 * 1024)) * 10 / (1024 * 1024)),
    }
}

/// A time in the clinic's zone, e.g. `2026-11-23 14:05 EST`.
pub fn time(ms: i64, zone: crate::timezone::Zone) -> String {
    crate::timezone::format_local(ms, zone)
}
