// The plug-in's trust rules (extension/trust.js), as the background applies
// them: the token goes to the service's own /api/ only, Oscar and service
// addresses are https or this computer, and only the contexts named may ask.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeOrigins, contentMatches, frameContextOf, launcherRequest, senderKind, serviceAddress, trustedOrigin } from '../../extension/trust.js';

const SERVICE = 'https://messages.clinic.example';

describe('the token goes to the service only', () => {
  it('builds service addresses from /api/ paths', () => {
    assert.equal(serviceAddress(SERVICE, '/api/unread'), `${SERVICE}/api/unread`);
    assert.equal(serviceAddress(SERVICE, '/api/attachments?name=a%20b.pdf'), `${SERVICE}/api/attachments?name=a%20b.pdf`);
  });

  it('refuses anything that could reach another host or leave /api/', () => {
    for (const path of ['.evil.test/x', '@evil.test/api/x', '//evil.test/api/x', 'https://evil.test/api/x', '/api/..%2f..', '/portal/x', '/api\\..\\x', '/api/ x', '', null, 42]) {
      const address = serviceAddress(SERVICE, path);
      assert.ok(address === null || new URL(address).origin === SERVICE && new URL(address).pathname.startsWith('/api/'), `${path} -> ${address}`);
    }
    assert.equal(serviceAddress(SERVICE, '.evil.test/x'), null);
    assert.equal(serviceAddress(SERVICE, '//evil.test/api/x'), null);
    assert.equal(serviceAddress(SERVICE, 'https://evil.test/api/x'), null);
  });
});

describe('trusted addresses', () => {
  it('are https, or plain http on this computer only, without a path', () => {
    assert.equal(trustedOrigin('https://Messages.Clinic.example/'), SERVICE);
    assert.equal(trustedOrigin('http://127.0.0.1:8470'), 'http://127.0.0.1:8470');
    assert.equal(trustedOrigin('http://localhost:8470'), 'http://localhost:8470');
    for (const bad of ['http://messages.clinic.example', 'http://localhost.evil.test', 'http://127.0.0.1.evil.test', 'https://a.example/path', 'https://u:p@a.example', 'javascript:alert(1)', 'ftp://a.example', '', undefined]) {
      assert.equal(trustedOrigin(bad), null, String(bad));
    }
  });
});

describe('where the plug-in runs', () => {
  it('on the clinic-managed origins once there are any, else on the sites turned on', () => {
    const sites = ['https://emr.turned-on.example'];
    assert.deepEqual(activeOrigins({ sites }), sites);
    assert.deepEqual(activeOrigins({ clinic: ['https://emr.clinic.example'], sites }), ['https://emr.clinic.example']);
    assert.deepEqual(activeOrigins({ packaged: ['https://emr.it.example/'], sites }), ['https://emr.it.example']);
    assert.deepEqual(activeOrigins({ clinic: ['http://evil.example'], sites: [] }), []);
  });

  it('registers Oscar page patterns for those origins only', () => {
    const withPort = contentMatches(['http://127.0.0.1:8480'], { withPort: true });
    assert.ok(withPort.includes('http://127.0.0.1:8480/*providercontrol.jsp*'), withPort);
    const noPort = contentMatches(['https://emr.clinic.example:8443'], { withPort: false });
    assert.ok(noPort.every((p) => p.startsWith('https://emr.clinic.example/')), noPort);
  });
});

describe('who may ask the background', () => {
  const ctx = { extensionId: 'ext', active: ['https://emr.clinic.example'] };
  it('a content script in the top frame of an active origin', () => {
    assert.equal(senderKind({ id: 'ext', url: 'https://emr.clinic.example/oscar/provider/providercontrol.jsp', frameId: 0 }, ctx), 'content');
    assert.equal(senderKind({ id: 'ext', origin: 'https://emr.clinic.example', url: 'https://emr.clinic.example/x', frameId: 0 }, ctx), 'content');
  });
  it('never one on another origin, in a subframe, or from another extension', () => {
    assert.equal(senderKind({ id: 'ext', url: 'https://emr.clinic.example.evil.test/oscar/provider/providercontrol.jsp', frameId: 0 }, ctx), null);
    assert.equal(senderKind({ id: 'ext', url: 'https://emr.clinic.example:444/x', frameId: 0 }, ctx), null);
    assert.equal(senderKind({ id: 'ext', url: 'https://emr.clinic.example/x', frameId: 3 }, ctx), null);
    assert.equal(senderKind({ id: 'other', url: 'https://emr.clinic.example/x', frameId: 0 }, ctx), null);
  });
  it('the extension frame only inside a tab, and the extension pages', () => {
    assert.equal(senderKind({ id: 'ext', url: 'chrome-extension://ext/ui.html#n', tab: { id: 1 }, frameId: 5 }, ctx), 'frame');
    assert.equal(senderKind({ id: 'ext', url: 'moz-extension://u/ui.html', frameId: 0 }, ctx), null);
    assert.equal(senderKind({ id: 'ext', url: 'chrome-extension://ext/options.html', tab: { id: 1 }, frameId: 0 }, ctx), 'extension');
  });
});

describe('the launcher in the page may only read its numbers', () => {
  it('reads the badge and the schedule counts', () => {
    assert.ok(launcherRequest({ type: 'activate' }));
    assert.ok(launcherRequest({ type: 'api', method: 'GET', path: '/api/unread' }));
    assert.ok(launcherRequest({ type: 'api', method: 'GET', path: '/api/schedule?date=2026-12-05&provider=101' }));
  });
  it('cannot sign in, list, send, upload or download', () => {
    for (const type of ['signIn', 'signOut', 'send', 'upload', 'download', 'draftGet', 'draftSet', 'retry', 'state']) {
      assert.equal(launcherRequest({ type }), false, type);
    }
    assert.equal(launcherRequest({ type: 'api', method: 'GET', path: '/api/conversations?view=triage' }), false);
    assert.equal(launcherRequest({ type: 'api', method: 'POST', path: '/api/unread' }), false);
    assert.equal(launcherRequest({ type: 'api', method: 'GET', path: '/api/unread/../conversations' }), false);
    assert.equal(launcherRequest({ type: 'api', method: 'GET', path: '/api/schedule/../me' }), false);
  });
});

describe('what a content script registers for its frame', () => {
  const good = { nonce: 'a'.repeat(48), url: 'https://emr.clinic.example/oscar/x', html: '<html></html>', role: 'panel', open: 'menu', viewport: { width: 1280.4, height: 900 } };
  it('keeps the well-formed fields', () => {
    assert.deepEqual(frameContextOf(good), { url: good.url, html: good.html, role: 'panel', kind: 'schedule', open: 'menu', viewport: { width: 1280, height: 900 } });
  });
  it('refuses a short nonce, an unknown role or a missing page', () => {
    assert.equal(frameContextOf({ ...good, nonce: 'short' }), null);
    assert.equal(frameContextOf({ ...good, role: 'admin' }), null);
    assert.equal(frameContextOf({ ...good, html: undefined }), null);
  });
  it('drops what it does not know', () => {
    const c = frameContextOf({ ...good, open: 'javascript:alert(1)', viewport: { width: -1, height: 'x' } });
    assert.equal(c.open, null);
    assert.deepEqual(c.viewport, { width: null, height: null });
  });
});
