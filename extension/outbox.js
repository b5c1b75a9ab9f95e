// The outbox and drafts of the signed-in account. A send is stored before
// it is tried, and tried again (same idempotency key, so never twice) until
// the service acknowledges it; drafts keep unsent text per conversation.
// Both belong to one account of one clinic (its "owner" key): another
// account on this browser never sees them, and signing out forgets them.
import { serviceAddress } from './trust.js';

const api = globalThis.browser ?? globalThis.chrome;
const RETRY_ALARM = 'cortico-outbox-retry';

// What the background lends: call(method, path, opts), getSession(),
// broadcast(msg) and refused(message).
let deps;
export function initOutbox(lent) {
  deps = lent;
}

export async function readOutbox() {
  const { outbox } = await api.storage.local.get('outbox');
  return outbox ?? [];
}

async function writeOutbox(outbox) {
  await api.storage.local.set({ outbox });
  deps.broadcast({ type: 'outbox', outbox: outboxSummary(outbox, ownerOf(await deps.getSession())) });
}

/** The signed-in account's own queued sends: another account on this browser never sees them. */
export function outboxSummary(outbox, owner) {
  return outbox
    .filter((o) => owner && o.owner === owner)
    .map(({ key, owner, path, json, lastError, attempts }) => ({ key, owner, path, json, lastError, attempts }));
}

export function ownerOf(session) {
  return session?.me ? `${session.me.clinic.slug}:${session.me.id}` : null;
}

/** A 4xx other than these will never succeed on retry: give it back to the user. */
const RETRYABLE = new Set([0, 401, 408, 425, 429]);

async function attempt(item) {
  const res = await deps.call('POST', item.path, { json: item.json });
  if (res.ok) return { done: true, res };
  if (RETRYABLE.has(res.status) || res.status >= 500) return { done: false, res };
  return { done: true, res };
}

let sending = null;

export async function send({ path, json }) {
  const session = await deps.getSession();
  const owner = ownerOf(session);
  if (!owner) return { ok: false, status: 401, body: { code: 'unauthorized', message: 'Sign in first.' } };
  if (!serviceAddress(session.serviceUrl, path)) return deps.refused('Not a request to the Cortico service.');
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
    deps.broadcast({ type: 'delivered', key: item.key, ok: res.ok, status: res.status, body: res.body });
  } else {
    // Updated in its place: sends go out in the order they were written.
    const same = (o) => o.key === item.key && o.owner === item.owner;
    const tried = (o) => ({ ...o, attempts: (o.attempts ?? 0) + 1, lastError: res.body?.message ?? `HTTP ${res.status}` });
    await writeOutbox(outbox.some(same) ? outbox.map((o) => (same(o) ? tried(o) : o)) : [...outbox, tried(item)]);
    scheduleRetry();
  }
}

/** Tries every queued send of the signed-in user, oldest first, one at a time. */
export function retryOutbox() {
  if (sending) return sending;
  sending = (async () => {
    try {
      const session = await deps.getSession();
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

export async function draftGet({ key }) {
  const session = await deps.getSession();
  const { drafts } = await api.storage.local.get('drafts');
  return { ok: true, body: drafts?.[`${ownerOf(session)}|${key}`] ?? null };
}

export async function draftSet({ key, draft }) {
  const session = await deps.getSession();
  const owner = ownerOf(session);
  if (!owner) return { ok: false, status: 401 };
  const { drafts = {} } = await api.storage.local.get('drafts');
  const id = `${owner}|${key}`;
  if (draft && (draft.text || draft.attachments?.length)) drafts[id] = { ...draft, savedAt: Date.now() };
  else delete drafts[id];
  await api.storage.local.set({ drafts });
  return { ok: true };
}

/** Signing out leaves nothing of the account behind: its drafts and unsent messages go too. */
export async function forget(owner) {
  if (!owner) return;
  const { drafts = {} } = await api.storage.local.get('drafts');
  for (const key of Object.keys(drafts)) if (key.startsWith(`${owner}|`)) delete drafts[key];
  await api.storage.local.set({ drafts });
  await writeOutbox((await readOutbox()).filter((o) => o.owner !== owner));
}
