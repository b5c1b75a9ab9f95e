//! The composer: text, attachments, and Send with its drop-down (Send,
//! Send & Allow Replies). The draft is saved as you type, so a page refresh,
//! a network failure or an expired session never loses it; a send the
//! service did not acknowledge waits in the outbox and is retried with the
//! same idempotency key.

use cortico_protocol::api::limits::{MAX_ATTACHMENT_BYTES, MAX_MESSAGE_CHARS};
use cortico_protocol::api::{AttachmentInfo, SendMessageRequest, SendMessageResponse, StartConversationRequest};
use cortico_protocol::OscarPatientRef;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{error_text, icons, lang, store, util, View};
use crate::bridge::{self, SendOutcome, Simple};
use crate::i18n::{t, Msg};

/// Where the message goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A reply in a conversation.
    Conversation(i64),
    /// The first message of a new conversation with this patient.
    New(OscarPatientRef),
}

impl Target {
    fn draft_key(&self) -> String {
        match self {
            Target::Conversation(id) => format!("c:{id}"),
            Target::New(p) => format!("p:{}", p.demographic_no),
        }
    }
}

/// A file attached to the draft (already uploaded, waiting to be sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Attached {
    id: i64,
    name: String,
    size: i64,
}

/// What the draft store keeps.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Draft {
    text: String,
    #[serde(default)]
    attachments: Vec<Attached>,
}

#[derive(Serialize)]
struct DraftKey {
    key: String,
}

#[derive(Serialize)]
struct DraftSave {
    key: String,
    draft: Draft,
}

#[derive(Serialize)]
struct UploadArgs {
    name: String,
    data: String,
}

/// The composer for `target`.
#[component]
pub fn Composer(target: Target) -> impl IntoView {
    let store = store();
    let lang = lang();
    let text = RwSignal::new(String::new());
    let attachments = RwSignal::new(Vec::<Attached>::new());
    let uploading = RwSignal::new(0_u32);
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let options_open = RwSignal::new(false);
    let key = StoredValue::new(target.draft_key());
    let target = StoredValue::new(target);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let text_ref = NodeRef::<leptos::html::Textarea>::new();
    util::sync_textarea(text_ref, text);
    // Every edit bumps this; a save fires only if no newer edit followed.
    let edits = StoredValue::new(0_u64);

    // The saved draft comes back first.
    leptos::task::spawn_local(async move {
        if let Ok(Some(draft)) =
            bridge::request::<Option<Draft>>(&Simple { kind: "draftGet", fields: DraftKey { key: key.get_value() } })
                .await
        {
            // The composer may have closed while the draft was loading.
            if text.try_get_untracked().is_some_and(|t| t.is_empty()) {
                text.try_set(draft.text);
            }
            if attachments.try_with_untracked(Vec::is_empty) == Some(true) {
                attachments.try_set(draft.attachments);
            }
        }
    });

    // Runs from timers and uploads too, possibly after the composer closed.
    let save_draft = move || {
        let (Some(text), Some(attachments), Some(key)) =
            (text.try_get_untracked(), attachments.try_get_untracked(), key.try_get_value())
        else {
            return;
        };
        let fields = DraftSave { key, draft: Draft { text, attachments } };
        leptos::task::spawn_local(async move {
            let _ = bridge::request::<serde::de::IgnoredAny>(&Simple { kind: "draftSet", fields }).await;
        });
    };
    let on_input = move |ev: web_sys::Event| {
        text.set(event_target_value(&ev));
        edits.update_value(|n| *n += 1);
        let mine = edits.get_value();
        set_timeout(
            move || {
                if edits.try_get_value() == Some(mine) {
                    save_draft();
                }
            },
            std::time::Duration::from_millis(300),
        );
    };

    let pick_files = move |_| {
        if let Some(input) = file_input.get() {
            input.click();
        }
    };
    let on_files = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(list) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        for file in files {
            upload(file, attachments, uploading, error, lang, save_draft);
        }
    };

    let send = move |allow_replies: bool| {
        options_open.set(false);
        if sending.get_untracked() || uploading.get_untracked() > 0 {
            return;
        }
        let body = text.get_untracked();
        let files: Vec<i64> = attachments.with_untracked(|a| a.iter().map(|f| f.id).collect());
        if body.trim().is_empty() && files.is_empty() {
            error.set(Some(t(lang, Msg::EmptyMessage).into()));
            return;
        }
        if body.chars().count() > MAX_MESSAGE_CHARS {
            error.set(Some(t(lang, Msg::MessageTooLong).into()));
            return;
        }
        let message =
            SendMessageRequest { body, attachment_ids: files, allow_replies, idempotency_key: util::new_key() };
        sending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match target.get_value() {
                Target::Conversation(id) => {
                    bridge::send::<_, SendMessageResponse>(&format!("/api/conversations/{id}/messages"), &message).await
                }
                Target::New(patient) => {
                    bridge::send::<_, SendMessageResponse>(
                        "/api/conversations",
                        &StartConversationRequest { patient, message },
                    )
                    .await
                }
            };
            if sending.try_set(false).is_some() {
                // The composer closed meanwhile; the outbox shows the result.
                return;
            }
            match outcome {
                Ok(SendOutcome::Sent(sent)) => {
                    clear(text, attachments, save_draft);
                    store.updates.update(|n| *n += 1);
                    if matches!(target.get_value(), Target::New(_)) {
                        store.view.set(View::Conversation(sent.conversation.id));
                    }
                }
                Ok(SendOutcome::Queued(_)) => {
                    // The outbox holds it now and shows it as waiting.
                    clear(text, attachments, save_draft);
                    error.set(Some(t(lang, Msg::QueuedNotice).into()));
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
        });
    };

    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            send(false);
        }
    };

    view! {
        <div class="composer">
            <textarea
                class="composer-text"
                rows="3"
                maxlength=MAX_MESSAGE_CHARS.to_string()
                aria-label=t(lang, Msg::WriteMessage)
                placeholder=t(lang, Msg::WriteMessage)
                node_ref=text_ref
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <ul class="attached">
                {move || attachments.get().into_iter().map(|a| {
                    let id = a.id;
                    view! {
                        <li class="chip">
                            <span class="chip-name">{a.name.clone()}</span>
                            <span class="file-size">{util::file_size(a.size)}</span>
                            <button type="button" class="icon-button" aria-label=format!("{} {}", t(lang, Msg::Remove), a.name)
                                on:click=move |_| { attachments.update(|v| v.retain(|f| f.id != id)); save_draft(); }>"×"</button>
                        </li>
                    }
                }).collect_view()}
                {move || (uploading.get() > 0).then(|| view! { <li class="chip uploading">{t(lang, Msg::Uploading)}</li> })}
            </ul>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="composer-bar">
                <input type="file" multiple class="hidden-file" node_ref=file_input on:change=on_files tabindex="-1" aria-hidden="true"/>
                <button type="button" class="icon-button attach" aria-label=t(lang, Msg::AttachFiles) title=t(lang, Msg::AttachFiles)
                    inner_html=icons::CLIP on:click=pick_files></button>
                <div class="send-group">
                    <button type="button" class="primary send" disabled=move || { sending.get() || uploading.get() > 0 } on:click=move |_| send(false)>
                        {move || if sending.get() { t(lang, Msg::Sending) } else { t(lang, Msg::Send) }}
                    </button>
                    <button type="button" class="primary send-options" aria-haspopup="menu" aria-expanded=move || options_open.get().to_string()
                        aria-label=t(lang, Msg::SendOptions) inner_html=icons::CARET on:click=move |_| options_open.update(|o| *o = !*o)></button>
                    <Show when=move || options_open.get()>
                        <div class="dropdown send-menu" role="menu">
                            <button class="menu-item" role="menuitem" data-send="plain" on:click=move |_| send(false)>{t(lang, Msg::Send)}</button>
                            <button class="menu-item" role="menuitem" data-send="allow-replies" on:click=move |_| send(true)>{t(lang, Msg::SendAllowReplies)}</button>
                        </div>
                    </Show>
                </div>
            </div>
        </div>
    }
}

fn clear(text: RwSignal<String>, attachments: RwSignal<Vec<Attached>>, save_draft: impl Fn()) {
    text.set(String::new());
    attachments.set(Vec::new());
    save_draft();
}

/// Reads a picked file and uploads it through the background.
fn upload(
    file: web_sys::File,
    attachments: RwSignal<Vec<Attached>>,
    uploading: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    lang: crate::i18n::Lang,
    save_draft: impl Fn() + 'static,
) {
    let name = file.name();
    let size = file.size() as i64;
    if size as usize > MAX_ATTACHMENT_BYTES {
        error.set(Some(format!("{name}: {}", t(lang, Msg::FileTooLarge))));
        return;
    }
    uploading.update(|n| *n += 1);
    leptos::task::spawn_local(async move {
        let result = async {
            let buffer =
                JsFuture::from(file.array_buffer()).await.map_err(|_| t(lang, Msg::FileUnreadable).to_owned())?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let data = util::to_base64(&bytes).ok_or_else(|| t(lang, Msg::FileUnreadable).to_owned())?;
            let fields = UploadArgs { name: name.clone(), data };
            bridge::request::<AttachmentInfo>(&Simple { kind: "upload", fields })
                .await
                .map_err(|e| error_text(lang, &e))
        }
        .await;
        // The composer may have closed during the upload.
        if uploading.try_update(|n| *n -= 1).is_none() {
            return;
        }
        match result {
            Ok(info) => {
                attachments.try_update(|v| v.push(Attached { id: info.id, name: info.file_name, size: info.size }));
                save_draft();
            }
            Err(message) => {
                error.try_set(Some(format!("{name}: {message}")));
            }
        }
    });
}
