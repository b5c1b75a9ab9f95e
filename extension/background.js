// Background script (Chrome service worker / Firefox event page).
//
// It is the only part of the plug-in that talks to the messaging service:
// page CSP, CORS and local-network rules do not apply here, and the bearer
// token never leaves extension storage. Content scripts (the Rust core in
// each Oscar tab) ask it for things with runtime.sendMessage and hear about
// changes over a runtime.connect port.
//
// What it keeps, in extension storage:
//  - serviceUrl               the service, set on the options page;
//  - session                  {token, me, serviceUrl} or {expired: true, me, serviceUrl};
//  - outbox                   sends not yet acknowledged, retried with their idempotency key;
//  - drafts                   unsent text per conversation, per staff member;
//  - unread (session storage) the last known badge number, shown at once after a page refresh.
'use strict';

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULT_SERVICE_URL = 'http://127.0.0.1:8470';
const RETRY_ALARM = 'cortico-outbox-retry';
const STREAM_IDLE_CLOSE_MS = 30000;

// ---------------------------------------------------------------------------
// Settings and session

// A clinic's IT can ship the extension preconfigured: config.json in the
// package ({"serviceUrl": "https://…"}) is the default until the options
// page sets another address.
let packaged;
async function packagedConfig() {
  packaged ??= fetch(api.runtime.getURL('config.json'))
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  return packaged;
}

async function serviceUrl() {
  const { serviceUrl } = await api.storage.local.get('serviceUrl');
  const fallback = (await packagedConfig()).serviceUrl || DEFAULT_SERVICE_URL;
  return (serviceUrl || fallback).replace(/\/+$/, '');
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

/** Calls the service with the session's token. Never throws. */
async function call(method, path, { json, raw, contentType } = {}) {
  const session = await getSession();
  if (!session?.token) {
    return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  }
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
    res = await fetch(session.serviceUrl + path, { method, headers, body, cache: 'no-store' });
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
    });
  } catch (err) {
    return networkFailure(err);
  }
  const body = await res.json().catch(() => ({ code: 'bad_response', message: 'The service gave an unreadable answer.' }));
  if (!res.ok) return { ok: false, status: res.status, body };
  await setSession({ token: body.token, me: body.me, serviceUrl: base });
  ensureStream();
  retryOutbox();
  return { ok: true, status: res.status, body: publicSession({ token: body.token, me: body.me }) };
}

async function signOut() {
  const session = await getSession();
  if (session?.token) await call('POST', '/api/auth/sign-out');
  stopStream();
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
  return call('POST', `/api/attachments?name=${encodeURIComponent(name)}`, { raw: base64ToBytes(data) });
}

async function download({ id }) {
  const session = await getSession();
  if (!session?.token) return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  let res;
  try {
    res = await fetch(`${session.serviceUrl}/api/attachments/${id}`, { headers: { authorization: `Bearer ${session.token}` } });
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
// Outbox: a send is stored before it is tried, and tried again (same
// idempotency key, so never twice) until the service acknowledges it.

async function readOutbox() {
  const { outbox } = await api.storage.local.get('outbox');
  return outbox ?? [];
}

async function writeOutbox(outbox) {
  await api.storage.local.set({ outbox });
  broadcast({ type: 'outbox', outbox: outboxSummary(outbox) });
}

function outboxSummary(outbox) {
  return outbox.map(({ key, owner, path, json, lastError, attempts }) => ({ key, owner, path, json, lastError, attempts }));
}

function ownerOf(session) {
  return session?.me ? `${session.me.clinic.slug}:${session.me.id}` : null;
}

/** A 4xx other than these will never succeed on retry: give it back to the user. */
const RETRYABLE = new Set([0, 401, 408, 425, 429]);

async function attempt(item) {
  const res = await call('POST', item.path, { json: item.json });
  if (res.ok) return { done: true, res };
  if (RETRYABLE.has(res.status) || res.status >= 500) return { done: false, res };
  return { done: true, res };
}

let sending = null;

async function send({ path, json }) {
  const session = await getSession();
  const owner = ownerOf(session);
  if (!owner) return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  const item = { key: json?.message?.idempotency_key ?? json?.idempotency_key, owner, path, json, attempts: 0, createdAt: Date.now() };
  const outbox = await readOutbox();
  if (!outbox.some((o) => o.key === item.key && o.owner === owner)) await writeOutbox([...outbox, item]);
  const { done, res } = await attempt(item);
  await settle(item, done, res);
  return done ? res : { ...res, queued: true };
}

async function settle(item, done, res) {
  const outbox = await readOutbox();
  const rest = outbox.filter((o) => !(o.key === item.key && o.owner === item.owner));
  if (done) {
    await writeOutbox(rest);
    broadcast({ type: 'delivered', key: item.key, ok: res.ok, status: res.status, body: res.body });
  } else {
    const kept = outbox.find((o) => o.key === item.key && o.owner === item.owner) ?? item;
    await writeOutbox([...rest, { ...kept, attempts: (kept.attempts ?? 0) + 1, lastError: res.body?.message ?? `HTTP ${res.status}` }]);
    scheduleRetry();
  }
}

/** Tries every queued send of the signed-in user, oldest first, one at a time. */
function retryOutbox() {
  if (sending) return sending;
  sending = (async () => {
    try {
      const session = await getSession();
      const owner = ownerOf(session);
      if (!session?.token) return;
      for (const item of (await readOutbox()).filter((o) => o.owner === owner)) {
        const { done, res } = await attempt(item);
        await settle(item, done, res);
        if (!done && (res.network || res.status === 401)) break;
      }
    } finally {
      sending = null;
    }
  })();
  return sending;
}

function scheduleRetry() {
  // Chrome's alarms fire at most every 30 s; the stream reconnecting retries sooner.
  api.alarms?.create(RETRY_ALARM, { delayInMinutes: 0.5 });
}

api.alarms?.onAlarm.addListener((alarm) => {
  if (alarm.name === RETRY_ALARM) retryOutbox();
});

// ---------------------------------------------------------------------------
// Drafts

async function draftGet({ key }) {
  const session = await getSession();
  const { drafts } = await api.storage.local.get('drafts');
  return { ok: true, body: drafts?.[`${ownerOf(session)}|${key}`] ?? null };
}

async function draftSet({ key, draft }) {
  const session = await getSession();
  const owner = ownerOf(session);
  if (!owner) return { ok: false, status: 401 };
  const { drafts = {} } = await api.storage.local.get('drafts');
  const id = `${owner}|${key}`;
  if (draft && (draft.text || draft.attachments?.length)) drafts[id] = { ...draft, savedAt: Date.now() };
  else delete drafts[id];
  await api.storage.local.set({ drafts });
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Live stream: one server-sent-events connection while any Oscar tab is open.

const ports = new Set();
let stream = null;
// null while connecting or not started, then true/false.
let streamOnline = null;
let lastEventId = null;
let idleTimer = null;

function broadcast(msg) {
  for (const port of ports) {
    try {
      port.postMessage(msg);
    } catch (_) {
      ports.delete(port);
    }
  }
}

function stopStream() {
  stream?.abort();
  stream = null;
  streamOnline = null;
}

async function ensureStream() {
  if (stream || ports.size === 0) return;
  const session = await getSession();
  if (!session?.token || stream) return;
  const ctrl = new AbortController();
  stream = ctrl;
  runStream(session, ctrl).finally(() => {
    if (stream === ctrl) stream = null;
  });
}

async function runStream(session, ctrl) {
  let backoff = 1000;
  while (!ctrl.signal.aborted) {
    try {
      const headers = { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await fetch(`${session.serviceUrl}/api/stream`, { headers, signal: ctrl.signal, cache: 'no-store' });
      if (res.status === 401) {
        await expireSession();
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      backoff = 1000;
      streamOnline = true;
      broadcast({ type: 'connection', online: true });
      retryOutbox();
      await readEvents(res.body, ctrl);
    } catch (err) {
      if (ctrl.signal.aborted) return;
    }
    streamOnline = false;
    broadcast({ type: 'connection', online: false });
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 15000);
  }
}

async function readEvents(body, ctrl) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!ctrl.signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let id = null;
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (event !== 'update' || !data) continue;
      if (id) lastEventId = id;
      const update = JSON.parse(data);
      await api.storage.session?.set({ unread: update.unread });
      broadcast({ type: 'update', ...update });
    }
  }
}

api.runtime.onConnect.addListener(async (port) => {
  if (port.name !== 'cortico') return;
  ports.add(port);
  clearTimeout(idleTimer);
  port.onDisconnect.addListener(() => {
    ports.delete(port);
    if (ports.size === 0) idleTimer = setTimeout(() => ports.size === 0 && stopStream(), STREAM_IDLE_CLOSE_MS);
  });
  // Requests come over the port too (cheaper than a one-off message each);
  // pings every 20 s keep a Chrome service worker awake.
  port.onMessage.addListener((msg) => {
    if (typeof msg?.id !== 'number') return;
    answer(msg).then((result) => {
      try {
        port.postMessage({ type: 'reply', id: msg.id, result });
      } catch (_) {
        // The tab went away meanwhile.
      }
    });
  });
  const session = await getSession();
  const cached = (await api.storage.session?.get('unread'))?.unread;
  port.postMessage({
    type: 'hello',
    session: publicSession(session),
    unread: session?.token && typeof cached === 'number' ? cached : null,
    online: streamOnline,
    outbox: outboxSummary(await readOutbox()),
  });
  ensureStream();
});

// ---------------------------------------------------------------------------
// Requests from content scripts and the options page.

const handlers = {
  state: async () => ({ ok: true, body: { session: publicSession(await getSession()), serviceUrl: await serviceUrl() } }),
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
    await api.storage.local.set({ serviceUrl: url.replace(/\/+$/, '') });
    return { ok: true };
  },
};

/** Runs a request; never rejects. */
function answer(msg) {
  const handler = handlers[msg?.type];
  if (!handler) return Promise.resolve({ ok: false, status: 0, body: { code: 'internal', message: `unknown request ${msg?.type}` } });
  return Promise.resolve()
    .then(() => handler(msg))
    .catch((err) => ({ ok: false, status: 0, body: { code: 'internal', message: String(err?.message ?? err) } }));
}

api.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (!handlers[msg?.type]) return false;
  answer(msg).then(reply);
  return true; // answer asynchronously
});
