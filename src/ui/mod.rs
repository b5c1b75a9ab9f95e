//! The plug-in's interface, rendered with leptos inside the shadow root (or
//! inside the extension frame on pages whose CSP forbids WebAssembly).

mod about;
mod logo;

use leptos::prelude::*;

use crate::context::{ContextError, PageContext};
use crate::i18n::{t, Lang, Msg};

pub use about::AboutPage;
pub use logo::LogoButton;

/// Everything the interface needs to know about where it runs.
#[derive(Clone)]
pub struct PageInfo {
    /// What was read from the page, or why it could not be read.
    pub context: Result<PageContext, ContextError>,
    /// Interface language.
    pub lang: Lang,
}

/// The text of an error reading the page, in the interface language.
pub fn context_error_text(lang: Lang, err: &ContextError) -> &'static str {
    match err {
        ContextError::NoDemographicNumber => t(lang, Msg::NoDemographicNumber),
        ContextError::NoScheduleGrid => t(lang, Msg::NoScheduleGrid),
    }
}

/// Which view is open above the logo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Closed,
    Menu,
    About,
}

/// The root: the logo button and, when open, the menu or a view above it.
#[component]
pub fn App(
    /// The page the plug-in runs on.
    info: PageInfo,
) -> impl IntoView {
    let lang = info.lang;
    let view = RwSignal::new(View::Closed);
    provide_context(info.clone());
    let broken = info.context.is_err();

    let logo_ref = NodeRef::<leptos::html::Button>::new();
    let menu_ref = NodeRef::<leptos::html::Div>::new();
    let panel_ref = NodeRef::<leptos::html::Div>::new();

    // Keyboard users land inside whatever opens, and back on the logo when it closes.
    Effect::new(move |previous: Option<View>| {
        let current = view.get();
        match current {
            View::Menu => focus_first(menu_ref.get().map(|el| el.into())),
            View::About => {
                if let Some(el) = panel_ref.get() {
                    let _ = el.focus();
                }
            }
            View::Closed if previous.is_some_and(|p| p != View::Closed) => {
                if let Some(el) = logo_ref.get() {
                    let _ = el.focus();
                }
            }
            View::Closed => {}
        }
        current
    });

    let close_on_escape = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && view.get_untracked() != View::Closed {
            ev.stop_propagation();
            view.set(View::Closed);
        }
    };

    view! {
        <div class="cortico-root" on:keydown=close_on_escape>
            <Show when=move || view.get() == View::Menu>
                <div class="popover menu" role="menu" aria-label=t(lang, Msg::MenuLabel) node_ref=menu_ref>
                    <button class="menu-item" role="menuitem" on:click=move |_| view.set(View::About)>
                        {t(lang, Msg::AboutPage)}
                    </button>
                </div>
            </Show>
            <Show when=move || view.get() == View::About>
                <div class="popover panel" role="dialog" aria-label=t(lang, Msg::AboutPage) tabindex="-1" node_ref=panel_ref>
                    <div class="panel-header">
                        <h2>{t(lang, Msg::AboutPage)}</h2>
                        <button class="icon-button" aria-label=t(lang, Msg::Close) on:click=move |_| view.set(View::Closed)>
                            "×"
                        </button>
                    </div>
                    <AboutPage/>
                </div>
            </Show>
            <LogoButton
                warning=broken
                node_ref=logo_ref
                on_click=Callback::new(move |_| {
                    view.update(|v| *v = if *v == View::Closed { View::Menu } else { View::Closed })
                })
            />
        </div>
    }
}

/// Focuses the first button inside `container`.
fn focus_first(container: Option<web_sys::Element>) {
    use wasm_bindgen::JsCast;
    let first = container.and_then(|c| c.query_selector("button").ok().flatten());
    if let Some(button) = first.and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = button.focus();
    }
}
