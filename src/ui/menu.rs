//! The logo's menu: who is signed in, messages, sign in or out, about this page.

use cortico_protocol::api::Role;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::SessionState;
use super::{lang, store, View};
use crate::bridge;
use crate::i18n::{t, Msg};

/// The menu above the logo.
#[component]
pub fn Menu() -> impl IntoView {
    let store = store();
    let lang = lang();
    let menu_ref = NodeRef::<leptos::html::Div>::new();
    // Keyboard users land on the first item, again when the items change
    // (after the render that follows the change, hence the timeout).
    Effect::new(move |_| {
        store.ready.track();
        store.session.track();
        set_timeout(
            move || {
                let first = menu_ref.get_untracked().and_then(|m| m.query_selector("button").ok().flatten());
                if let Some(b) = first.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = b.focus();
                }
            },
            std::time::Duration::ZERO,
        );
    });
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = bridge::simple::<serde::de::IgnoredAny>("signOut").await;
            store.view.set(View::Closed);
            store.notify(t(lang, Msg::SignedOut).into());
        });
    };
    let session = store.session;
    view! {
        <div class="popover menu" role="menu" aria-label=t(lang, Msg::MenuLabel) node_ref=menu_ref>
            {move || {
                if !store.ready.get() {
                    return view! { <p class="menu-loading">{t(lang, Msg::Loading)}</p> }.into_any();
                }
                let s = session.get();
                match s.state {
                    SessionState::SignedIn => {
                        let me = s.me.clone();
                        view! {
                            <div class="menu-who">
                                <div class="menu-who-label">{t(lang, Msg::SignedInAs)}</div>
                                <div class="menu-who-name">{me.as_ref().map(|m| m.name.clone())}</div>
                                <div class="menu-who-clinic">{me.as_ref().map(|m| m.clinic.name.clone())}</div>
                            </div>
                            <button class="menu-item" role="menuitem" data-action="messages" on:click=move |_| store.view.set(View::Panel)>
                                {t(lang, Msg::OpenMessages)}
                                {move || store.unread.get().filter(|n| *n > 0).map(|n| view! { <span class="menu-count">{n}</span> })}
                            </button>
                            {me.as_ref().is_some_and(|m| m.role == Role::Admin).then(|| view! {
                                <button class="menu-item" role="menuitem" data-action="oscar" on:click=move |_| store.view.set(View::Oscar)>{t(lang, Msg::OscarConnection)}</button>
                            })}
                            <button class="menu-item" role="menuitem" data-action="sign-out" on:click=sign_out>{t(lang, Msg::SignOut)}</button>
                        }
                        .into_any()
                    }
                    SessionState::Expired => view! {
                        <button class="menu-item" role="menuitem" data-action="sign-in" on:click=move |_| store.view.set(View::SignIn)>
                            {t(lang, Msg::SignInAgain)}
                        </button>
                    }
                    .into_any(),
                    SessionState::SignedOut => view! {
                        <button class="menu-item" role="menuitem" data-action="sign-in" on:click=move |_| store.view.set(View::SignIn)>
                            {t(lang, Msg::SignIn)}
                        </button>
                    }
                    .into_any(),
                }
            }}
            <button class="menu-item" role="menuitem" data-action="about" on:click=move |_| store.view.set(View::About)>{t(lang, Msg::AboutPage)}</button>
        </div>
    }
}
