// What the plug-in trusts, stated once: which web origins are the clinic's
// Oscar, which addresses the token may go to, and which of the extension's
// own contexts may ask the background for what. Pure functions only, so
// they are unit-tested under Node (tests/unit/trust.test.mjs).

/** This computer's own hosts, by exact name (`localhost.evil.test` is not one). */
export function isLoopbackHost(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The origin of a web address (`https://host[:port]`, as browsers write it),
 * or null for anything that is not plain http(s) with a host.
 */
export function originOf(address) {
  try {
    const url = new URL(address);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname ? url.origin : null;
  } catch (_) {
    return null;
  }
}

/**
 * The origin of an address the token may be sent to, or to be an Oscar the
 * plug-in runs on: https, or plain http on loopback only; no path, user or
 * query. Null when it is anything else.
 */
export function trustedOrigin(address) {
  let url;
  try {
    url = new URL(String(address).trim());
  } catch (_) {
    return null;
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure || !url.hostname || url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' && url.pathname !== '') return null;
  return url.origin;
}

/**
 * The full address of a service request, or null when `path` could take
 * the token anywhere but the service's own `/api/`: it must be a path, not
 * an address, and must stay on the service's origin (`.evil.test/x` would
 * otherwise turn `https://service` into `https://service.evil.test`).
 */
export function serviceAddress(serviceOrigin, path) {
  if (typeof path !== 'string' || !path.startsWith('/api/') || /[\\\s]/.test(path)) return null;
  const url = new URL(path, `${serviceOrigin}/`);
  return url.origin === serviceOrigin && url.pathname.startsWith('/api/') ? url.href : null;
}

/**
 * The origins where the plug-in runs. Those the clinic manages (packaged by
 * its IT, or listed by the clinic's administrators in the service) are the
 * only ones once there are any; before that, the sites a staff member
 * turned on from the extension's own UI.
 */
export function activeOrigins({ packaged = [], clinic = [], sites = [] }) {
  const clean = (list) => [...new Set(list.map(trustedOrigin).filter(Boolean))];
  const managed = clean([...packaged, ...clinic]);
  return managed.length > 0 ? managed : clean(sites);
}

// Oscar's schedule and e-chart pages, under any context path.
const OSCAR_PAGES = ['*providercontrol.jsp*', '*casemgmt/forward.jsp*', '*IncomingEncounter.do*', '*CaseManagementEntry.do*'];

/**
 * Content-script match patterns for Oscar's pages on `origins`. Chrome's
 * patterns may carry a port; Firefox's may not (there the background checks
 * the exact origin before the plug-in starts).
 */
export function contentMatches(origins, { withPort }) {
  return origins.flatMap((origin) => {
    const url = new URL(origin);
    const host = withPort ? url.host : url.hostname;
    return OSCAR_PAGES.map((page) => `${url.protocol}//${host}/${page}`);
  });
}

/** The host permission pattern that covers `origin` (ports are not part of it). */
export function permissionPattern(origin) {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/**
 * Who sent a message to the background:
 *  - 'content': a content script in a top-level page on an active origin;
 *  - 'frame': the extension frame (ui.html) inside a tab;
 *  - 'extension': the extension's own pages (options, toolbar popup);
 *  - null: anything else (a content script on another origin, a subframe, another extension).
 */
export function senderKind(sender, { extensionId, active }) {
  if (!sender || sender.id !== extensionId) return null;
  const url = sender.url ?? '';
  if (/^(chrome|moz)-extension:\/\//.test(url)) {
    const page = new URL(url).pathname.replace(/^\//, '');
    if (page === 'ui.html') return sender.tab ? 'frame' : null;
    return 'extension';
  }
  const origin = sender.origin && sender.origin !== 'null' ? sender.origin : originOf(url);
  if (sender.frameId !== 0 || !origin) return null;
  return active.includes(origin) ? 'content' : null;
}

/**
 * Whether the launcher (the content script in the page) may make this
 * request: only reading the badge number and the schedule's unread counts.
 * Everything else (signing in, lists, messages, files) is the panel's, and
 * the panel lives in the extension frame.
 */
export function launcherRequest(msg) {
  if (msg?.type === 'activate') return true;
  if (msg?.type !== 'api' || msg.method !== 'GET' || typeof msg.path !== 'string') return false;
  return msg.path === '/api/unread' || /^\/api\/schedule\?[^#]*$/.test(msg.path);
}

const FRAME_ROLES = new Set(['panel', 'plugin']);
const FRAME_OPENS = new Set(['menu', 'messages']);

/**
 * The page a content script registers for its extension frame, checked
 * field by field, or null when it is not well formed: a nonce of at least
 * 32 characters, the page's address and a serialized copy of its DOM, the
 * page's kind ('schedule' or 'echart'), the frame's role ('panel': the interface only; 'plugin': launcher and
 * interface, on pages whose CSP forbids WebAssembly), what to open first,
 * and the page's viewport (the frame sizes the panel to it).
 */
export function frameContextOf(msg) {
  if (typeof msg?.nonce !== 'string' || msg.nonce.length < 32) return null;
  if (typeof msg.url !== 'string' || typeof msg.html !== 'string' || !FRAME_ROLES.has(msg.role)) return null;
  const open = FRAME_OPENS.has(msg.open) ? msg.open : null;
  const number = (n) => (Number.isFinite(n) && n > 0 ? Math.round(n) : null);
  const viewport = { width: number(msg.viewport?.width), height: number(msg.viewport?.height) };
  const kind = msg.kind === 'echart' ? 'echart' : 'schedule';
  return { url: msg.url, html: msg.html, role: msg.role, kind, open, viewport };
}
