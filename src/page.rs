//! Which Oscar page are we on? Decided from the URL alone, before touching the DOM.
//!
//! Oscar is deployed under many context paths (`/oscar`, `/oscar_15`, none at
//! all), so pages are recognised by the *suffix* of the path.

use serde::Serialize;

/// The Oscar pages the plug-in works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum PageKind {
    /// The appointment schedule (`providercontrol.jsp`, day or week view).
    Schedule,
    /// A patient's e-chart (encounter) window.
    Echart,
}

/// A URL split into the parts page detection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageUrl<'a> {
    /// The path, without query string or fragment.
    pub path: &'a str,
    /// The query string, without the leading `?`.
    pub query: &'a str,
}

impl<'a> PageUrl<'a> {
    /// Splits an absolute or relative URL. Never fails: anything odd simply
    /// matches no page.
    pub fn parse(url: &'a str) -> Self {
        let without_fragment = url.split('#').next().unwrap_or("");
        let (before_query, query) = without_fragment.split_once('?').unwrap_or((without_fragment, ""));
        // Drop "scheme://host[:port]" when present.
        let path = match before_query.find("://") {
            Some(i) => {
                let rest = &before_query[i + 3..];
                rest.find('/').map_or("/", |j| &rest[j..])
            }
            None => before_query,
        };
        Self { path, query }
    }

    /// The first value of a query parameter, percent-decoding not needed for
    /// the ASCII keys and values Oscar uses here.
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// Detects the page kind from its URL, whatever Oscar's context path.
///
/// - Schedule: `…/provider/providercontrol.jsp`, day view (`displaymode=day` or
///   none, which Oscar redirects to the day view). The week view is the day
///   view with `provider_no` set. Month view and status updates are not schedules.
/// - E-chart: `…/casemgmt/forward.jsp?action=view`, `…/oscarEncounter/IncomingEncounter.do`,
///   or Open-O's `…/CaseManagementEntry.do?method=setUpMainEncounter`.
pub fn detect(url: &str) -> Option<PageKind> {
    let url = PageUrl::parse(url);
    let path = url.path;
    if path.ends_with("/provider/providercontrol.jsp") {
        return match url.param("displaymode") {
            None | Some("day") => Some(PageKind::Schedule),
            Some(_) => None,
        };
    }
    if path.ends_with("/casemgmt/forward.jsp") {
        return (url.param("action") == Some("view")).then_some(PageKind::Echart);
    }
    if path.ends_with("/oscarEncounter/IncomingEncounter.do") {
        return Some(PageKind::Echart);
    }
    if path.ends_with("/CaseManagementEntry.do") {
        return (url.param("method") == Some("setUpMainEncounter")).then_some(PageKind::Echart);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn schedule_is_found_under_any_context_path() {
        for url in [
            "https://clinic.example/oscar/provider/providercontrol.jsp?year=2026&month=11&day=23&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1",
            "http://127.0.0.1:8080/oscar_15/provider/providercontrol.jsp",
            "https://emr.example:8443/provider/providercontrol.jsp?displaymode=day&provider_no=100001",
        ] {
            assert_eq!(detect(url), Some(PageKind::Schedule), "{url}");
        }
    }

    #[wasm_bindgen_test]
    fn month_view_and_status_updates_are_not_schedules() {
        assert_eq!(detect("https://x/oscar/provider/providercontrol.jsp?displaymode=month"), None);
        assert_eq!(detect("https://x/oscar/provider/providercontrol.jsp?displaymode=addstatus&appointment_no=3"), None);
    }

    #[wasm_bindgen_test]
    fn echart_urls_of_classic_and_open_o_are_found() {
        for url in [
            "https://x/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001&providerNo=100001",
            "https://x/casemgmt/forward.jsp?demographicNo=1&action=view",
            "https://x/oscar/oscarEncounter/IncomingEncounter.do?providerNo=1&appointmentNo=2&demographicNo=3",
            "https://x/oscar/CaseManagementEntry.do?method=setUpMainEncounter&from=casemgmt&chain=list&demographicNo=3",
        ] {
            assert_eq!(detect(url), Some(PageKind::Echart), "{url}");
        }
    }

    #[wasm_bindgen_test]
    fn other_pages_are_left_alone() {
        for url in [
            "https://x/oscar/casemgmt/forward.jsp?action=list&demographicNo=3",
            "https://x/oscar/CaseManagementEntry.do?method=autosave",
            "https://x/oscar/demographic/demographiccontrol.jsp?demographic_no=3&displaymode=edit",
            "https://x/oscar/provider/providercontrol.jspx",
            "https://x/not-oscar.html",
            "https://x/oscar/index.jsp?next=/provider/providercontrol.jsp",
            "",
        ] {
            assert_eq!(detect(url), None, "{url}");
        }
    }

    #[wasm_bindgen_test]
    fn url_parts_ignore_fragment_and_host() {
        let u = PageUrl::parse("http://h:1/a/b.jsp?x=1&y&z=3#frag?no");
        assert_eq!(u.path, "/a/b.jsp");
        assert_eq!(u.param("x"), Some("1"));
        assert_eq!(u.param("y"), Some(""));
        assert_eq!(u.param("z"), Some("3"));
        assert_eq!(u.param("frag"), None);
    }
}
