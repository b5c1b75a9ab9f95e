//! Sign-in: clinic name, email, password.

use cortico_protocol::api::SignInRequest;
use leptos::prelude::*;
use serde::Serialize;

use super::state::Session;
use super::{error_text, lang, store, util, Dialog, View};
use crate::bridge::{self, ClientError, Simple};
use crate::i18n::{t, Msg};

#[derive(Serialize)]
struct Credentials {
    clinic: String,
    email: String,
    password: String,
}

/// The sign-in form. The clinic and email are pre-filled after an expired session.
#[component]
pub fn SignIn() -> impl IntoView {
    let store = store();
    let lang = lang();
    let previous = store.session.get_untracked().me;
    let clinic = RwSignal::new(previous.as_ref().map(|m| m.clinic.slug.clone()).unwrap_or_default());
    let email = RwSignal::new(previous.as_ref().map(|m| m.email.clone()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let (clinic_ref, email_ref, password_ref) = (NodeRef::new(), NodeRef::new(), NodeRef::new());
    util::sync_input(clinic_ref, clinic);
    util::sync_input(email_ref, email);
    util::sync_input(password_ref, password);
    let reason = store.sign_in_reason;

    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let req = SignInRequest {
            clinic: clinic.get_untracked().trim().to_lowercase(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        if req.clinic.is_empty() || req.email.is_empty() || req.password.is_empty() {
            error.set(Some(t(lang, Msg::FillAllFields).into()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let fields = Credentials { clinic: req.clinic, email: req.email, password: req.password };
            let result: Result<Session, ClientError> = bridge::request(&Simple { kind: "signIn", fields }).await;
            busy.try_set(false);
            match result {
                Ok(session) => {
                    password.try_set(String::new());
                    reason.set(None);
                    let name = session.me.as_ref().map(|m| m.name.clone()).unwrap_or_default();
                    store.view.set(View::Closed);
                    store.notify(format!("{} {name}", t(lang, Msg::SignedInConfirmation)));
                }
                Err(ClientError::Status { status: 401, .. }) => {
                    error.try_set(Some(t(lang, Msg::WrongCredentials).into()));
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };

    view! {
        <Dialog title=t(lang, Msg::SignIn).to_string() back=None>
            <form class="form" on:submit=submit novalidate>
                {move || reason.get().map(|r| view! { <p class="notice" role="status">{r}</p> })}
                <label>
                    <span>{t(lang, Msg::ClinicName)}</span>
                    <input type="text" name="clinic" autocomplete="organization" autocapitalize="none" spellcheck="false" required
                        node_ref=clinic_ref on:input=move |ev| clinic.set(event_target_value(&ev))/>
                    <small class="hint">{t(lang, Msg::ClinicNameHint)}</small>
                </label>
                <label>
                    <span>{t(lang, Msg::Email)}</span>
                    <input type="email" name="email" autocomplete="username" required
                        node_ref=email_ref on:input=move |ev| email.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{t(lang, Msg::Password)}</span>
                    <input type="password" name="password" autocomplete="current-password" required
                        node_ref=password_ref on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { t(lang, Msg::SigningIn) } else { t(lang, Msg::SignIn) }}
                </button>
            </form>
        </Dialog>
    }
}
