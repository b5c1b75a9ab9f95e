//! Stub assets, so the simulated pages load without 404s: tiny stand-ins for
//! jQuery, prototype.js, `Oscar.js` and `phr.js` (enough for the pages' own
//! inline scripts), the stylesheets, and a 1×1 image for every `.gif`/`.png`.
//!
//! The script URLs matter beyond looks: Oscar-aware extensions recognise an
//! Oscar page by `<script src>` paths such as `/share/javascript/Oscar.js`.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::respond::not_found;
use super::SimState;

/// The asset routes under the context path.
pub(super) fn router(ctx: &str) -> Router<SimState> {
    Router::new()
        .route(&format!("{ctx}/js/{{file}}"), get(js))
        .route(&format!("{ctx}/share/javascript/{{file}}"), get(share_javascript))
        .route(&format!("{ctx}/phr/phr.js"), get(|| async { script(PHR_JS) }))
        .route(&format!("{ctx}/css/{{file}}"), get(css))
        .route(&format!("{ctx}/images/{{file}}"), get(image))
        // Browsers ask for it at the origin's root whatever the context path.
        .route("/favicon.ico", get(|| async { asset("image/png", PNG_1X1.to_vec()) }))
}

/// `GET <ctx>/js/{file}`.
async fn js(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "jquery.js" => script(JQUERY_JS),
        "global.js" => script("/* oscar-sim: global.js stub */\n"),
        _ => not_found("No such script."),
    }
}

/// `GET <ctx>/share/javascript/{file}`.
async fn share_javascript(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "Oscar.js" => script(OSCAR_JS),
        "prototype.js" => script("/* oscar-sim: prototype.js stub (the simulated pages do not use it) */\n"),
        _ => not_found("No such script."),
    }
}

/// `GET <ctx>/css/{file}`: the schedule and e-chart styles; any other
/// stylesheet is empty.
async fn css(Path(file): Path<String>) -> Response {
    let body = match file.as_str() {
        "receptionistapptstyle.css" => SCHEDULE_CSS,
        "encounter.css" => ECHART_CSS,
        f if f.ends_with(".css") => "",
        _ => return not_found("No such stylesheet."),
    };
    asset("text/css; charset=utf-8", body.as_bytes().to_vec())
}

/// `GET <ctx>/images/{file}`: a transparent 1×1 GIF or PNG.
async fn image(Path(file): Path<String>) -> Response {
    if file.ends_with(".gif") {
        asset("image/gif", GIF_1X1.to_vec())
    } else if file.ends_with(".png") {
        asset("image/png", PNG_1X1.to_vec())
    } else {
        not_found("No such image.")
    }
}

fn script(body: &'static str) -> Response {
    asset("text/javascript; charset=utf-8", body.as_bytes().to_vec())
}

fn asset(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "max-age=300")], body).into_response()
}

/// The smallest valid transparent GIF.
const GIF_1X1: [u8; 43] = [
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// A transparent 1×1 PNG.
const PNG_1X1: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0a, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Enough of jQuery for the pages' inline calls (`jQuery.noConflict()`,
/// `jQuery(fn)`, `jQuery(document).ready(fn)`, `jQuery.get`).
const JQUERY_JS: &str = r#"/* oscar-sim: a minimal jQuery stand-in, not jQuery */
(function (window) {
  function ready(fn) {
    if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
  }
  function jQuery(arg) {
    if (typeof arg === 'function') { ready(arg); return; }
    var nodes = typeof arg === 'string' ? Array.prototype.slice.call(document.querySelectorAll(arg)) : [arg];
    return {
      length: nodes.length,
      ready: function (fn) { ready(fn); return this; },
      html: function (h) { nodes.forEach(function (n) { if (n && 'innerHTML' in n) { n.innerHTML = h; } }); return this; }
    };
  }
  jQuery.noConflict = function () { return jQuery; };
  jQuery.get = function () { return jQuery; };
  jQuery.fn = {};
  window.jQuery = jQuery;
  if (!window.$) { window.$ = jQuery; }
})(window);
"#;

/// The helpers Oscar's `share/javascript/Oscar.js` provides to every page.
const OSCAR_JS: &str = r#"/* oscar-sim: the parts of Oscar.js the simulated pages call */
function popup(vheight, vwidth, varpage, windowname) {
  var windowprops = "height=" + vheight + ",width=" + vwidth + ",location=no,scrollbars=yes,menubars=no,toolbars=no,resizable=yes";
  var w = window.open(varpage, windowname || "popup", windowprops);
  if (w != null) { w.focus(); }
  return w;
}
function newWindow(url, name) {
  var w = window.open(url, name, "height=700,width=1024,scrollbars=yes,resizable=yes");
  if (w != null) { w.focus(); }
  return w;
}
"#;

const PHR_JS: &str = "/* oscar-sim: phr.js stub */\n";

/// A little of Oscar's schedule look, for the demo.
const SCHEDULE_CSS: &str = r#"/* oscar-sim: schedule styles in the spirit of receptionistapptstyle.css */
body { font-family: Verdana, Tahoma, Arial, sans-serif; font-size: 11px; margin: 0; }
#firstTable { background: #000000; color: #ffffff; }
#navlist { margin: 0; padding: 2px 0; }
#navlist li { display: inline; list-style: none; padding: 0 6px; }
#navlist a, #firstTable a { color: #ffffff; text-decoration: none; font-weight: bold; }
#ivoryBar td, #scheduleNavigation td { padding: 3px; background: ivory; }
td.infirmaryView { font-size: 12px; padding: 2px; }
td.scheduleTime00 { background: #3EA4E1; font-weight: bold; }
td.scheduleTimeNot00 { background: #00A488; }
td.scheduleTime00 a, td.scheduleTimeNot00 a { color: #ffffff; text-decoration: none; }
td.appt { font-size: 11px; border: 1px solid #486ebd; padding: 1px 3px; }
td.appt a { color: #000000; text-decoration: none; }
a.apptLink { font-weight: bold; }
.ds-btn { background-color: #f4ead7; border: 1px solid #0097cf; font-size: 10px; }
.hideReason { display: none; }
@media print { .noprint, .DoNotPrint { display: none; } }
"#;

/// A little of the e-chart's look, for the demo.
const ECHART_CSS: &str = r#"/* oscar-sim: e-chart styles */
body { font-family: Verdana, Tahoma, Arial, sans-serif; font-size: 12px; }
#header { overflow: hidden; background: #CCCCFF; padding: 4px; }
#patient-label > div { display: inline-block; margin-right: 12px; }
#patient-label .label { font-size: 9px; color: #666666; text-transform: uppercase; }
#patient-full-name h1 { font-size: 16px; margin: 0; }
.leftBox, .topBox { border: 1px solid #cccccc; margin: 3px; padding: 2px 4px; }
.leftBox h3, .topBox h3 { font-size: 12px; margin: 2px 0; }
#cppBoxes { overflow: hidden; }
#cppBoxes .topBox { float: left; width: 46%; min-height: 60px; }
.note { border-bottom: 1px solid #dddddd; padding: 4px; }
.txtArea { width: 98%; }
"#;
