// A browser tab with an Oscar page and the plug-in on it, in either browser.

/** The plug-in's host element in the page (and in its extension frame). */
export const HOST = '#cortico-plugin-host';

// The plug-in shows in two places. The launcher (logo, badge, envelope) is in
// the page, in a closed shadow root no page script can reach: tests reach it
// as only the browser's own automation can (Chrome DevTools Protocol in
// Chromium, WebDriver BiDi in Firefox). The panel, the sign-in form and the
// composer are in the extension frame (ui.html, the extension's origin),
// inside its host's shadow root. On pages whose CSP forbids WebAssembly the
// launcher is in that frame too (the host's `data-mode` is "frame").
const LAUNCHER = /^\s*\.(logo|envelope|badge|launcher|warning-dot|load-error)\b/;

/** Where `inner` lives: 'launcher' or 'panel'. */
const placeOf = (inner) => (LAUNCHER.test(inner) ? 'launcher' : 'panel');

/** A browser tab showing an Oscar page. */
export class Tab {
  constructor(browser, page) {
    this.browser = browser;
    this.page = page;
    this.frame = null;
    // E2E_CONSOLE=1 shows what the page and the plug-in print (debugging).
    if (process.env.E2E_CONSOLE) {
      page.on('console', (m) => console.error(`[${browser.name} console] ${typeof m.text === 'function' ? m.text() : m}`));
      page.on('pageerror', (e) => console.error(`[${browser.name} error] ${e.message ?? e}`));
    }
  }

  /** Brings the tab to the front, as the user looking at it. */
  async focus() {
    await this.page.bringToFront();
  }

  async goto(url) {
    await this.page.goto(url, { waitUntil: 'load' });
  }

  async reload() {
    await this.page.reload({ waitUntil: 'load' });
  }

  /** Runs `fn(arg)` in the page. */
  evaluate(fn, arg) {
    return this.page.evaluate(fn, arg);
  }

  /** Polls `fn(arg)` in the page until it returns a truthy value. */
  async waitFor(fn, arg, opts) {
    return poll(() => this.page.evaluate(fn, arg), opts);
  }

  /**
   * Runs `fn(root, arg)` with the closed shadow root of the page's host
   * (null when there is no host). `fn` must be self-contained; its result
   * must be JSON.
   */
  async inClosedRoot(fn, arg) {
    const source = fn.toString();
    if (this.browser.name === 'chromium') {
      this.cdp ??= await this.page.context().newCDPSession(this.page);
      const group = 'cortico-e2e';
      try {
        const { result } = await this.cdp.send('Runtime.evaluate', { expression: `document.getElementById('cortico-plugin-host')`, objectGroup: group });
        if (!result.objectId) return null;
        const { node } = await this.cdp.send('DOM.describeNode', { objectId: result.objectId, pierce: true, depth: 1 });
        const shadow = node.shadowRoots?.[0];
        if (!shadow) return null;
        const { object } = await this.cdp.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId, objectGroup: group });
        const answer = await this.cdp.send('Runtime.callFunctionOn', {
          functionDeclaration: `function (arg) { return (${source})(this, arg); }`,
          objectId: object.objectId,
          arguments: [{ value: arg ?? null }],
          returnByValue: true,
          awaitPromise: true,
        });
        if (answer.exceptionDetails) throw new Error(answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text);
        return answer.result.value ?? null;
      } finally {
        await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => {});
      }
    }
    const context = this.page.mainFrame().browsingContext;
    const session = context.userContext.browser.session;
    const call = (functionDeclaration, args, serializationOptions) =>
      session.send('script.callFunction', {
        functionDeclaration,
        awaitPromise: true,
        target: { context: context.id },
        arguments: args,
        resultOwnership: 'none',
        ...(serializationOptions ? { serializationOptions } : {}),
      });
    const host = (await call(`() => document.getElementById('cortico-plugin-host')`, [], { includeShadowTree: 'all', maxDomDepth: 1 })).result;
    if (host.type === 'exception') throw new Error(host.exceptionDetails.text);
    const shadow = host.result?.value?.shadowRoot;
    if (!shadow?.sharedId) return null;
    const answer = (await call(`async (root, arg) => JSON.stringify((await (${source})(root, JSON.parse(arg))) ?? null)`, [
      { sharedId: shadow.sharedId },
      { type: 'string', value: JSON.stringify(arg ?? null) },
    ])).result;
    if (answer.type === 'exception') throw new Error(answer.exceptionDetails.text);
    return JSON.parse(answer.result.value);
  }

  /** The extension frame (ui.html) on this page, or null. */
  async extensionFrame() {
    const detached = (f) => (typeof f.isDetached === 'function' ? f.isDetached() : f.detached);
    if (this.frame && !detached(this.frame)) return this.frame;
    this.frame = null;
    for (const f of this.page.frames()) {
      if (f === this.page.mainFrame()) continue;
      const url = this.browser.name === 'chromium' ? f.url() : await f.evaluate(() => location.href).catch(() => '');
      if (/^(chrome|moz)-extension:\/\/[^/]+\/ui\.html/.test(url)) this.frame = f;
    }
    return this.frame;
  }

  /** Runs `fn(root, arg)` with the open shadow root of the extension frame's host. */
  async inFrameRoot(fn, arg) {
    const frame = await this.extensionFrame();
    if (!frame) return null;
    const expression = `(async () => {
      const root = document.getElementById('cortico-plugin-host')?.shadowRoot;
      return root ? JSON.stringify((await (${fn.toString()})(root, ${JSON.stringify(arg ?? null)})) ?? null) : 'null';
    })()`;
    return JSON.parse(await frame.evaluate(expression));
  }

  /** Whether the launcher is in the extension frame (pages whose CSP forbids WebAssembly). */
  async launcherInFrame() {
    return (await this.page.evaluate(() => document.getElementById('cortico-plugin-host')?.dataset.mode ?? null)) === 'frame';
  }

  /** Runs `fn(root, arg)` in the launcher's shadow root. */
  async launcher(fn, arg) {
    return (await this.launcherInFrame()) ? this.inFrameRoot(fn, arg) : this.inClosedRoot(fn, arg);
  }

  /** Runs `fn(root, arg)` in the panel's shadow root (null while it never opened). */
  panel(fn, arg) {
    return this.inFrameRoot(fn, arg);
  }

  /** Runs `fn(root, arg)` where `inner` lives. */
  in(inner, fn, arg) {
    return placeOf(inner) === 'launcher' ? this.launcher(fn, arg) : this.panel(fn, arg);
  }

  /** Polls `fn(root, arg)` in the launcher until truthy. */
  waitInLauncher(fn, arg, opts) {
    return poll(() => this.launcher(fn, arg), opts);
  }

  /** Polls `fn(root, arg)` in the panel until truthy. */
  waitInPanel(fn, arg, opts) {
    return poll(() => this.panel(fn, arg), opts);
  }

  /** The centre of `inner` on the screen, once it is visible. */
  async pointOf(inner) {
    const place = placeOf(inner);
    const inFrame = place === 'panel' || (await this.launcherInFrame());
    const frameBox = () => this.inClosedRoot((root) => {
      const r = root.querySelector('iframe')?.getBoundingClientRect();
      return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
    });
    let previous = null;
    return poll(async () => {
      const before = inFrame ? await frameBox() : { x: 0, y: 0 };
      if (!before) return null;
      const box = await this.in(inner, (root, inner) => {
        const el = root.querySelector(inner);
        if (!el) return null;
        // As a user would scroll to it inside the panel first.
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
      }, inner);
      if (!box) return null;
      if (!inFrame) return box;
      // The frame resizes to what it shows: click once it has, and the
      // element stayed where it was since the last look.
      const after = await frameBox();
      const settled = after && after.width === before.width && after.height === before.height;
      const inside = box.x < before.width && box.y < before.height;
      const point = { x: before.x + box.x, y: before.y + box.y };
      const same = previous && previous.x === point.x && previous.y === point.y;
      previous = settled && inside ? point : null;
      return same && settled && inside ? point : null;
    }, { message: `${inner} to be visible` });
  }

  /** Clicks `inner` with the real mouse, as the user does (a trusted click). */
  async click(inner) {
    const { x, y } = await this.pointOf(inner);
    await this.page.mouse.click(x, y);
  }

  /** Moves the real mouse over `inner`, as a user about to click it. */
  async hover(inner) {
    const { x, y } = await this.pointOf(inner);
    await this.page.mouse.move(x, y);
  }

  async press(key) {
    await this.page.keyboard.press(key);
  }

  /** Replaces the value of an input by clicking into it and typing, as a user would. */
  async fill(inner, value) {
    await this.click(inner);
    await this.in(inner, (root, inner) => {
      const el = root.querySelector(inner);
      el.focus();
      el.value = '';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, inner);
    await this.page.keyboard.type(value);
  }

  /** Chooses files in a file input of the panel. */
  async setFiles(inner, paths) {
    const frame = await poll(() => this.extensionFrame(), { message: 'the extension frame' });
    if (this.browser.name === 'chromium') {
      await frame.locator(`${HOST} ${inner}`).setInputFiles(paths);
    } else {
      const handle = await frame.$(`${HOST} >>> ${inner}`);
      await handle.uploadFile(...paths);
      await handle.dispose();
    }
  }

  /** Waits until the text of `inner` matches `pattern`; returns it. */
  async waitForMatch(inner, pattern, { timeout = 10000 } = {}) {
    return poll(
      () => this.in(inner, (root, { inner, source, flags }) => {
        const re = new RegExp(source, flags);
        for (const el of root.querySelectorAll(inner)) if (re.test(el.textContent)) return el.textContent.trim();
        return null;
      }, { inner, source: pattern.source, flags: pattern.flags }),
      { timeout, message: `${inner} to match ${pattern}` },
    );
  }

  /**
   * The first toast, or error of a conversation's three-dots action (as
   * `error: <text>`), so a failed action says why in the test's failure.
   * Call `noToast()` before the action.
   */
  async waitForOutcome({ timeout = 15000 } = {}) {
    return this.waitInPanel((root) => {
      const toast = root.querySelector('.toast')?.textContent.trim();
      const error = root.querySelector('.actions .error[role=alert]')?.textContent.trim();
      return toast || (error ? `error: ${error}` : null);
    }, null, { timeout, message: 'a toast or an error' });
  }

  /** Waits until no toast is showing (they last 4 s). */
  async noToast() {
    await poll(async () => !(await this.panel((root) => !!root.querySelector('.toast'))), { timeout: 6000, message: 'no toast' });
  }

  /** The unread badge number, or null when hidden. */
  badge() {
    return this.launcher((root) => {
      const b = root.querySelector('.badge');
      return b && !b.hidden ? Number(b.dataset.count) : null;
    });
  }

  /** Number of elements matching `inner`. */
  async count(inner) {
    return (await this.in(inner, (root, inner) => root.querySelectorAll(inner).length, inner)) ?? 0;
  }

  /** Text of the elements matching `inner` (empty list when none). */
  async texts(inner) {
    return (await this.in(inner, (root, inner) => [...root.querySelectorAll(inner)].map((e) => e.textContent.trim()), inner)) ?? [];
  }

  async waitForText(inner, { timeout = 10000 } = {}) {
    return poll(
      () => this.in(inner, (root, inner) => root.querySelector(inner)?.textContent.trim() || null, inner),
      { timeout, message: `text of ${inner}` },
    );
  }

  /** The host element's attributes, or null when absent. */
  host() {
    return this.evaluate((sel) => {
      const hosts = document.querySelectorAll(sel);
      if (hosts.length === 0) return null;
      const h = hosts[0];
      return { count: hosts.length, className: h.className, ...h.dataset };
    }, HOST);
  }

  /** Waits for the logo and returns the host's attributes. */
  async waitForLogo(timeout = 10000) {
    const host = await this.waitFor(
      (sel) => {
        const h = document.querySelector(sel);
        if (!h || !h.dataset.corticoReadyMs) return null;
        const nav = performance.getEntriesByType('navigation')[0];
        return { ...h.dataset, className: h.className, domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null };
      },
      HOST,
      { timeout, message: 'the Cortico logo' },
    );
    await poll(() => this.launcher((root) => !!root.querySelector('.logo')), { timeout, message: 'the Cortico logo' });
    return host;
  }

  async close() {
    await this.page.close();
  }
}

/** Polls `probe()` until it returns a truthy value; errors count as not yet. */
export async function poll(probe, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await probe().catch((e) => ({ __error: String(e) }));
    if (last && !last.__error) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${JSON.stringify(last)})`);
}
