// A page that is not the clinic's Oscar gets nothing of the plug-in, and a
// script on the clinic's Oscar cannot get into it, in real Chromium and
// Firefox: a look-alike on another origin copies Oscar's
// schedule at an Oscar-like path, looks for the plug-in's host and clicks it,
// listens to every key, and frames the extension's ui.html with a made-up
// e-chart context. The staff member is signed in meanwhile. Every request
// with the token is counted at a proxy in front of the service: during the
// attack there must be none, and the page must learn nothing.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { BROWSERS, launch } from './support/browsers.mjs';
import { startService, startOscarSim } from './support/servers.mjs';

/** A proxy in front of the service that counts requests carrying the token. */
async function countingProxy(target) {
  const upstream = new URL(target);
  const seen = [];
  const server = http.createServer((req, res) => {
    if (req.headers.authorization) seen.push(`${req.method} ${req.url}`);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, stop: () => server.close() };
}

/** The hostile site: a copy of Oscar's schedule, and a script that attacks. */
async function hostileSite(scheduleHtml) {
  const attack = `<script>
    window.__evil = { keys: '', messages: [], hostSeen: false, shadowSeen: false };
    document.addEventListener('keydown', (e) => { window.__evil.keys += e.key; }, true);
    window.addEventListener('message', (e) => window.__evil.messages.push(JSON.stringify(e.data)));
    setInterval(() => {
      const host = document.getElementById('cortico-plugin-host');
      if (!host) return;
      window.__evil.hostSeen = true;
      if (host.shadowRoot) window.__evil.shadowSeen = true;
      host.shadowRoot?.querySelector('.logo')?.click();
      host.shadowRoot?.querySelector('.envelope')?.click();
    }, 100);
    const ext = new URLSearchParams(location.search).get('ext');
    const frame = document.createElement('iframe');
    frame.src = ext + '/ui.html';
    frame.addEventListener('load', () => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (e) => window.__evil.messages.push(JSON.stringify(e.data));
      const url = location.origin + '/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001';
      frame.contentWindow.postMessage({ type: 'cortico-start', url, html: document.documentElement.outerHTML }, '*', [channel.port2]);
    });
    document.addEventListener('DOMContentLoaded', () => document.body.append(frame));
  </script>`;
  const page = scheduleHtml.replace(/<head[^>]*>/i, (head) => `${head}${attack}`);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, stop: () => server.close() };
}

for (const browserName of BROWSERS) {
  describe(`a look-alike of Oscar in ${browserName}`, () => {
    let sim;
    let service;
    let proxy;
    let evil;
    let browser;
    let oscar;

    before(async () => {
      [sim, service] = await Promise.all([startOscarSim({ variant: 'classic' }), startService()]);
      proxy = await countingProxy(service.url);
      const schedulePath = '/oscar/provider/providercontrol.jsp';
      evil = await hostileSite(await (await fetch(`${sim.url}${schedulePath}`)).text());
      browser = await launch(browserName, { serviceUrl: proxy.url, oscar: [sim.url] });
      // The real Oscar tab, signed in: the session the look-alike would like to use.
      oscar = await browser.newTab();
      await oscar.goto(`${sim.url}${schedulePath}`);
      await oscar.waitForLogo();
      await oscar.click('.logo');
      await oscar.click('.menu-item[data-action="sign-in"]');
      await oscar.fill('input[name=clinic]', 'medicalclinic');
      await oscar.fill('input[name=email]', service.doctor.email);
      await oscar.fill('input[name=password]', service.doctor.password);
      await oscar.click('button[type=submit]');
      await oscar.waitForMatch('.toast', /signed in to Cortico/);
    });

    after(async () => {
      await browser?.close();
      proxy?.stop();
      evil?.stop();
      await Promise.all([sim, service].map((s) => s?.stop()));
    });

    // A script on the clinic's own Oscar (an injected script, a hostile
    // browser add-on, a cross-site scripting bug in Oscar) watches every key
    // and looks for the plug-in, while the doctor signs in again through
    // the plug-in and opens the panel.
    it("gives a script on Oscar's own page no way into the panel, the sign-in form or the keys typed there", async () => {
      const tab = await browser.newTab();
      try {
        await tab.goto(`${sim.url}/oscar/casemgmt/forward.jsp?action=view&demographicNo=1001`);
        await tab.waitForLogo();
        await tab.evaluate(() => {
          window.__spy = { keys: '', synthetic: 0 };
          document.addEventListener('keydown', (e) => { window.__spy.keys += e.key; }, true);
          window.addEventListener('keydown', (e) => { window.__spy.keys += e.key; }, true);
        });
        // The page can see that a host is there, but not into it; its own clicks do nothing.
        const probe = await tab.evaluate(async () => {
          const host = document.getElementById('cortico-plugin-host');
          const r = host.getBoundingClientRect();
          for (const el of [host, document.elementFromPoint(r.x + 20, r.bottom - 20)]) {
            el.click();
            el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, clientX: r.x + 20, clientY: r.bottom - 20 }));
          }
          await new Promise((done) => setTimeout(done, 1500));
          return { shadowRoot: host.shadowRoot === null ? null : 'open', frames: window.frames.length };
        });
        assert.deepEqual(probe, { shadowRoot: null, frames: 0 }, 'a closed launcher');
        assert.equal(await tab.extensionFrame(), null, "the page's clicks opened nothing");
        assert.equal(await tab.count('.menu'), 0);

        // The doctor signs out and in again, typing the password into the plug-in.
        await tab.click('.logo');
        await tab.click('.menu-item[data-action="sign-out"]');
        await tab.waitInLauncher((root) => root.querySelector('.envelope')?.hidden === true, null, { message: 'signed out' });
        await tab.click('.logo');
        await tab.click('.menu-item[data-action="sign-in"]');
        await tab.fill('input[name=clinic]', 'medicalclinic');
        await tab.fill('input[name=email]', service.doctor.email);
        await tab.fill('input[name=password]', service.doctor.password);
        await tab.press('Enter');
        await tab.waitForMatch('.toast', /signed in to Cortico/);
        await tab.click('.envelope');
        await tab.waitForText('.tabs');

        const spied = await tab.evaluate(() => {
          let read = null;
          for (const frame of [...Array(window.frames.length).keys()].map((i) => window.frames[i])) {
            try {
              read = frame.document.body.innerHTML;
            } catch (_) {
              // Another origin: the browser refuses.
            }
          }
          return { keys: window.__spy.keys, frames: window.frames.length + document.querySelectorAll('iframe').length, read, text: document.body.innerText };
        });
        // Inside the closed root, the panel's frame is not even among the page's frames.
        assert.equal(spied.frames, 0, 'the page finds no frame of the plug-in');
        assert.equal(spied.read, null, 'the page cannot read the panel');
        assert.equal(spied.keys, '', 'not one key typed into the plug-in reached the page');
        assert.ok(!spied.text.includes(service.doctor.email), 'the page shows nothing of the sign-in');
      } finally {
        await tab.close();
      }
    });

    // Another host (no content script is registered there in either browser),
    // and the Oscar's own host on another port (Firefox's patterns cannot tell
    // ports apart, so there the background refuses it).
    for (const host of ['localhost', '127.0.0.1']) {
      it(`gets no plug-in, no session and no keystroke at ${host} with an Oscar path`, async () => {
        assert.ok(proxy.seen.length > 0, 'the signed-in plug-in does talk to the service on the real Oscar');
        // Let the real tab finish what signing in started (lists, schedule, stream).
        let before = -1;
        while (before !== proxy.seen.length) {
          before = proxy.seen.length;
          await new Promise((r) => setTimeout(r, 1500));
        }
        const tab = await browser.newTab();
        try {
          const ext = await browser.extensionBase();
          await tab.goto(`http://${host}:${evil.port}/evil/oscar/provider/providercontrol.jsp?ext=${encodeURIComponent(ext)}`);
          // Where staff would type a password if the plug-in's form were here.
          await tab.evaluate(() => document.body.focus());
          await tab.press('a');
          await tab.page.keyboard.type('secret');
          await new Promise((r) => setTimeout(r, 3000));
          const seen = await tab.evaluate(() => window.__evil);
          assert.equal(seen.hostSeen, false, 'no plug-in host on the page');
          assert.deepEqual(seen.messages, [], 'the framed ui.html answered nothing');
          assert.equal(seen.keys, 'asecret', 'the page hears its own keys only');
          assert.deepEqual(proxy.seen.slice(before), [], 'no request with the token while the look-alike was open');
        } finally {
          await tab.close();
        }
        // The real Oscar tab still works.
        assert.equal((await oscar.host()).count, 1);
      });
    }
  });
}
