// The link between a tab's content script and its extension frame
// (extension/frames.js), with the browser's ports and session storage
// played by plain objects: only the frame that presents the tab's nonce gets
// the page, once; what the content script tells it is kept until it listens;
// and a restarted background (Chrome stops idle service workers) still knows
// which frame holds the claim.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

const session = new Map();
const removed = [];
globalThis.chrome = {
  storage: {
    session: {
      get: async (key) => (session.has(key) ? { [key]: session.get(key) } : {}),
      set: async (items) => Object.entries(items).forEach(([k, v]) => session.set(k, v)),
      remove: async (key) => session.delete(key),
    },
  },
  tabs: { onRemoved: { addListener: (fn) => removed.push(fn) } },
};

/** A fresh copy of the module: a background that just started. */
let starts = 0;
const startBackground = () => import(`../../extension/frames.js?start=${++starts}`);

/** A port as the background sees it: what it was sent, and a way to send it something. */
function port(tabId, frameId) {
  const listeners = { message: [], disconnect: [] };
  return {
    sender: { tab: { id: tabId }, frameId },
    sent: [],
    disconnected: false,
    postMessage(msg) {
      this.sent.push(msg);
    },
    disconnect() {
      this.disconnected = true;
    },
    onMessage: { addListener: (fn) => listeners.message.push(fn) },
    onDisconnect: { addListener: (fn) => listeners.disconnect.push(fn) },
    receive: (msg) => listeners.message.forEach((fn) => fn(msg)),
    close: () => listeners.disconnect.forEach((fn) => fn()),
  };
}

const NONCE = 'a'.repeat(48);
const settle = () => new Promise((r) => setTimeout(r, 10));
const register = (nonce = NONCE) => ({
  type: 'register',
  nonce,
  role: 'panel',
  url: 'https://emr.clinic.example/oscar/provider/providercontrol.jsp',
  html: '<html></html>',
  kind: 'schedule',
  open: 'messages',
  viewport: { width: 1280, height: 900 },
});

describe("a tab's extension frame", () => {
  it('gets the page once, with the right nonce, and hears what the content script said before it listened', async () => {
    const frames = await startBackground();
    const page = port(7, 0);
    frames.onPagePort(page);
    page.receive(register());
    page.receive({ type: 'toFrame', event: { type: 'show', what: 'menu' } });
    await settle();

    assert.equal(await frames.claimFrame({ nonce: 'b'.repeat(48) }, { tab: { id: 7 }, frameId: 3 }), null, 'a wrong nonce gets nothing');
    assert.equal(await frames.claimFrame({ nonce: NONCE }, { tab: { id: 8 }, frameId: 3 }), null, 'another tab gets nothing');
    const context = await frames.claimFrame({ nonce: NONCE }, { tab: { id: 7 }, frameId: 3 });
    assert.equal(context.url, register().url);
    assert.equal(context.open, 'messages');
    assert.equal(await frames.claimFrame({ nonce: NONCE }, { tab: { id: 7 }, frameId: 4 }), null, 'only once');
    assert.equal(await frames.frameKind({ tab: { id: 7 }, frameId: 3 }), 'frame');
    assert.equal(await frames.frameKind({ tab: { id: 7 }, frameId: 4 }), 'unclaimed-frame');

    const framePort = port(7, 3);
    await frames.onFramePort(framePort);
    assert.deepEqual(framePort.sent, [{ type: 'show', what: 'menu' }]);
    await frames.frameEvent({ event: { type: 'opened' } }, { tab: { id: 7 }, frameId: 3 });
    assert.deepEqual(page.sent, [{ type: 'opened' }]);

    const intruder = port(7, 4);
    await frames.onFramePort(intruder);
    assert.equal(intruder.disconnected, true, "another frame cannot listen in on the tab's channel");
  });

  it('keeps its claim when the background restarts, and loses it when the page goes', async () => {
    const first = await startBackground();
    first.onPagePort(port(9, 0));
    const page = port(9, 0);
    first.onPagePort(page);
    page.receive(register());
    await settle();
    assert.ok(await first.claimFrame({ nonce: NONCE }, { tab: { id: 9 }, frameId: 5 }));

    // A new background: nothing in memory, the claim in session storage.
    const second = await startBackground();
    assert.equal(await second.frameKind({ tab: { id: 9 }, frameId: 5 }), 'frame');
    assert.equal(await second.frameKind({ tab: { id: 9 }, frameId: 6 }), 'unclaimed-frame');
    assert.equal(await second.claimFrame({ nonce: NONCE }, { tab: { id: 9 }, frameId: 6 }), null, 'the spent nonce stays spent');
    // What the frame says before the content script reconnects reaches it after.
    await second.frameEvent({ event: { type: 'closed' } }, { tab: { id: 9 }, frameId: 5 });
    const again = port(9, 0);
    second.onPagePort(again);
    again.receive(register());
    await settle();
    assert.deepEqual(again.sent, [{ type: 'closed' }]);
    assert.equal(await second.frameKind({ tab: { id: 9 }, frameId: 5 }), 'frame', 'the same nonce keeps the claim');

    again.close();
    await settle();
    assert.equal(await second.frameKind({ tab: { id: 9 }, frameId: 5 }), 'unclaimed-frame', 'gone with its page');
    assert.equal(session.has('frame:9'), false);
  });

  it('refuses a registration that is not well formed', async () => {
    const frames = await startBackground();
    const page = port(11, 0);
    frames.onPagePort(page);
    page.receive({ ...register(), nonce: 'short' });
    await settle();
    assert.equal(await frames.claimFrame({ nonce: 'short' }, { tab: { id: 11 }, frameId: 1 }), null);
  });
});
