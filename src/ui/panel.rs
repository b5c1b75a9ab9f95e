//! The envelope panel: Triage, My Conversations and (on an e-chart) All
//! Conversations of the patient, each a list of conversations.

use cortico_protocol::api::{ConversationPage, ConversationState, ConversationSummary, PatientDetails, Tab};
use leptos::prelude::*;

use super::{error_text, lang, store, util, Dialog, PageInfo, View};
use crate::bridge::{self, ClientError};
use crate::i18n::{t, Msg};

/// The API path of a tab's list.
fn list_path(tab: Tab, demographic_no: Option<u32>, cursor: Option<&str>) -> String {
    let base = match (tab, demographic_no) {
        (Tab::Triage, _) => "/api/conversations/triage".to_owned(),
        (Tab::Patient, Some(n)) => format!("/api/patients/{n}/conversations"),
        _ => "/api/conversations/mine".to_owned(),
    };
    match cursor {
        Some(c) => format!("{base}?limit=100&cursor={c}"),
        None => format!("{base}?limit=100"),
    }
}

/// On an e-chart: when the patient is locked out of the portal (six failed
/// identity checks), says so and lets staff unlock them.
#[component]
fn PortalLock(demographic_no: u32) -> impl IntoView {
    let store = store();
    let lang = lang();
    let locked = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        // Unknown to the service yet (404): nothing to unlock.
        if let Ok(p) = bridge::get::<PatientDetails>(&format!("/api/patients/{demographic_no}")).await {
            locked.try_set(p.locked);
        }
    });
    let unlock = move |_| {
        leptos::task::spawn_local(async move {
            match bridge::post_empty::<()>(&format!("/api/patients/{demographic_no}/unlock"), None).await {
                Ok(()) => {
                    locked.try_set(false);
                    store.notify(t(lang, Msg::PatientUnlocked).into());
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    view! {
        <Show when=move || locked.get()>
            <p class="notice portal-locked" role="status">
                {t(lang, Msg::PatientLocked)}" "
                <button type="button" class="link" data-action="unlock" on:click=unlock>{t(lang, Msg::UnlockPatient)}</button>
            </p>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// The panel.
#[component]
pub fn Panel() -> impl IntoView {
    let store = store();
    let lang = lang();
    let info = expect_context::<PageInfo>();
    let patient = info.echart_patient();
    let demographic_no = patient.as_ref().map(|p| p.demographic_no);
    if demographic_no.is_none() && store.tab.get_untracked() == Tab::Patient {
        store.tab.set(Tab::Mine);
    }

    let page = RwSignal::new(store.cached(store.tab.get_untracked()));
    let error = RwSignal::new(None::<ClientError>);
    let loading = RwSignal::new(false);

    // Reload the open tab when it changes and whenever the service reports a change.
    Effect::new(move |_| {
        let tab = store.tab.get();
        store.updates.track();
        if let Some(cached) = store.cached(tab) {
            page.set(Some(cached));
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = bridge::get::<ConversationPage>(&list_path(tab, demographic_no, None)).await;
            if store.tab.get_untracked() != tab {
                return;
            }
            // The panel may have closed while this was loading.
            loading.try_set(false);
            match result {
                Ok(p) => {
                    store.cache(tab, p.clone());
                    page.try_set(Some(p));
                    error.try_set(None);
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    });

    let load_more = move |_| {
        let Some(cursor) = page.with_untracked(|p| p.as_ref().and_then(|p| p.next_cursor.clone())) else {
            return;
        };
        let tab = store.tab.get_untracked();
        leptos::task::spawn_local(async move {
            match bridge::get::<ConversationPage>(&list_path(tab, demographic_no, Some(&cursor))).await {
                Ok(more) => {
                    page.try_update(|p| {
                        if let Some(p) = p {
                            p.items.extend(more.items);
                            p.next_cursor = more.next_cursor;
                        }
                    });
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };

    let tab_button = move |tab: Tab, label: Msg| {
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                aria-selected=move || (store.tab.get() == tab).to_string()
                data-tab=format!("{tab:?}").to_lowercase()
                on:click=move |_| store.tab.set(tab)
            >
                {t(lang, label)}
                {move || (tab == Tab::Triage).then(|| store.unread.get().filter(|n| *n > 0).map(|n| view! { <span class="tab-count">{n}</span> }))}
            </button>
        }
    };

    let new_message = patient.is_some().then(|| {
        view! {
            <button type="button" class="primary small new-message" on:click=move |_| store.view.set(View::Compose)>
                {t(lang, Msg::NewMessage)}
            </button>
        }
        .into_any()
    });

    view! {
        <Dialog title=t(lang, Msg::Messages).to_string() back=None actions=new_message.unwrap_or_else(|| ().into_any())>
            <div class="tabs" role="tablist">
                {tab_button(Tab::Triage, Msg::Triage)}
                {tab_button(Tab::Mine, Msg::MyConversations)}
                {demographic_no.map(|_| tab_button(Tab::Patient, Msg::AllConversations))}
            </div>
            <OfflineNotice/>
            {demographic_no.map(|n| view! { <PortalLock demographic_no=n/> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{error_text(lang, &e)}</p> })}
            <div class="list" role="tabpanel" aria-busy=move || loading.get().to_string()>
                {move || match page.get() {
                    None => view! { <p class="empty">{t(lang, Msg::Loading)}</p> }.into_any(),
                    Some(p) if p.items.is_empty() => view! { <p class="empty">{t(lang, empty_text(store.tab.get_untracked()))}</p> }.into_any(),
                    Some(p) => {
                        let more = p.next_cursor.is_some();
                        view! {
                            <ul class="rows">
                                {p.items.into_iter().map(|c| view! { <Row conversation=c/> }).collect_view()}
                            </ul>
                            {more.then(|| view! { <button type="button" class="link load-more" on:click=load_more>{t(lang, Msg::LoadMore)}</button> })}
                        }
                        .into_any()
                    }
                }}
            </div>
        </Dialog>
    }
}

fn empty_text(tab: Tab) -> Msg {
    match tab {
        Tab::Triage => Msg::EmptyTriage,
        Tab::Mine => Msg::EmptyMine,
        Tab::Patient => Msg::EmptyPatient,
    }
}

/// One conversation in a list.
#[component]
fn Row(conversation: ConversationSummary) -> impl IntoView {
    let store = store();
    let lang = lang();
    let id = conversation.id;
    let name = format!("{}, {}", conversation.patient.last_name, conversation.patient.first_name);
    let closed = conversation.state == ConversationState::Closed;
    let label = format!(
        "{name}{}{}",
        if conversation.unread { format!(" ({})", t(lang, Msg::Unread)) } else { String::new() },
        if closed { format!(" ({})", t(lang, Msg::Closed)) } else { String::new() }
    );
    view! {
        <li class="row" class:unread=conversation.unread class:closed=closed data-conversation-id=id>
            <button type="button" class="row-button" aria-label=label on:click=move |_| store.view.set(View::Conversation(id))>
                <span class="row-top">
                    {conversation.unread.then(|| view! { <span class="unread-dot" aria-hidden="true"></span> })}
                    <span class="row-name">{name}</span>
                    {closed.then(|| view! { <span class="closed-tag">{t(lang, Msg::Closed)}</span> })}
                    <span class="row-time">{util::short_time(conversation.last_message_at, lang)}</span>
                </span>
                <span class="row-preview">{conversation.preview}</span>
            </button>
        </li>
    }
}

/// Shown while the live connection to the service is down.
#[component]
pub fn OfflineNotice() -> impl IntoView {
    let store = store();
    let lang = lang();
    let pending = move || store.outbox.with(|o| o.len());
    view! {
        <Show when=move || { store.online.get() == Some(false) || pending() > 0 }>
            <p class="notice offline" role="status">
                {move || if store.online.get() == Some(false) { t(lang, Msg::Offline).to_owned() } else { String::new() }}
                {move || (pending() > 0).then(|| format!(" {} {}", pending(), t(lang, Msg::WaitingToSend)))}
            </p>
        </Show>
    }
}
