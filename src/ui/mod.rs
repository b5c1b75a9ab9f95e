//! The plug-in's interface, rendered with leptos inside the shadow root (or
//! inside the extension frame on pages whose CSP forbids WebAssembly).
//!
//! The logo (with the unread badge) opens a menu: sign in or out, messages,
//! about this page. The envelope opens the panel: Triage, My Conversations
//! and, on an e-chart, All Conversations of the patient.

mod about;
mod composer;
mod conversation;
mod details;
mod icons;
mod menu;
mod origins;
mod oscar;
mod panel;
mod sign_in;
pub mod state;
mod util;

use leptos::prelude::*;

use crate::context::{ContextError, PageContext};
use crate::i18n::{t, Lang, Msg};

pub use about::AboutPage;
pub use state::{Store, View};

/// Everything the interface needs to know about where it runs.
#[derive(Clone)]
pub struct PageInfo {
    /// The Oscar page's address (the panel runs in the extension frame,
    /// whose own address is the extension's).
    pub url: String,
    /// What was read from the page, or why it could not be read.
    pub context: Result<PageContext, ContextError>,
    /// Interface language.
    pub lang: Lang,
}

impl PageInfo {
    /// The e-chart's patient, when on an e-chart.
    pub fn echart_patient(&self) -> Option<cortico_protocol::OscarPatientRef> {
        match &self.context {
            Ok(PageContext::Echart(e)) => Some(e.patient.clone()),
            _ => None,
        }
    }
}

/// The text of an error reading the page, in the interface language.
pub fn context_error_text(lang: Lang, err: &ContextError) -> &'static str {
    match err {
        ContextError::NoDemographicNumber => t(lang, Msg::NoDemographicNumber),
        ContextError::NoScheduleGrid => t(lang, Msg::NoScheduleGrid),
    }
}

/// The interface language, from context.
pub fn lang() -> Lang {
    use_context::<PageInfo>().map_or(Lang::En, |i| i.lang)
}

/// The shared state, from context.
pub fn store() -> Store {
    expect_context::<Store>()
}

/// The root of the panel module: the open view above the launcher. The
/// launcher (logo, badge, envelope) is plain DOM outside it; see
/// [`crate::launcher`].
#[component]
pub fn App(
    /// The page the plug-in runs on.
    info: PageInfo,
    /// The shared state, created by [`crate::show_panel`].
    store: Store,
) -> impl IntoView {
    provide_context(info);
    provide_context(store);
    store.listen();

    let root_ref = NodeRef::<leptos::html::Div>::new();
    // Focus goes back to the logo when everything closes.
    Effect::new(move |previous: Option<View>| {
        let current = store.view.get();
        if current == View::Closed && previous.is_some_and(|p| p != View::Closed) {
            focus_logo(root_ref.get());
        }
        current
    });

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && store.view.get_untracked() != View::Closed {
            ev.stop_propagation();
            store.view.set(back_from(store.view.get_untracked()));
        }
    };

    view! {
        <div class="panel-root" node_ref=root_ref on:keydown=on_keydown>
            {move || store.toast.get().map(|text| view! { <div class="toast" role="status">{text}</div> })}
            {move || open_view(store.view.get())}
        </div>
    }
}

/// The logo lives in the same shadow root, outside the panel's tree.
fn focus_logo(inside: Option<web_sys::HtmlDivElement>) {
    use wasm_bindgen::JsCast;
    let root = inside.map(|el| el.get_root_node());
    let logo = root
        .and_then(|r| r.dyn_into::<web_sys::DocumentFragment>().ok())
        .and_then(|r| r.query_selector(".logo").ok().flatten())
        .or_else(|| web_sys::window()?.document()?.query_selector(".logo").ok().flatten());
    if let Some(logo) = logo.and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = logo.focus();
    }
}

/// Escape goes back one step: from a conversation's details to the
/// conversation, from a conversation to the panel, otherwise closes.
fn back_from(view: View) -> View {
    match view {
        View::GroupInfo(id) | View::Files(id) => View::Conversation(id),
        View::Conversation(_) | View::Compose => View::Panel,
        View::Oscar => View::Menu,
        _ => View::Closed,
    }
}

fn open_view(view: View) -> Option<AnyView> {
    Some(match view {
        View::Closed => return None,
        View::Menu => view! { <menu::Menu/> }.into_any(),
        View::SignIn => view! { <sign_in::SignIn/> }.into_any(),
        View::Panel => view! { <panel::Panel/> }.into_any(),
        View::Conversation(id) => view! { <conversation::ConversationView id=id/> }.into_any(),
        View::Compose => view! { <conversation::NewConversation/> }.into_any(),
        View::GroupInfo(id) => view! { <details::GroupInfo id=id/> }.into_any(),
        View::Files(id) => view! { <details::Files id=id/> }.into_any(),
        View::Oscar => view! { <oscar::OscarSettings/> }.into_any(),
        View::About => view! {
            <Dialog title=t(lang(), Msg::AboutPage) back=None>
                <AboutPage/>
            </Dialog>
        }
        .into_any(),
    })
}

/// A panel above the logo with a title bar (optional back button, close
/// button) that takes keyboard focus when it opens.
#[component]
pub fn Dialog(
    /// Title bar text.
    #[prop(into)]
    title: Signal<String>,
    /// Where the back button goes; none when `None`.
    back: Option<View>,
    /// Buttons placed before the close button.
    #[prop(optional)]
    actions: Option<AnyView>,
    /// Content.
    children: Children,
) -> impl IntoView {
    let store = store();
    let lang = lang();
    let panel_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = panel_ref.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="popover panel" role="dialog" aria-label=move || title.get() tabindex="-1" node_ref=panel_ref>
            <div class="panel-header">
                {back.map(|to| view! {
                    <button type="button" class="icon-button back" aria-label=t(lang, Msg::Back) on:click=move |_| store.view.set(to)>"‹"</button>
                })}
                <h2>{move || title.get()}</h2>
                {actions}
                <button type="button" class="icon-button" aria-label=t(lang, Msg::Close) on:click=move |_| store.view.set(View::Closed)>
                    "×"
                </button>
            </div>
            {children()}
        </div>
    }
}

/// The panel's own sentence for a service error code, where one fits every
/// case of that code (`bad_request` does not: its message says what to fix).
fn code_text(code: &str) -> Option<Msg> {
    Some(match code {
        "oscar_not_connected" => Msg::ErrOscarNotConnected,
        "oscar_unreachable" => Msg::ErrOscarUnreachable,
        "oscar_refused" => Msg::ErrOscarRefused,
        "oscar_error" | "oscar_bad_response" => Msg::ErrOscarFailed,
        "oscar_callback_rejected" => Msg::ErrOscarCallback,
        "oscar_rest_module_off" => Msg::ErrOscarRestOff,
        "not_in_oscar" => Msg::ErrNotInOscar,
        "chart_save_uncertain" => Msg::ErrChartUncertain,
        "oscar_managed" => Msg::ErrOscarManaged,
        "rate_limited" => Msg::ErrRateLimited,
        "payload_too_large" => Msg::ErrTooLarge,
        "unsupported_media_type" => Msg::ErrFileType,
        "forbidden" => Msg::ErrForbidden,
        "not_found" => Msg::ErrNotFound,
        "conflict" => Msg::ErrConflict,
        _ => return None,
    })
}

/// An error sentence for a failed request, in plain words.
pub fn error_text(lang: Lang, err: &crate::bridge::ClientError) -> String {
    use crate::bridge::ClientError;
    match err {
        ClientError::Network(_) => t(lang, Msg::ServiceUnreachable).into(),
        ClientError::Status { status: 401, .. } => t(lang, Msg::SessionExpired).into(),
        ClientError::Status { status, body } => match body {
            // The service writes its sentences in English; in French, the
            // error's code picks the panel's own sentence where it has one.
            Some(b) if lang == Lang::Fr => match code_text(&b.code) {
                Some(msg) => t(lang, msg).into(),
                None if b.message.is_empty() => t(lang, Msg::RequestRefused).into(),
                None => format!("{} ({})", t(lang, Msg::RequestRefused), b.message),
            },
            Some(b) if !b.message.is_empty() => b.message.clone(),
            _ if *status >= 500 => t(lang, Msg::ServiceError).into(),
            _ => t(lang, Msg::RequestRefused).into(),
        },
        // The details help the clinic's IT support; they never hold patient data.
        ClientError::Decode(detail) => format!("{} ({detail})", t(lang, Msg::ServiceError)),
        ClientError::Extension(detail) => format!("{} ({detail})", t(lang, Msg::ExtensionReloaded)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bridge::ClientError;
    use cortico_protocol::api::ErrorBody;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn refused(status: u16, code: &str, message: &str) -> ClientError {
        ClientError::Status { status, body: Some(ErrorBody { code: code.into(), message: message.into() }) }
    }

    #[wasm_bindgen_test]
    fn service_errors_read_in_the_panels_language() {
        let oscar = refused(409, "oscar_not_connected", "Oscar is not connected. An administrator can connect it.");
        assert_eq!(error_text(Lang::En, &oscar), "Oscar is not connected. An administrator can connect it.");
        assert!(error_text(Lang::Fr, &oscar).starts_with("Oscar n'est pas connecté"));
        // A specific rule keeps the service's words, after a French lead-in.
        let rule = refused(400, "bad_request", "That is not an email address.");
        assert_eq!(error_text(Lang::Fr, &rule), "Le service a refusé cette demande. (That is not an email address.)");
        assert_eq!(error_text(Lang::Fr, &ClientError::Network("x".into())), t(Lang::Fr, Msg::ServiceUnreachable));
        assert_eq!(error_text(Lang::Fr, &refused(401, "unauthorized", "")), t(Lang::Fr, Msg::SessionExpired));
    }

    async fn sleep(ms: i32) {
        let done = js_sys::Promise::new(&mut |resolve, _| {
            let window = web_sys::window().expect("a window");
            window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).expect("a timer");
        });
        wasm_bindgen_futures::JsFuture::from(done).await.expect("the timer fires");
    }

    /// "Saved to the chart" right after another confirmation stays its four
    /// seconds: the earlier one's timer does not hide it.
    #[wasm_bindgen_test]
    async fn a_newer_toast_is_not_hidden_by_an_earlier_ones_timer() {
        let store = Store::new();
        store.notify("Reopened".into());
        sleep(3000).await;
        store.notify("Saved to the patient's chart in Oscar".into());
        sleep(1500).await;
        assert_eq!(store.toast.get_untracked().as_deref(), Some("Saved to the patient's chart in Oscar"));
        sleep(3000).await;
        assert_eq!(store.toast.get_untracked(), None);
    }
}
