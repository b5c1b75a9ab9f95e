//! Envelopes next to the day's appointments on the schedule: for each
//! patient with unread conversations, a small purple envelope with the count
//! in that patient's appointment cell. The day comes from Oscar's REST API
//! through the service (`/api/schedule`), matched to the cells by
//! appointment number; a clinic that has not connected Oscar sees none.

use std::cell::Cell;
use std::rc::Rc;

use cortico_protocol::api::ScheduleDay;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use crate::context::params::{number_param, param};
use crate::context::ScheduleContext;
use crate::i18n::Lang;

/// The class of the envelope added to an appointment cell.
const MARK: &str = "cortico-appt-envelope";
/// At most this many provider columns are asked for (one request each).
const MAX_PROVIDERS: usize = 12;
/// Inline, so Oscar's style sheets neither need nor break anything.
const STYLE: &str = "display:inline-flex;align-items:center;gap:2px;margin:0 0 0 4px;padding:0 5px;\
border:0;border-radius:8px;background:#6b3fa0;color:#fff;font:bold 11px/16px Arial,sans-serif;\
vertical-align:middle;cursor:pointer";
const ICON: &str = r#"<svg viewBox="0 0 24 24" width="11" height="11" aria-hidden="true"><path fill="currentColor" d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.3V17h16V7.3l-8 5.3-8-5.3z"/></svg>"#;

/// Unread counts by appointment number (a list: a day has at most a few
/// hundred appointments, and a map would add to every Oscar page's download).
type Unread = Vec<(u32, i64)>;

/// Keeps the envelopes of one schedule page current.
pub struct ScheduleEnvelopes {
    doc: Document,
    date: Option<String>,
    providers: Vec<String>,
    open: js_sys::Function,
    lang: Lang,
    running: Cell<bool>,
    again: Cell<bool>,
}

impl ScheduleEnvelopes {
    /// For a day view with patient appointments; `None` otherwise.
    pub fn new(doc: &Document, ctx: &ScheduleContext, open: js_sys::Function, lang: Lang) -> Option<Rc<Self>> {
        if ctx.week_view || ctx.appointments.is_empty() {
            return None;
        }
        let mut providers: Vec<String> = Vec::new();
        for a in &ctx.appointments {
            if !a.provider_no.is_empty() && !providers.contains(&a.provider_no) && providers.len() < MAX_PROVIDERS {
                providers.push(a.provider_no.clone());
            }
        }
        Some(Rc::new(ScheduleEnvelopes {
            doc: doc.clone(),
            date: page_date(doc),
            providers,
            open,
            lang,
            running: Cell::new(false),
            again: Cell::new(false),
        }))
    }

    /// Fetches the day again and updates the envelopes; a call while one is
    /// running makes it run once more afterwards.
    pub fn refresh(self: &Rc<Self>) {
        if self.running.replace(true) {
            self.again.set(true);
            return;
        }
        let me = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                me.again.set(false);
                // Not connected, signed out, Oscar down: no envelopes rather than stale ones.
                let unread = me.fetch().await.unwrap_or_default();
                me.apply(&unread);
                if !me.again.get() {
                    break;
                }
            }
            me.running.set(false);
        });
    }

    /// Removes every envelope (signed out).
    pub fn clear(&self) {
        self.apply(&Vec::new());
    }

    /// Unread count per appointment number.
    async fn fetch(&self) -> Result<Unread, crate::bridge::ClientError> {
        let mut unread = Vec::new();
        for provider in &self.providers {
            let date = self.date.as_deref().map(|d| format!("date={d}&")).unwrap_or_default();
            let path = format!("/api/schedule?{date}provider={}", js_sys::encode_uri_component(provider));
            let day = crate::bridge::get::<ScheduleDay>(&path).await?;
            unread.extend(day.appointments.iter().filter(|a| a.unread > 0).map(|a| (a.appointment_no, a.unread)));
        }
        Ok(unread)
    }

    fn apply(&self, unread: &Unread) {
        let Ok(cells) = self.doc.query_selector_all("td.appt") else { return };
        for i in 0..cells.length() {
            let Some(cell) = cells.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            let existing = cell.query_selector(&format!(".{MARK}")).ok().flatten();
            match appointment_no(&cell).and_then(|no| unread.iter().find(|(a, _)| *a == no)) {
                Some(&(_, n)) => {
                    let mark = match existing {
                        Some(m) => m,
                        None => match self.mark() {
                            Ok(m) => {
                                let _ = cell.append_child(&m);
                                m
                            }
                            Err(_) => continue,
                        },
                    };
                    let label = match self.lang {
                        Lang::En => format!("{n} unread conversation(s) with this patient"),
                        Lang::Fr => format!("{n} conversation(s) non lue(s) avec ce patient"),
                    };
                    let _ = mark.set_attribute("title", &label);
                    let _ = mark.set_attribute("aria-label", &label);
                    let _ = mark.set_attribute("data-unread", &n.to_string());
                    mark.set_inner_html(&format!("{ICON}{n}"));
                }
                None => {
                    if let Some(m) = existing {
                        m.remove();
                    }
                }
            }
        }
    }

    fn mark(&self) -> Result<Element, JsValue> {
        let mark: HtmlElement = self.doc.create_element("button")?.unchecked_into();
        mark.set_class_name(MARK);
        mark.set_attribute("type", "button")?;
        mark.set_attribute("style", STYLE)?;
        let open = self.open.clone();
        let click = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            // The cell's own link opens the appointment: this click is ours.
            ev.prevent_default();
            ev.stop_propagation();
            // Only the user's own click: a page script's synthetic one does nothing.
            if ev.is_trusted() {
                let _ = open.call1(&JsValue::NULL, &JsValue::from_str("messages"));
            }
        });
        mark.add_event_listener_with_callback("click", click.as_ref().unchecked_ref())?;
        click.forget();
        Ok(mark.into())
    }
}

/// The appointment number of a `td.appt` cell, from its link's `onclick`.
fn appointment_no(cell: &Element) -> Option<u32> {
    let link = cell.query_selector("a.apptLink, a[onclick*='appointmentcontrol.jsp']").ok().flatten()?;
    number_param(&link.get_attribute("onclick")?, "appointment_no")
}

/// The day shown: the `year`, `month` and `day` of the first appointment
/// link (Oscar puts them in every one), as `YYYY-MM-DD`.
fn page_date(doc: &Document) -> Option<String> {
    let link = doc.query_selector("td.appt a.apptLink, td.appt a[onclick*='appointmentcontrol.jsp']").ok().flatten()?;
    let onclick = link.get_attribute("onclick")?;
    let year: u32 = param(&onclick, "year")?.parse().ok()?;
    let month: u32 = param(&onclick, "month")?.parse().ok()?;
    let day: u32 = param(&onclick, "day")?.parse().ok()?;
    ((1900..=2200).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}
