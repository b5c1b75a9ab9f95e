// The extension frame (ui.html) of each Oscar tab and its link to the
// content script that created it.
//
// The plug-in's interface lives in that frame, on the extension's own
// origin, so no page script can read or drive it: the panel always (role
// 'panel'), and on pages whose CSP forbids WebAssembly the launcher too
// (role 'plugin'). The content script registers the page over a port named
// 'cortico-page' and puts a one-time nonce in the frame's address; only the
// frame in that tab that presents the nonce gets the page, once, and only
// while the page is open. A site that frames ui.html itself gets nothing.
// Messages between the two go through here: the content script's over its
// port, the frame's as 'frameEvent' requests, ours to the frame over the
// frame's 'cortico-frame' port.
//
// Which frame holds a tab's claim is kept in session storage as well (in
// memory only, never on disk), so that the frame keeps working when Chrome
// restarts an idle service worker; the content script then registers again
// under the same nonce.
import { frameContextOf } from './trust.js';

const api = globalThis.browser ?? globalThis.chrome;

// tab id -> { port, nonce, context, frameId, framePort, toFrame, toPage }
const pages = new Map();
const claimKey = (tabId) => `frame:${tabId}`;

/** The tab's page, from memory or, after a restart, from session storage. */
async function pageOf(tabId) {
  if (pages.has(tabId)) return pages.get(tabId);
  const claim = (await api.storage.session?.get(claimKey(tabId)))?.[claimKey(tabId)];
  if (!claim || pages.has(tabId)) return pages.get(tabId) ?? null;
  const page = { port: null, nonce: claim.nonce, context: null, frameId: claim.frameId, framePort: null, toFrame: [], toPage: [] };
  pages.set(tabId, page);
  return page;
}

function forget(tabId) {
  const page = pages.get(tabId);
  page?.framePort?.disconnect();
  pages.delete(tabId);
  api.storage.session?.remove(claimKey(tabId));
}

/** 'frame' for the frame that claimed its tab's page, otherwise 'unclaimed-frame'. */
export async function frameKind(sender) {
  const page = await pageOf(sender.tab.id);
  return page && page.frameId === sender.frameId ? 'frame' : 'unclaimed-frame';
}

/** The content script's port: it registers its page, then talks to its frame. */
export function onPagePort(port, early = []) {
  const tabId = port.sender.tab.id;
  // One message at a time, in order: a 'show' right after 'register' must
  // find the page registered.
  let queue = Promise.resolve();
  const receive = (msg) => {
    queue = queue.then(() => fromPage(port, tabId, msg)).catch(() => {});
  };
  early.forEach(receive);
  port.onMessage.addListener(receive);
  port.onDisconnect.addListener(() => {
    // The page went away (navigation, tab closed): so does its frame's claim.
    queue = queue.then(() => {
      if (pages.get(tabId)?.port === port) forget(tabId);
    });
  });
}

async function fromPage(port, tabId, msg) {
  if (msg?.type === 'register') {
    const context = frameContextOf(msg);
    if (!context) return;
    const known = await pageOf(tabId);
    if (known && known.nonce === msg.nonce) {
      // The same page again, after the service worker restarted.
      known.port = port;
      known.context = context;
      for (const event of known.toPage.splice(0)) port.postMessage(event);
      return;
    }
    if (known) forget(tabId);
    pages.set(tabId, { port, nonce: msg.nonce, context, frameId: null, framePort: null, toFrame: [], toPage: [] });
    return;
  }
  const page = pages.get(tabId);
  if (msg?.type !== 'toFrame' || page?.port !== port) return;
  if (page.framePort) page.framePort.postMessage(msg.event);
  else page.toFrame.push(msg.event);
}

/** The claimed frame's own port: what the content script tells it arrives here. */
export async function onFramePort(port) {
  const page = await pageOf(port.sender.tab.id);
  if (!page || page.frameId !== port.sender.frameId) return port.disconnect();
  page.framePort?.disconnect();
  page.framePort = port;
  for (const event of page.toFrame.splice(0)) port.postMessage(event);
  port.onDisconnect.addListener(() => {
    if (page.framePort === port) page.framePort = null;
  });
}

/** The page for the frame presenting the nonce, once; null for anyone else. */
export async function claimFrame({ nonce }, sender) {
  const page = await pageOf(sender.tab.id);
  if (!page?.context || page.frameId !== null || typeof nonce !== 'string' || nonce !== page.nonce) return null;
  page.frameId = sender.frameId;
  await api.storage.session?.set({ [claimKey(sender.tab.id)]: { nonce, frameId: sender.frameId } });
  return page.context;
}

/** What the claimed frame reports (its size, opened, closed), to its content script. */
export async function frameEvent({ event }, sender) {
  const page = await pageOf(sender.tab.id);
  if (!page) return;
  if (page.port) page.port.postMessage(event);
  else page.toPage.push(event);
}

api.tabs?.onRemoved.addListener(forget);
