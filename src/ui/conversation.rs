//! One conversation: its messages with read status, the three-dots
//! actions, and the reply composer. Also the new-conversation view.

use cortico_protocol::api::{
    AttachmentInfo, AuthorKind, ChartNoteSaved, ConversationDetail, ConversationState, MarkReadRequest, MessageView,
    ReadStatus,
};
use leptos::prelude::*;
use serde::Deserialize;

use super::composer::{Composer, Target};
use super::panel::OfflineNotice;
use super::{error_text, icons, lang, store, util, Dialog, PageInfo, View};
use crate::bridge::{self, ClientError, Simple};
use crate::i18n::{t, Lang, Msg};

/// A conversation, reloaded when the service reports it changed; opening it
/// marks it read for this user.
#[component]
pub fn ConversationView(
    /// Conversation id.
    id: i64,
) -> impl IntoView {
    let store = store();
    let lang = lang();
    let detail = RwSignal::new(None::<ConversationDetail>);
    let error = RwSignal::new(None::<ClientError>);
    let marked_up_to = StoredValue::new(0_i64);

    // Read means seen: only mark it read while the tab is in front and
    // focused, and again when staff come back to it.
    let last_shown = StoredValue::new(0_i64);
    let mark_if_seen = move || {
        let (Some(last), Some(marked)) = (last_shown.try_get_value(), marked_up_to.try_get_value()) else { return };
        if last <= marked || !page_is_seen() {
            return;
        }
        marked_up_to.try_set_value(last);
        leptos::task::spawn_local(async move {
            let read = MarkReadRequest { up_to_message_id: last };
            let _ = bridge::post_empty(&format!("/api/conversations/{id}/read"), Some(&read)).await;
        });
    };
    let _focus = window_event_listener(leptos::ev::focus, move |_| mark_if_seen());
    let load = move || {
        leptos::task::spawn_local(async move {
            match bridge::get::<ConversationDetail>(&format!("/api/conversations/{id}")).await {
                Ok(d) => {
                    let last = d.messages.last().map_or(0, |m| m.id);
                    // The view may have closed while this was loading.
                    if detail.try_set(Some(d)).is_some() {
                        return;
                    }
                    error.try_set(None);
                    last_shown.try_set_value(last);
                    mark_if_seen();
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    load();
    // Reload when this conversation changes (a reply, a read receipt, a colleague's action).
    Effect::new(move |first: Option<()>| {
        store.updates.track();
        if first.is_some() && store.changed.with_untracked(|c| c.is_empty() || c.contains(&id)) {
            load();
        }
    });

    let title = Signal::derive(move || {
        detail.with(|d| {
            d.as_ref()
                .map(|d| format!("{}, {}", d.summary.patient.last_name, d.summary.patient.first_name))
                .unwrap_or_default()
        })
    });
    let closed = Signal::derive(move || {
        detail.with(|d| d.as_ref().is_some_and(|d| d.summary.state == ConversationState::Closed))
    });
    let replies_off = Signal::derive(move || {
        detail.with(|d| {
            d.as_ref().is_some_and(|d| d.summary.state == ConversationState::Open && !d.summary.replies_allowed)
        })
    });
    let pending = move || {
        store.outbox.with(|o| o.iter().filter(|i| i.conversation_id() == Some(id)).cloned().collect::<Vec<_>>())
    };

    view! {
        <Dialog title=title back=Some(View::Panel) actions=view! { <Actions id=id closed=closed/> }.into_any()>
            <OfflineNotice/>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{error_text(lang, &e)}</p> })}
            <div class="messages" aria-live="polite">
                {move || detail.get().map(|d| d.messages.into_iter().map(|m| view! { <Message message=m/> }).collect_view())}
                {move || pending().into_iter().map(|item| view! {
                    <div class="message staff pending" data-pending-key=item.key.clone()>
                        <div class="message-body">{item.text()}</div>
                        <div class="message-status">{t(lang, Msg::WaitingToSend)}{item.last_error.map(|e| format!(" ({e})"))}</div>
                    </div>
                }).collect_view()}
            </div>
            <Show when=move || closed.get()>
                <p class="notice closed-notice">{t(lang, Msg::ClosedConversation)}</p>
            </Show>
            <Show when=move || replies_off.get()>
                <p class="notice">{t(lang, Msg::RepliesOff)}</p>
            </Show>
            <Composer target=Target::Conversation(id)/>
        </Dialog>
    }
}

/// True when the page is in front and focused: what is on screen is seen.
fn page_is_seen() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible && d.has_focus().unwrap_or(false))
}

/// One message: author, time, text, files, and for staff messages the read status.
#[component]
fn Message(message: MessageView) -> impl IntoView {
    let lang = lang();
    let staff = message.author_kind == AuthorKind::Staff;
    let status = message.read_status.map(|s| match s {
        ReadStatus::Sent => view! {
            <div class="message-status sent"><span class="checks" inner_html=icons::CHECKS></span>{t(lang, Msg::Sent)}</div>
        }
        .into_any(),
        ReadStatus::Read { by, .. } => view! {
            <div class="message-status read"><span class="checks" inner_html=icons::CHECKS></span>{format!("{} {by}", t(lang, Msg::ReadBy))}</div>
        }
        .into_any(),
    });
    view! {
        <div class="message" class:staff=staff class:patient=!staff data-message-id=message.id>
            <div class="message-meta">
                <span class="message-author">{message.author_name}</span>
                <span class="message-time">{util::long_time(message.created_at, lang)}</span>
            </div>
            {(!message.body.is_empty()).then(|| view! { <div class="message-body">{message.body}</div> })}
            {(!message.attachments.is_empty()).then(|| view! {
                <ul class="files">{message.attachments.into_iter().map(|a| view! { <FileLink file=a/> }).collect_view()}</ul>
            })}
            {status}
        </div>
    }
}

/// What the background returns for a download.
#[derive(Deserialize)]
struct Downloaded {
    data: String,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
}

#[derive(serde::Serialize)]
struct DownloadArgs {
    id: i64,
}

/// A file that downloads when clicked.
#[component]
pub fn FileLink(
    /// The file.
    file: AttachmentInfo,
) -> impl IntoView {
    let lang = lang();
    let error = RwSignal::new(None::<String>);
    let name = file.file_name.clone();
    let download = move |_| {
        let name = name.clone();
        let id = file.id;
        leptos::task::spawn_local(async move {
            let got: Result<Downloaded, ClientError> =
                bridge::request(&Simple { kind: "download", fields: DownloadArgs { id } }).await;
            match got {
                Ok(d) => {
                    let kind = d.media_type.unwrap_or_else(|| "application/octet-stream".into());
                    if util::save_file(&name, &d.data, &kind).is_err() {
                        error.try_set(Some(t(lang, Msg::DownloadFailed).into()));
                    }
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    view! {
        <li class="file">
            <span class="file-icon" inner_html=icons::CLIP></span>
            <button type="button" class="link file-name" on:click=download>{file.file_name.clone()}</button>
            <span class="file-size">{util::file_size(file.size)}</span>
            {move || error.get().map(|e| view! { <span class="error">{e}</span> })}
        </li>
    }
}

/// The three-dots menu of a conversation.
#[component]
fn Actions(id: i64, closed: Signal<bool>) -> impl IntoView {
    let store = store();
    let lang = lang();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let act = move |path: &'static str, after: View| {
        open.set(false);
        leptos::task::spawn_local(async move {
            match bridge::post_empty::<()>(&format!("/api/conversations/{id}/{path}"), None).await {
                Ok(()) => {
                    store.updates.update(|n| *n += 1);
                    store.view.set(after);
                }
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    let busy = RwSignal::new(false);
    let save_to_chart = move |_| {
        open.set(false);
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let saved = bridge::post::<(), ChartNoteSaved>(&format!("/api/conversations/{id}/chart"), None).await;
            busy.try_set(false);
            match saved {
                Ok(_) => store.notify(t(lang, Msg::SavedToChart).into()),
                Err(e) => {
                    error.try_set(Some(error_text(lang, &e)));
                }
            }
        });
    };
    view! {
        <div class="actions">
            <button type="button" class="icon-button" aria-haspopup="menu" aria-expanded=move || open.get().to_string()
                aria-label=t(lang, Msg::MoreActions) inner_html=icons::DOTS on:click=move |_| open.update(|o| *o = !*o)></button>
            <Show when=move || open.get()>
                <div class="dropdown" role="menu">
                    <button class="menu-item" role="menuitem" data-action="unread" on:click=move |_| act("unread", View::Panel)>{t(lang, Msg::MarkUnread)}</button>
                    {move || if closed.get() {
                        view! { <button class="menu-item" role="menuitem" data-action="reopen" on:click=move |_| act("reopen", View::Conversation(id))>{t(lang, Msg::Reopen)}</button> }.into_any()
                    } else {
                        view! { <button class="menu-item" role="menuitem" data-action="close" on:click=move |_| act("close", View::Conversation(id))>{t(lang, Msg::CloseConversation)}</button> }.into_any()
                    }}
                    <button class="menu-item" role="menuitem" data-action="members" on:click=move |_| store.view.set(View::GroupInfo(id))>{t(lang, Msg::GroupInfo)}</button>
                    <button class="menu-item" role="menuitem" data-action="files" on:click=move |_| store.view.set(View::Files(id))>{t(lang, Msg::ViewFiles)}</button>
                    <button class="menu-item" role="menuitem" data-action="chart" on:click=save_to_chart>{t(lang, Msg::SaveToChart)}</button>
                </div>
            </Show>
            <Show when=move || busy.get()>
                <span class="notice" role="status">{t(lang, Msg::SavingToChart)}</span>
            </Show>
            {move || error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </div>
    }
}

/// A new conversation with the e-chart's patient.
#[component]
pub fn NewConversation() -> impl IntoView {
    let lang = lang();
    let info = expect_context::<PageInfo>();
    let Some(patient) = info.echart_patient() else {
        return view! { <Dialog title=t(lang, Msg::NewMessage).to_string() back=Some(View::Panel)><p class="error">{t(lang, Msg::NoPatient)}</p></Dialog> }.into_any();
    };
    let title = new_title(lang, &patient.name.display());
    view! {
        <Dialog title=title back=Some(View::Panel)>
            <OfflineNotice/>
            <p class="notice">{t(lang, Msg::NewConversationHint)}</p>
            <Composer target=Target::New(patient)/>
        </Dialog>
    }
    .into_any()
}

fn new_title(lang: Lang, name: &str) -> String {
    format!("{} {name}", t(lang, Msg::MessageTo))
}
