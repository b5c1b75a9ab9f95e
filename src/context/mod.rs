//! Reads the patient and appointment context from an Oscar page's DOM into
//! typed values.
//!
//! The readers take any `Document` plus its URL, so the same code reads the
//! live page (content script) and a serialized copy (the extension frame used
//! when the page's CSP forbids WebAssembly, and the browser tests).

mod echart;
pub mod params;
mod schedule;

use serde::Serialize;
use web_sys::{Document, Element};

pub use echart::{read_echart, EchartContext};
pub use schedule::{read_schedule, ScheduleAppointment, ScheduleContext};

use crate::page::PageKind;

/// What the plug-in knows about the page it is on.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PageContext {
    /// The schedule, with today's patient appointments.
    Schedule(ScheduleContext),
    /// A patient's e-chart.
    Echart(EchartContext),
}

impl PageContext {
    /// Which page this context came from.
    pub fn kind(&self) -> PageKind {
        match self {
            Self::Schedule(_) => PageKind::Schedule,
            Self::Echart(_) => PageKind::Echart,
        }
    }
}

/// Why a page that looked like Oscar by its URL could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// No demographic number in the URL, the header link or the hidden input.
    #[error("no patient number was found on this e-chart")]
    NoDemographicNumber,
    /// The schedule grid (`table#providerSchedule`) is missing.
    #[error("this schedule page has no appointment grid")]
    NoScheduleGrid,
}

/// Reads the context of a page already detected as `kind`.
pub fn read(kind: PageKind, url: &str, doc: &Document) -> Result<PageContext, ContextError> {
    match kind {
        PageKind::Schedule => read_schedule(url, doc).map(PageContext::Schedule),
        PageKind::Echart => read_echart(url, doc).map(PageContext::Echart),
    }
}

/// All elements matching `selector`; an invalid selector or none gives an empty list.
fn select_all(root: &Document, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

/// The first element matching `selector`, if any.
fn select(root: &Document, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// Visible text of an element with runs of white space folded.
fn text_of(el: &Element) -> String {
    el.text_content().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

use wasm_bindgen::JsCast;

#[cfg(test)]
mod tests;
