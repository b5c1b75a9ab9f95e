//! "Where Cortico runs", for clinic administrators, under the Oscar
//! connection: the Oscar origins every staff member's plug-in is active on
//! (the connection's, and ones added here), to add and remove.

use cortico_protocol::api::OscarConnection;
use cortico_protocol::origins::{OriginRequest, OriginSource, OscarOrigins};
use leptos::prelude::*;

use super::{error_text, lang, util};
use crate::bridge;
use crate::i18n::{t, Msg};

const PATH: &str = "/api/clinic/origins";

/// The list and the form to add one; read again whenever `connection`
/// changes (connecting Oscar adds its origin).
#[component]
pub fn OriginSettings(connection: RwSignal<Option<OscarConnection>>) -> impl IntoView {
    let lang = lang();
    let origins = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<String>);
    let input = RwSignal::new(String::new());
    let input_ref = NodeRef::new();
    util::sync_input(input_ref, input);

    let show = move |result: Result<OscarOrigins, bridge::ClientError>| match result {
        Ok(list) => {
            error.try_set(None);
            origins.try_set(list.origins);
        }
        Err(e) => {
            error.try_set(Some(error_text(lang, &e)));
        }
    };
    Effect::new(move |_| {
        connection.with(|c| c.as_ref().map(|c| (c.state, c.base_url.clone())));
        leptos::task::spawn_local(async move { show(bridge::get(PATH).await) });
    });

    let add = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let req = OriginRequest { origin: input.get_untracked().trim().to_owned() };
        if req.origin.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = bridge::post(PATH, Some(&req)).await;
            if result.is_ok() {
                input.try_set(String::new());
            }
            show(result);
        });
    };
    let remove = move |origin: String| {
        leptos::task::spawn_local(async move { show(bridge::delete_with(PATH, &OriginRequest { origin }).await) });
    };

    view! {
        <section class="origins" aria-labelledby="origins-title">
            <h3 id="origins-title">{t(lang, Msg::OscarOriginsTitle)}</h3>
            <p class="hint">{t(lang, Msg::OscarOriginsHint)}</p>
            <ul class="origin-list">
                <For each=move || origins.get() key=|o| o.origin.clone() let:o>
                    <li data-origin=o.origin.clone()>
                        <code>{o.origin.clone()}</code>
                        {match o.source {
                            OriginSource::OscarConnection => view! { <span class="hint">" "{t(lang, Msg::FromConnection)}</span> }.into_any(),
                            OriginSource::Added => {
                                let origin = o.origin.clone();
                                view! {
                                    <button type="button" class="link" data-action="remove-origin"
                                        on:click=move |_| remove(origin.clone())>{t(lang, Msg::RemoveOrigin)}</button>
                                }.into_any()
                            }
                        }}
                    </li>
                </For>
            </ul>
            <form class="form" on:submit=add novalidate>
                <input type="url" name="origin" spellcheck="false" placeholder="https://emr.clinic.ca"
                    aria-label=t(lang, Msg::OscarOriginsTitle)
                    node_ref=input_ref on:input=move |ev| input.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary" data-action="add-origin">{t(lang, Msg::AddOrigin)}</button>
            </form>
        </section>
    }
}
