//! Oscar's pages as HTML strings: pure functions of the clinic and a few
//! options, with no I/O, so they also build for wasm32.
//!
//! The DOM follows `shared/docs/oscar-reference.md` (§1 schedule, §2 e-chart,
//! §7 corrections) for classic OSCAR 19 and Open-O: ids, classes, `onclick`
//! URL formats and name formats are the contract the plug-in reads.

mod echart;
pub mod html;
mod month;
mod notes;
mod other;
mod schedule;

pub use echart::echart;
pub use month::schedule_month;
pub use notes::{chart_notes, chart_notes_with, ExtraNote};
pub use other::{error_page, login_page, master_record, not_oscar_page};
pub use schedule::{schedule_day, schedule_week};

use crate::clinic::Variant;

/// How to render: which Oscar, where it is mounted, who is signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageOptions {
    /// Classic OSCAR 19 or Open-O.
    pub variant: Variant,
    /// The web app's context path: `"/oscar"` (the usual), `"/oscar_15"`, or
    /// `""` when Oscar is mounted at the root. No trailing slash. It is
    /// written into URLs and scripts as is, so it must be a plain URL path
    /// (the server checks it with `server::normalize_context_path`).
    pub context_path: String,
    /// The signed-in user's provider number (`curUser_no` in Oscar's JSPs).
    pub logged_in_provider: String,
    /// The schedule's `<meta http-equiv="refresh">` period; 0 leaves it out
    /// (Oscar's `-1`). Oscar ships 180.
    pub refresh_seconds: u32,
}

impl Default for PageOptions {
    fn default() -> Self {
        Self {
            variant: Variant::Classic,
            context_path: "/oscar".to_owned(),
            logged_in_provider: "100001".to_owned(),
            refresh_seconds: 180,
        }
    }
}

impl PageOptions {
    /// The defaults (`/oscar`, provider `100001`, 180 s) for a variant.
    pub fn new(variant: Variant) -> Self {
        Self { variant, ..Self::default() }
    }

    /// The context path without a trailing slash.
    pub(crate) fn ctx(&self) -> &str {
        self.context_path.trim_end_matches('/')
    }

    /// `<ctx>/<path>`: an absolute link, as Open-O writes them (and classic
    /// for some assets).
    pub(crate) fn abs(&self, path: &str) -> String {
        format!("{}/{}", self.ctx(), path)
    }

    /// A link from a page one directory below the context root
    /// (`/provider/…`, `/casemgmt/…`): classic writes `../<path>`, Open-O
    /// `<ctx>/<path>`.
    pub(crate) fn up(&self, path: &str) -> String {
        match self.variant {
            Variant::Classic => format!("../{path}"),
            Variant::OpenO => self.abs(path),
        }
    }
}
