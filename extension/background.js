// Background script (Chrome service worker / Firefox event page).
//
// It is the only part of the plug-in that talks to the messaging service:
// page CSP, CORS and local-network rules do not apply here, and the bearer
// token never leaves extension storage, nor goes anywhere but the service's
// origin. Content scripts (the Rust core in each Oscar tab) ask it for things
// with runtime.sendMessage and hear about changes over a runtime.connect
// port; it answers only the contexts trust.js names (content scripts on the
// clinic's Oscar origins, its own frame, its own pages).
//
// What it keeps, in extension storage:
//  - serviceUrl               the service, set on the options page;
//  - session                  {token, me, serviceUrl} or {expired: true, me, serviceUrl};
//  - outbox                   sends not yet acknowledged, retried with their idempotency key;
//  - drafts                   unsent text per conversation, per staff member;
//  - unread (session storage) the last known badge number, shown at once after a page refresh.
import { launcherRequest, senderKind, serviceAddress, trustedOrigin } from './trust.js';
import { claimFrame, frameEvent, frameKind, onFramePort, onPagePort } from './frames.js';
import { broadcast, ensureStream, initStream, listen, stopStream, streamOnline } from './stream.js';
import { active, packagedConfig, setClinicOrigins, setSite, sites, syncContentScripts } from './sites.js';
import { draftGet, draftSet, forget, initOutbox, outboxSummary, ownerOf, readOutbox, retryOutbox, send } from './outbox.js';

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULT_SERVICE_URL = 'http://127.0.0.1:8470';

// ---------------------------------------------------------------------------
// Settings and session

// The packaged config.json's serviceUrl is the default until the options
// page sets another address; either must be https (or loopback).
async function serviceUrl() {
  const { serviceUrl } = await api.storage.local.get('serviceUrl');
  return trustedOrigin(serviceUrl) ?? trustedOrigin((await packagedConfig()).serviceUrl) ?? DEFAULT_SERVICE_URL;
}

// Kept in memory too: every request needs it, and storage reads cost a few ms.
let sessionCache;

async function getSession() {
  if (sessionCache === undefined) {
    const { session } = await api.storage.local.get('session');
    sessionCache = session ?? null;
  }
  return sessionCache;
}

/** What content scripts may know about the session: never the token. */
function publicSession(session) {
  if (!session) return { state: 'signed_out' };
  return { state: session.token ? 'signed_in' : 'expired', me: session.me ?? null };
}

async function setSession(session) {
  sessionCache = session;
  await api.storage.local.set({ session });
  broadcast({ type: 'session', session: publicSession(session) });
}

/** A 401 ends the session but keeps who it was, so drafts and the outbox stay theirs. */
async function expireSession() {
  const session = await getSession();
  if (!session?.token) return;
  stopStream();
  await setSession({ expired: true, me: session.me, serviceUrl: session.serviceUrl });
  await api.storage.session?.remove('unread');
}

// ---------------------------------------------------------------------------
// HTTP

function networkFailure(err) {
  return { ok: false, network: true, status: 0, body: { code: 'network', message: String(err?.message ?? err) } };
}

function refused(message) {
  return { ok: false, status: 0, body: { code: 'refused', message } };
}

/** Calls the service with the session's token. Never throws. */
async function call(method, path, { json, raw, contentType } = {}) {
  const session = await getSession();
  if (!session?.token) {
    return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  }
  const address = serviceAddress(session.serviceUrl, path);
  if (!address || !['GET', 'POST', 'PUT', 'DELETE'].includes(method)) return refused('Not a request to the Cortico service.');
  const headers = { authorization: `Bearer ${session.token}` };
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (raw !== undefined) {
    headers['content-type'] = contentType || 'application/octet-stream';
    body = raw;
  }
  let res;
  try {
    res = await fetch(address, { method, headers, body, cache: 'no-store', redirect: 'error' });
  } catch (err) {
    return networkFailure(err);
  }
  const text = await res.text().catch(() => '');
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch (_) {
    parsed = { code: 'bad_response', message: `The service answered ${res.status} with something that is not JSON.` };
  }
  if (res.status === 401) await expireSession();
  return { ok: res.ok, status: res.status, body: parsed };
}

async function signIn({ clinic, email, password }) {
  const base = await serviceUrl();
  let res;
  try {
    res = await fetch(`${base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clinic, email, password }),
      redirect: 'error',
    });
  } catch (err) {
    return networkFailure(err);
  }
  const body = await res.json().catch(() => ({ code: 'bad_response', message: 'The service gave an unreadable answer.' }));
  if (!res.ok) return { ok: false, status: res.status, body };
  await setSession({ token: body.token, me: body.me, serviceUrl: base });
  await refreshOrigins();
  ensureStream();
  retryOutbox();
  return { ok: true, status: res.status, body: publicSession({ token: body.token, me: body.me }) };
}

/** The clinic's Oscar origins, as its administrators list them in the service. */
async function refreshOrigins() {
  const res = await call('GET', '/api/clinic/origins');
  const session = await getSession();
  if (res.ok && Array.isArray(res.body?.origins) && session?.me) {
    await setClinicOrigins(session.me.clinic.slug, res.body.origins);
  }
}

async function signOut() {
  const session = await getSession();
  if (session?.token) await call('POST', '/api/auth/sign-out');
  stopStream();
  await forget(ownerOf(session));
  await api.storage.session?.remove('unread');
  await setSession(null);
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Attachments: bytes cross the message boundary as base64 (Chrome messages are JSON).

function base64ToBytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes) {
  let bin = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  return btoa(bin);
}

async function upload({ name, data }) {
  return call('POST', `/api/attachments?name=${encodeURIComponent(String(name))}`, { raw: base64ToBytes(data) });
}

async function download({ id }) {
  const session = await getSession();
  if (!session?.token) return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  if (!Number.isSafeInteger(id) || id <= 0) return refused('No such file.');
  let res;
  try {
    res = await fetch(serviceAddress(session.serviceUrl, `/api/attachments/${id}`), {
      headers: { authorization: `Bearer ${session.token}` },
      redirect: 'error',
    });
  } catch (err) {
    return networkFailure(err);
  }
  if (!res.ok) {
    if (res.status === 401) await expireSession();
    return { ok: false, status: res.status, body: await res.json().catch(() => null) };
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { ok: true, status: 200, body: { data: bytesToBase64(bytes), mediaType: res.headers.get('content-type') } };
}

// ---------------------------------------------------------------------------
// Who may ask for what (trust.js decides the kind of sender).

// Content scripts, the extension frame of their tab (see frames.js) and the
// extension's own pages each get their own set of requests.
async function kindOf(sender) {
  const kind = senderKind(sender, { extensionId: api.runtime.id, active: await active() });
  return kind === 'frame' ? frameKind(sender) : kind;
}

const PANEL = ['state', 'signIn', 'signOut', 'api', 'send', 'upload', 'download', 'draftGet', 'draftSet', 'retry'];
const ALLOWED = {
  // The launcher in the page: its badge and the schedule's envelopes only.
  content: new Set(['activate', 'api']),
  frame: new Set(['frameEvent', ...PANEL]),
  'unclaimed-frame': new Set(['frameContext']),
  extension: new Set(['state', 'setServiceUrl', 'sites', 'setSite']),
};

// Messages that arrive while the sender's kind is being looked up are kept
// and handled in order once it is known.
api.runtime.onConnect.addListener((port) => {
  const early = [];
  const keep = (msg) => early.push(msg);
  port.onMessage.addListener(keep);
  kindOf(port.sender).then((kind) => {
    port.onMessage.removeListener(keep);
    connected(port, kind, early);
  });
});

async function connected(port, kind, early) {
  if (port.name === 'cortico-page' && kind === 'content') return onPagePort(port, early);
  if (port.name === 'cortico-frame' && kind === 'frame') return onFramePort(port);
  if (port.name !== 'cortico' || !(kind === 'content' || kind === 'frame')) {
    port.disconnect();
    return;
  }
  listen(port);
  // Requests come over the port too (cheaper than a one-off message each);
  // pings every 20 s keep a Chrome service worker awake.
  const request = (msg) => {
    if (typeof msg?.id !== 'number') return;
    answer(msg, kind, port.sender).then((result) => {
      try {
        port.postMessage({ type: 'reply', id: msg.id, result });
      } catch (_) {
        // The tab went away meanwhile.
      }
    });
  };
  port.onMessage.addListener(request);
  early.forEach(request);
  const session = await getSession();
  const cached = (await api.storage.session?.get('unread'))?.unread;
  port.postMessage({
    type: 'hello',
    session: publicSession(session),
    unread: session?.token && typeof cached === 'number' ? cached : null,
    online: streamOnline(),
    outbox: outboxSummary(await readOutbox(), ownerOf(session)),
  });
  ensureStream();
}

// ---------------------------------------------------------------------------
// Requests from content scripts, the extension frame and the extension's pages.

const handlers = {
  state: async () => ({ ok: true, body: { session: publicSession(await getSession()), serviceUrl: await serviceUrl() } }),
  // A content script reaches this only on an active origin (see kindOf).
  activate: async () => ({ ok: true }),
  signIn,
  signOut,
  api: ({ method, path, json }) => call(method, path, { json }),
  send,
  upload,
  download,
  draftGet,
  draftSet,
  retry: async () => {
    await retryOutbox();
    return { ok: true };
  },
  setServiceUrl: async ({ url }) => {
    const origin = trustedOrigin(url);
    if (!origin) return refused('The service address must start with https:// (or http:// on this computer).');
    await api.storage.local.set({ serviceUrl: origin });
    return { ok: true };
  },
  sites: async () => ({ ok: true, body: await sites() }),
  setSite: async ({ origin, on }) => {
    if (!(await setSite(origin, on === true))) return refused('Not an Oscar address.');
    await syncContentScripts();
    return { ok: true, body: await sites() };
  },
  frameContext: async (msg, sender) => {
    const context = await claimFrame(msg, sender);
    return context ? { ok: true, body: context } : refused('No page.');
  },
  frameEvent: async (msg, sender) => {
    await frameEvent(msg, sender);
    return { ok: true };
  },
};

/** Runs a request the sender may make; never rejects. */
function answer(msg, kind, sender) {
  if (!ALLOWED[kind]?.has(msg?.type)) return Promise.resolve(refused(`Not allowed: ${String(msg?.type)}`));
  if (kind === 'content' && !launcherRequest(msg)) return Promise.resolve(refused(`Not allowed: ${String(msg.method)} ${String(msg.path)}`));
  return Promise.resolve()
    .then(() => handlers[msg.type](msg, sender))
    .catch((err) => ({ ok: false, status: 0, body: { code: 'internal', message: String(err?.message ?? err) } }));
}

api.runtime.onMessage.addListener((msg, sender, reply) => {
  if (!handlers[msg?.type]) return false;
  kindOf(sender)
    .then((kind) => answer(msg, kind, sender))
    .then(reply);
  return true; // answer asynchronously
});

initOutbox({ call, getSession, broadcast, refused });
initStream({
  getSession,
  expireSession,
  online: () => {
    retryOutbox();
    refreshOrigins();
  },
});

// On every start (install, browser start, a service worker woken up).
syncContentScripts();
