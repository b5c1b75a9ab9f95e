// oscar-sim: the schedule page's own functions, as appointmentprovideradminday.jsp
// defines them inline (popup() and newWindow() come from Oscar.js).
function popupPage(vheight, vwidth, varpage) {
  var windowprops = "height=" + vheight + ",width=" + vwidth + ",location=no,scrollbars=yes,menubars=no,toolbars=no,resizable=yes,screenX=50,screenY=50,top=0,left=0";
  var popup = window.open("" + varpage, "apptProvider", windowprops);
  if (popup != null) { popup.focus(); }
}
function popupPage2(varpage, windowname, vheight, vwidth) {
  windowname = typeof windowname != 'undefined' ? windowname : 'apptProviderSearch';
  vheight = typeof vheight != 'undefined' ? vheight : 700;
  vwidth = typeof vwidth != 'undefined' ? vwidth : 1024;
  var windowprops = "height=" + vheight + ",width=" + vwidth + ",location=no,scrollbars=yes,menubars=no,toolbars=no,resizable=yes,screenX=50,screenY=50,top=0,left=0";
  var popup = window.open("" + varpage, windowname, windowprops);
  if (popup != null) { popup.focus(); }
}
function popupInboxManager(varpage) { popupPage2(varpage, "apptProviderInbox", 700, 1215); }
function popupOscarRx(vheight, vwidth, varpage) { popupPage2(varpage, "oscarRx_appt", vheight, vwidth); }
function storeApptNo(apptNo) {}
function popupWithApptNo(vheight, vwidth, varpage, name, apptNo) {
  if (apptNo) storeApptNo(apptNo);
  if (name == 'master' || name == 'encounter') { popup(vheight, vwidth, varpage, name); }
  else { popupOscarRx(vheight, vwidth, varpage); }
}
function confirmPopupPage(height, width, queryString) { popupPage2(queryString, 'appointment', height, width); }
function onUnbilled(url) { if (confirm("Are you sure you want to unbill this appointment?")) { popupPage(700, 720, url); } }
function refreshSameLoc(mypage) {
  var X = window.pageXOffset ? window.pageXOffset : 0;
  var Y = window.pageYOffset ? window.pageYOffset : 0;
  window.location.href = mypage + "&x=" + X + "&y=" + Y;
}
function getParameter(paramName) {
  var params = window.location.search.substring(1).split("&");
  for (var i = 0; i < params.length; i++) {
    var val = params[i].split("=");
    if (val[0] == paramName) { return val[1]; }
  }
  return null;
}
function scrollOnLoad() {
  var X = getParameter("x"), Y = getParameter("y");
  if (X != null && Y != null) { window.scrollTo(parseInt(X), parseInt(Y)); }
}
function refreshAllTabAlerts() {}
function review(key) {
  var a = self.location.href, i = a.lastIndexOf("&viewall=");
  if (i > 0) { a = a.substring(0, i); }
  self.location.href = a + "&viewall=" + key;
}
function showPersonal() {
  var reasons = document.querySelectorAll("span.reason");
  for (var i = 0; i < reasons.length; i++) {
    reasons[i].style.display = reasons[i].style.display == "inline" ? "none" : "inline";
  }
  return false;
}
function toggleReason(event, providerNo) {
  if (event) { event.preventDefault(); }
  var reasons = document.querySelectorAll(".reason_" + providerNo);
  for (var i = 0; i < reasons.length; i++) { reasons[i].classList.toggle("hideReason"); }
}
function goSearchView(s) { popupPage(600, 650, "../appointment/appointmentsearch.jsp?provider_no=" + s); }
function goFilpView(s) {}
function changeGroup(s) {}
function findProvider(p, m, d) {}
