//! "View group info" and "View files" of a conversation.

use cortico_protocol::api::{AttachmentInfo, AuthorKind, Member, Role};
use leptos::prelude::*;

use super::conversation::FileLink;
use super::{error_text, lang, util, Dialog, View};
use crate::bridge::{self, ClientError};
use crate::i18n::{t, Lang, Msg};

/// Loads `path` once into a signal.
fn load<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
    path: String,
) -> (RwSignal<Option<T>>, RwSignal<Option<ClientError>>) {
    let data = RwSignal::new(None);
    let error = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        // The view may have closed while this was loading.
        match bridge::get::<T>(&path).await {
            Ok(d) => {
                data.try_set(Some(d));
            }
            Err(e) => {
                error.try_set(Some(e));
            }
        }
    });
    (data, error)
}

fn role_text(lang: Lang, member: &Member) -> &'static str {
    match (member.kind, member.role) {
        (AuthorKind::Patient, _) => t(lang, Msg::RolePatient),
        (_, Some(Role::Doctor)) => t(lang, Msg::RoleDoctor),
        (_, Some(Role::Admin)) => t(lang, Msg::RoleAdmin),
        _ => t(lang, Msg::RoleMoa),
    }
}

/// The members of a conversation.
#[component]
pub fn GroupInfo(
    /// Conversation id.
    id: i64,
) -> impl IntoView {
    let lang = lang();
    let (members, error) = load::<Vec<Member>>(format!("/api/conversations/{id}/members"));
    view! {
        <Dialog title=t(lang, Msg::GroupInfo).to_string() back=Some(View::Conversation(id))>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{error_text(lang, &e)}</p> })}
            {move || members.get().map(|m| view! {
                <p class="count">{format!("{} {}", m.len(), t(lang, Msg::Members))}</p>
                <ul class="members">
                    {m.into_iter().map(|member| view! {
                        <li class="member"><span class="member-name">{member.name.clone()}</span><span class="member-role">{role_text(lang, &member)}</span></li>
                    }).collect_view()}
                </ul>
            })}
        </Dialog>
    }
}

/// Every file of a conversation, downloadable.
#[component]
pub fn Files(
    /// Conversation id.
    id: i64,
) -> impl IntoView {
    let lang = lang();
    let (files, error) = load::<Vec<AttachmentInfo>>(format!("/api/conversations/{id}/files"));
    view! {
        <Dialog title=t(lang, Msg::ViewFiles).to_string() back=Some(View::Conversation(id))>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{error_text(lang, &e)}</p> })}
            {move || files.get().map(|f| if f.is_empty() {
                view! { <p class="empty">{t(lang, Msg::NoFiles)}</p> }.into_any()
            } else {
                view! {
                    <ul class="files all-files">
                        {f.into_iter().map(|file| {
                            let who = if file.uploaded_by == AuthorKind::Patient { t(lang, Msg::RolePatient) } else { t(lang, Msg::Clinic) };
                            let when = util::short_time(file.created_at, lang);
                            view! { <FileLink file=file/><li class="file-meta">{format!("{who} · {when}")}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </Dialog>
    }
}
