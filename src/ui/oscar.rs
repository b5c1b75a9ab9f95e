//! "Oscar connection", for clinic administrators: register the service as a
//! REST client in Oscar, enter its key and secret, authorise in Oscar, and
//! see "Connected as <provider>".

use cortico_protocol::api::{OscarAuthorize, OscarConnectRequest, OscarConnection, OscarConnectionState};
use leptos::prelude::*;

use super::origins::OriginSettings;
use super::{error_text, lang, util, Dialog, View};
use crate::bridge::{self, ClientError};
use crate::i18n::{t, Msg};

const PATH: &str = "/api/oscar/connection";

/// The Oscar address of the page the plug-in runs on: its origin and
/// context path (`https://emr.clinic.ca/oscar`), a good first guess.
fn page_base_url(page_url: &str) -> String {
    let Ok(url) = web_sys::Url::new(page_url) else { return String::new() };
    let (origin, path) = (url.origin(), url.pathname());
    let context = ["/provider/", "/casemgmt/", "/oscarEncounter/", "/CaseManagementEntry.do"]
        .iter()
        .filter_map(|m| path.find(m))
        .min()
        .map_or("", |i| &path[..i]);
    format!("{origin}{context}")
}

/// The connection settings and state.
#[component]
pub fn OscarSettings() -> impl IntoView {
    let lang = lang();
    let status = RwSignal::new(None::<OscarConnection>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let authorize_url = RwSignal::new(None::<String>);
    let page_url = use_context::<super::PageInfo>().map(|i| i.url).unwrap_or_default();
    let base_url = RwSignal::new(page_base_url(&page_url));
    let key = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let (base_ref, key_ref, secret_ref) = (NodeRef::new(), NodeRef::new(), NodeRef::new());
    util::sync_input(base_ref, base_url);
    util::sync_input(key_ref, key);
    util::sync_input(secret_ref, secret);

    let load = move || {
        leptos::task::spawn_local(async move {
            match bridge::get::<OscarConnection>(PATH).await {
                Ok(s) => {
                    if let Some(b) = s.base_url.clone() {
                        base_url.try_set(b);
                    }
                    if let Some(k) = s.client_key.clone() {
                        if key.try_get_untracked().is_some_and(|k| k.is_empty()) {
                            key.try_set(k);
                        }
                    }
                    status.try_set(Some(s));
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    load();
    // While an admin authorises in Oscar's tab, check every few seconds.
    let poll = set_interval_with_handle(
        move || {
            if status.try_with_untracked(|s| s.as_ref().is_some_and(|s| s.state == OscarConnectionState::Authorizing))
                == Some(true)
            {
                load();
            }
        },
        std::time::Duration::from_secs(3),
    );
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });

    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = OscarConnectRequest {
            base_url: base_url.get_untracked().trim().to_owned(),
            client_key: key.get_untracked().trim().to_owned(),
            client_secret: Some(secret.get_untracked()).filter(|s| !s.trim().is_empty()),
            signature_method: None,
        };
        if req.base_url.is_empty() || req.client_key.is_empty() {
            error.set(Some(t(lang, Msg::FillAllFields).into()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result: Result<OscarAuthorize, ClientError> = bridge::put(PATH, &req).await;
            busy.try_set(false);
            match result {
                Ok(a) => {
                    secret.try_set(String::new());
                    // A link the admin follows (a new tab opened from here would
                    // take the focus away from Oscar's page and close the panel).
                    authorize_url.try_set(Some(a.authorize_url));
                    load();
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    let disconnect = move |_| {
        leptos::task::spawn_local(async move {
            match bridge::delete(PATH).await {
                Ok(()) => {
                    authorize_url.try_set(None);
                    load();
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };

    let state_line = move || {
        status.get().map(|s| match s.state {
            OscarConnectionState::Connected => view! {
                <p class="notice oscar-state connected" role="status">
                    {t(lang, Msg::OscarConnectedAs)}" "<strong>{s.provider_name.clone().unwrap_or_default()}</strong>
                </p>
                <button type="button" class="link" data-action="disconnect" on:click=disconnect>{t(lang, Msg::Disconnect)}</button>
            }
            .into_any(),
            OscarConnectionState::Authorizing => view! {
                <p class="notice oscar-state authorizing" role="status">{t(lang, Msg::OscarAuthorizing)}</p>
                {move || authorize_url.get().map(|u| view! {
                    <p><a href=u target="_blank" rel="noopener" class="authorize-link">{t(lang, Msg::OpenAuthorizePage)}</a></p>
                })}
            }
            .into_any(),
            OscarConnectionState::Broken => view! {
                <p class="error oscar-state broken" role="alert">
                    {t(lang, Msg::OscarBroken)}" "{s.problem.clone().unwrap_or_default()}
                </p>
            }
            .into_any(),
            OscarConnectionState::NotConnected => {
                view! { <p class="notice oscar-state none" role="status">{t(lang, Msg::OscarNotConnected)}</p> }.into_any()
            }
        })
    };
    let has_saved = move || status.with(|s| s.as_ref().is_some_and(|s| s.client_key.is_some()));

    view! {
        <Dialog title=t(lang, Msg::OscarConnection).to_string() back=Some(View::Menu)>
            {state_line}
            <form class="form oscar-connect" on:submit=submit novalidate>
                <p class="hint">{t(lang, Msg::RegisterUri)}</p>
                <p><code class="callback-uri">{move || status.get().map(|s| s.callback_uri)}</code></p>
                <label>
                    <span>{t(lang, Msg::OscarAddress)}</span>
                    <input type="url" name="base_url" spellcheck="false" required
                        node_ref=base_ref on:input=move |ev| base_url.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{t(lang, Msg::ClientKey)}</span>
                    <input type="text" name="client_key" autocomplete="off" spellcheck="false" required
                        node_ref=key_ref on:input=move |ev| key.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{t(lang, Msg::ClientSecret)}</span>
                    <input type="password" name="client_secret" autocomplete="off"
                        node_ref=secret_ref on:input=move |ev| secret.set(event_target_value(&ev))/>
                    <Show when=has_saved><small class="hint">{t(lang, Msg::KeepSavedSecret)}</small></Show>
                </label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { t(lang, Msg::Connecting) } else { t(lang, Msg::ConnectOscar) }}
                </button>
            </form>
            <OriginSettings connection=status/>
        </Dialog>
    }
}
