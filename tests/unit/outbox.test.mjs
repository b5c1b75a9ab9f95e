// The outbox and drafts (extension/outbox.js) with the service played by a
// function and extension storage by a Map: a send is kept until the service
// acknowledges it and retried with the same idempotency key, never given up
// on for a passing failure, given back for a refusal, and an account's
// sends and drafts are its own.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

const local = new Map();
const alarms = [];
globalThis.chrome = {
  storage: {
    local: {
      get: async (key) => (local.has(key) ? { [key]: structuredClone(local.get(key)) } : {}),
      set: async (items) => Object.entries(items).forEach(([k, v]) => local.set(k, structuredClone(v))),
    },
  },
  alarms: { create: (name) => alarms.push(name), onAlarm: { addListener: () => {} } },
};

const outbox = await import('../../extension/outbox.js');

const DOCTOR = { token: 't1', serviceUrl: 'https://messages.clinic.example', me: { id: 1, clinic: { slug: 'medicalclinic' } } };
const MOA = { token: 't2', serviceUrl: 'https://messages.clinic.example', me: { id: 2, clinic: { slug: 'medicalclinic' } } };

let session;
let answers;
let calls;
let broadcasts;

beforeEach(() => {
  local.clear();
  alarms.length = 0;
  session = DOCTOR;
  answers = [];
  calls = [];
  broadcasts = [];
  outbox.initOutbox({
    call: async (method, path, { json }) => {
      calls.push({ method, path, key: json.message.idempotency_key });
      return answers.shift() ?? { ok: true, status: 201, body: { id: calls.length } };
    },
    getSession: async () => session,
    broadcast: (msg) => broadcasts.push(msg),
    refused: (message) => ({ ok: false, status: 0, body: { code: 'refused', message } }),
  });
});

const message = (key, body = 'Your results are in.') => ({ path: '/api/conversations/7/messages', json: { message: { body, idempotency_key: key } } });
const offline = { ok: false, network: true, status: 0, body: { code: 'network', message: 'Failed to fetch' } };

describe('the outbox', () => {
  it('keeps a send the service did not acknowledge and delivers it once, with the same key', async () => {
    answers.push(offline);
    const first = await outbox.send(message('k-1'));
    assert.equal(first.queued, true, 'the panel is told it is queued');
    assert.equal((await outbox.readOutbox()).length, 1, 'kept before anything else');
    assert.deepEqual(alarms, ['cortico-outbox-retry'], 'a retry is scheduled');
    await outbox.retryOutbox();
    assert.deepEqual(calls.map((c) => c.key), ['k-1', 'k-1'], 'the retry carries the same idempotency key');
    assert.deepEqual(await outbox.readOutbox(), [], 'gone once acknowledged');
    assert.ok(broadcasts.some((b) => b.type === 'delivered' && b.key === 'k-1' && b.ok));
  });

  it('keeps trying after a 500, a 429 or an expired session, but gives back a refusal', async () => {
    for (const status of [500, 429, 401]) {
      answers.push({ ok: false, status, body: { message: `HTTP ${status}` } });
      assert.equal((await outbox.send(message(`k-${status}`))).queued, true, `${status} is worth retrying`);
    }
    answers.push({ ok: false, status: 400, body: { code: 'bad_request', message: 'The message is empty.' } });
    const refused = await outbox.send(message('k-400', ''));
    assert.equal(refused.queued, undefined);
    assert.equal(refused.status, 400, 'the refusal goes back to the panel');
    assert.deepEqual((await outbox.readOutbox()).map((o) => o.key), ['k-500', 'k-429', 'k-401']);
  });

  it('stops a retry round at the first network failure and keeps the order', async () => {
    answers.push(offline, offline);
    await outbox.send(message('a'));
    await outbox.send(message('b'));
    answers.push(offline);
    await outbox.retryOutbox();
    assert.deepEqual(calls.map((c) => c.key), ['a', 'b', 'a'], 'one try, then it waits');
    const kept = await outbox.readOutbox();
    assert.deepEqual(kept.map((o) => [o.key, o.attempts]), [['a', 2], ['b', 1]], 'still in the order they were written');
    await outbox.retryOutbox();
    assert.deepEqual(calls.map((c) => c.key).slice(3), ['a', 'b'], 'delivered oldest first');
  });

  it("shows and retries only the signed-in account's sends, and signing out forgets them", async () => {
    answers.push(offline);
    await outbox.send(message('doctor-1'));
    session = MOA;
    assert.deepEqual(outbox.outboxSummary(await outbox.readOutbox(), outbox.ownerOf(MOA)), [], "the MOA never sees the doctor's send");
    await outbox.retryOutbox();
    assert.equal(calls.length, 1, "the MOA's session never sends the doctor's message");
    await outbox.forget(outbox.ownerOf(DOCTOR));
    assert.deepEqual(await outbox.readOutbox(), []);
  });

  it('refuses a send while signed out and a path outside the service', async () => {
    session = null;
    assert.equal((await outbox.send(message('x'))).status, 401);
    session = DOCTOR;
    const res = await outbox.send({ path: '//evil.test/api/x', json: { message: { body: 'x', idempotency_key: 'y' } } });
    assert.equal(res.body.code, 'refused');
    assert.equal(calls.length, 0);
  });
});

describe('drafts', () => {
  it('belong to one account, and an empty draft is no draft', async () => {
    await outbox.draftSet({ key: 'c7', draft: { text: 'Private draft of the doctor' } });
    assert.equal((await outbox.draftGet({ key: 'c7' })).body.text, 'Private draft of the doctor');
    session = MOA;
    assert.equal((await outbox.draftGet({ key: 'c7' })).body, null, "the MOA never sees the doctor's draft");
    session = DOCTOR;
    await outbox.draftSet({ key: 'c7', draft: { text: '' } });
    assert.equal((await outbox.draftGet({ key: 'c7' })).body, null);
  });

  it('go when their account signs out', async () => {
    await outbox.draftSet({ key: 'c7', draft: { text: 'a' } });
    session = MOA;
    await outbox.draftSet({ key: 'c7', draft: { text: 'b' } });
    await outbox.forget(outbox.ownerOf(DOCTOR));
    assert.equal((await outbox.draftGet({ key: 'c7' })).body.text, 'b', "the MOA's draft stays");
    session = DOCTOR;
    assert.equal((await outbox.draftGet({ key: 'c7' })).body, null);
  });
});
