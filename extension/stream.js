// The live stream: one server-sent-events connection to the service while
// any Oscar tab is open (its ports are the ones listening), reconnecting
// with back-off and resuming from the last event id. Updates go to every
// listening port; the last badge number is kept in session storage so a
// refreshed page shows it at once.
import { eventStreamParser } from './sse.js';
import { serviceAddress } from './trust.js';

const api = globalThis.browser ?? globalThis.chrome;
const IDLE_CLOSE_MS = 30000;

// What the background lends: getSession(), expireSession(), and online()
// (called each time the stream connects: retry the outbox, refresh origins).
let deps;
export function initStream(lent) {
  deps = lent;
}

const ports = new Set();
let stream = null;
// null while connecting or not started, then true/false.
let online = null;
let lastEventId = null;
// The first wait before reconnecting; the stream's `retry:` may set it.
let reconnectMs = 1000;
let idleTimer = null;

/** Whether the stream is connected (null while connecting or not started). */
export const streamOnline = () => online;

/** A port that hears every update; the stream closes 30 s after the last one goes. */
export function listen(port) {
  ports.add(port);
  clearTimeout(idleTimer);
  port.onDisconnect.addListener(() => {
    ports.delete(port);
    if (ports.size === 0) idleTimer = setTimeout(() => ports.size === 0 && stopStream(), IDLE_CLOSE_MS);
  });
}

export function broadcast(msg) {
  for (const port of ports) {
    try {
      port.postMessage(msg);
    } catch (_) {
      ports.delete(port);
    }
  }
}

export function stopStream() {
  stream?.abort();
  stream = null;
  online = null;
}

export async function ensureStream() {
  if (stream || ports.size === 0) return;
  const session = await deps.getSession();
  if (!session?.token || stream) return;
  const ctrl = new AbortController();
  stream = ctrl;
  runStream(session, ctrl).finally(() => {
    if (stream === ctrl) stream = null;
  });
}

async function runStream(session, ctrl) {
  let backoff = reconnectMs;
  while (!ctrl.signal.aborted) {
    try {
      const headers = { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const res = await fetch(serviceAddress(session.serviceUrl, '/api/stream'), { headers, signal: ctrl.signal, cache: 'no-store', redirect: 'error' });
      if (res.status === 401) {
        await deps.expireSession();
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      backoff = reconnectMs;
      online = true;
      broadcast({ type: 'connection', online: true });
      deps.online();
      await readEvents(res.body, ctrl);
    } catch (err) {
      if (ctrl.signal.aborted) return;
    }
    online = false;
    broadcast({ type: 'connection', online: false });
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 15000);
  }
}

async function readEvents(body, ctrl) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parse = eventStreamParser({ onRetry: (ms) => (reconnectMs = ms) });
  while (!ctrl.signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    for (const event of parse(value)) {
      if (event.id) lastEventId = event.id;
      if (event.type !== 'update' || !event.data) continue;
      let update;
      try {
        update = JSON.parse(event.data);
      } catch (_) {
        continue; // Not ours to understand; the next update carries the whole state again.
      }
      await api.storage.session?.set({ unread: update.unread });
      broadcast({ type: 'update', ...update });
    }
  }
}
