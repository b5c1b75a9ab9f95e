//! The Cortico logo button that sits on Oscar's pages.

use leptos::prelude::*;

use super::PageInfo;
use crate::i18n::{t, Msg};

/// The logo mark, drawn in static/logo.svg.
const LOGO_SVG: &str = include_str!("../../static/logo.svg");

/// The round logo button. Shows a warning dot when the page could not be read.
#[component]
pub fn LogoButton(
    /// True when the page context could not be read, so staff see something is off.
    warning: bool,
    /// Called when the logo is clicked.
    on_click: Callback<()>,
    /// Lets the parent move focus back to the logo.
    node_ref: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let lang = use_context::<PageInfo>()
        .map(|i| i.lang)
        .unwrap_or(crate::i18n::Lang::En);
    view! {
        <button
            class="logo"
            type="button"
            node_ref=node_ref
            aria-label=t(lang, Msg::LogoLabel)
            title=t(lang, Msg::LogoLabel)
            on:click=move |_| on_click.run(())
        >
            <span class="logo-mark" inner_html=LOGO_SVG></span>
            {warning.then(|| view! { <span class="warning-dot" aria-hidden="true">"!"</span> })}
        </button>
    }
}
