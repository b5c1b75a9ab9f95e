// One interface over the two real browsers the plug-in ships for:
// Chromium driven by Playwright (extension loaded with --load-extension) and
// Firefox ESR driven by Puppeteer over WebDriver BiDi (extension installed as
// a temporary add-on). Selectors given to `Tab` methods address elements
// inside the plug-in's shadow root.
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXTENSION_DIR, tempDir } from './servers.mjs';

export const HOST = '#cortico-plugin-host';
const GECKO_ID = 'oscar-messaging@cortico.health';
const FIREFOX_UUID = '6b1f3c1e-0c2a-4f6e-9d7b-2f3c4d5e6f70';

export const BROWSERS = (process.env.E2E_BROWSERS ?? 'chromium,firefox').split(',');

/**
 * A copy of the built extension preconfigured (the config.json a clinic's IT
 * would ship): the service's address and the clinic's Oscar origins, the
 * only sites the plug-in then runs on. Either may be left out.
 */
export function configuredExtension({ serviceUrl, oscarOrigins } = {}) {
  const dir = tempDir('cortico-extension-');
  cpSync(EXTENSION_DIR, dir, { recursive: true });
  const origins = oscarOrigins?.map((o) => new URL(o).origin);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ serviceUrl, oscarOrigins: origins }));
  return dir;
}

/**
 * Launches `name` ("chromium" or "firefox") with the built extension,
 * configured for `serviceUrl` and the Oscar servers `oscar` (addresses).
 */
export async function launch(name, { extensionDir, locale, serviceUrl, oscar } = {}) {
  extensionDir ??= serviceUrl || oscar ? configuredExtension({ serviceUrl, oscarOrigins: oscar }) : EXTENSION_DIR;
  if (name === 'chromium') {
    const args = [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--disable-features=DisableLoadExtensionCommandLineSwitch',
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ];
    if (locale) args.push(`--lang=${locale}`);
    const context = await chromium.launchPersistentContext(tempDir('cortico-chromium-'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args,
      locale,
      viewport: { width: 1280, height: 900 },
    });
    return new ChromiumBrowser(context);
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: '/usr/lib/firefox-esr/firefox-esr',
      headless: true,
      protocol: 'webDriverBiDi',
      userDataDir: tempDir('cortico-firefox-'),
      extraPrefsFirefox: {
        // A fixed internal address for the add-on, so tests can open its options page.
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
        'intl.accept_languages': locale ?? 'en-US',
        'intl.locale.requested': locale ?? 'en-US',
        // Tests talk to servers on 127.0.0.1 only.
        'network.lna.blocking': false,
      },
    });
    await browser.installExtension(extensionDir);
    return new FirefoxBrowser(browser);
  }
  throw new Error(`unknown browser ${name}`);
}

class ChromiumBrowser {
  constructor(context) {
    this.name = 'chromium';
    this.context = context;
  }

  /** The extension's base URL (chrome-extension://<id>). */
  async extensionBase() {
    const sw = this.context.serviceWorkers()[0] ?? (await this.context.waitForEvent('serviceworker'));
    return sw.url().split('/').slice(0, 3).join('/');
  }

  async newTab() {
    const page = await this.context.newPage();
    return new Tab(this, page, (inner) => `${HOST} ${inner}`);
  }

  async close() {
    await this.context.close();
  }
}

class FirefoxBrowser {
  constructor(browser) {
    this.name = 'firefox';
    this.browser = browser;
  }

  /** The extension's base URL (moz-extension://<uuid>). */
  async extensionBase() {
    return `moz-extension://${FIREFOX_UUID}`;
  }

  async newTab() {
    const page = await this.browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    return new Tab(this, page, (inner) => `${HOST} >>> ${inner}`);
  }

  async close() {
    await this.browser.close();
  }
}

/** Points the extension at a service through its options page, as an IT person would. */
export async function setServiceUrl(browser, url) {
  const tab = await browser.newTab();
  try {
    await tab.goto(`${await browser.extensionBase()}/options.html`);
    await tab.evaluate((u) => {
      document.getElementById('service-url').value = u;
    }, url);
    await tab.evaluate(() => document.querySelector('#settings button[type=submit]').click());
    await tab.waitFor(() => document.getElementById('status').className === 'ok', undefined, { message: 'the options page to save' });
  } finally {
    await tab.close();
  }
}

/**
 * Turns Cortico on for `address`'s origin on the options page, as staff do
 * before their clinic lists its Oscar addresses (a real click: the browser's
 * permission request needs the user's gesture).
 */
export async function turnOnSite(browser, address) {
  const origin = new URL(address).origin;
  const tab = await browser.newTab();
  try {
    await tab.goto(`${await browser.extensionBase()}/options.html`);
    await tab.waitFor(() => !document.getElementById('site-form').hidden, undefined, { message: 'the site form' });
    await tab.evaluate((o) => {
      document.getElementById('site-url').value = o;
    }, origin);
    await tab.page.click('#site-form button[type=submit]');
    await tab.waitFor((o) => document.querySelector(`#sites li[data-origin="${o}"]`), origin, { message: 'the site to be on' });
  } finally {
    await tab.close();
  }
}

/** A browser tab showing an Oscar page. */
export class Tab {
  constructor(browser, page, shadowSelector) {
    this.browser = browser;
    this.page = page;
    this.shadow = shadowSelector;
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
  async waitFor(fn, arg, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
      last = await this.page.evaluate(fn, arg).catch((e) => ({ __error: String(e) }));
      if (last && !last.__error) return last;
      await new Promise((r) => setTimeout(r, interval));
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${JSON.stringify(last)})`);
  }

  /** The plug-in host element's attributes, or null when absent. */
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
    return this.waitFor(
      (sel) => {
        const h = document.querySelector(sel);
        if (!h || !h.dataset.corticoReadyMs) return null;
        const inPage = h.shadowRoot?.querySelector('.logo');
        if (h.dataset.mode !== 'frame' && !inPage) return null;
        const nav = performance.getEntriesByType('navigation')[0];
        return { ...h.dataset, className: h.className, domContentLoadedMs: nav?.domContentLoadedEventEnd ?? null };
      },
      HOST,
      { timeout, message: 'the Cortico logo' },
    );
  }

  /** Clicks an element inside the plug-in's shadow root. */
  async click(inner) {
    if (this.browser.name === 'chromium') {
      await this.page.locator(this.shadow(inner)).click();
    } else {
      // Puppeteer cannot compute a click point for a fixed element inside a
      // shadow root on quirks-mode pages (classic Oscar's e-chart), so click
      // the element's centre with the real mouse.
      const box = await this.waitFor(
        ({ host, inner }) => {
          const el = document.querySelector(host)?.shadowRoot?.querySelector(inner);
          if (!el) return null;
          // As a user would scroll to it inside the panel first.
          el.scrollIntoView({ block: 'nearest' });
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.height > 0 ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
        },
        { host: HOST, inner },
        { message: `${inner} to be visible` },
      );
      await this.page.mouse.click(box.x, box.y);
    }
  }

  async press(key) {
    await this.page.keyboard.press(key);
  }

  /** Replaces the value of an input inside the shadow root by typing, as a user would. */
  async fill(inner, value) {
    await this.evaluate(({ host, inner }) => {
      const el = document.querySelector(host).shadowRoot.querySelector(inner);
      el.focus();
      el.value = '';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, { host: HOST, inner });
    await this.page.keyboard.type(value);
  }

  /** Chooses files in a file input inside the shadow root. */
  async setFiles(inner, paths) {
    if (this.browser.name === 'chromium') {
      await this.page.locator(this.shadow(inner)).setInputFiles(paths);
    } else {
      const handle = await this.page.$(this.shadow(inner));
      await handle.uploadFile(...paths);
      await handle.dispose();
    }
  }

  /** Waits until the text of `inner` matches `pattern`; returns it. */
  async waitForMatch(inner, pattern, { timeout = 10000 } = {}) {
    return this.waitFor(
      ({ host, inner, source, flags }) => {
        const els = document.querySelector(host)?.shadowRoot?.querySelectorAll(inner) ?? [];
        const re = new RegExp(source, flags);
        for (const el of els) if (re.test(el.textContent)) return el.textContent.trim();
        return null;
      },
      { host: HOST, inner, source: pattern.source, flags: pattern.flags },
      { timeout, message: `${inner} to match ${pattern}` },
    );
  }

  /**
   * The first toast, or error of a conversation's three-dots action (as
   * `error: <text>`), so a failed action says why in the test's failure.
   * Call `noToast()` before the action.
   */
  async waitForOutcome({ timeout = 15000 } = {}) {
    return this.waitFor(
      (host) => {
        const root = document.querySelector(host)?.shadowRoot;
        const toast = root?.querySelector('.toast')?.textContent.trim();
        const error = root?.querySelector('.actions .error[role=alert]')?.textContent.trim();
        return toast || (error ? `error: ${error}` : null);
      },
      HOST,
      { timeout, message: 'a toast or an error' },
    );
  }

  /** Waits until no toast is showing (they last 4 s). */
  async noToast() {
    await this.waitFor((host) => !document.querySelector(host)?.shadowRoot?.querySelector('.toast'), HOST, { timeout: 6000, message: 'no toast' });
  }

  /** The unread badge number, or null when hidden. */
  badge() {
    return this.evaluate((host) => {
      const b = document.querySelector(host)?.shadowRoot?.querySelector('.badge');
      return b && !b.hidden ? Number(b.dataset.count) : null;
    }, HOST);
  }

  /** Number of elements matching `inner` in the shadow root. */
  count(inner) {
    return this.evaluate(({ host, inner }) => document.querySelector(host)?.shadowRoot?.querySelectorAll(inner).length ?? 0, { host: HOST, inner });
  }

  /** Text of elements inside the shadow root (empty list when none). */
  texts(inner) {
    return this.evaluate(
      ({ host, inner }) => [...(document.querySelector(host)?.shadowRoot?.querySelectorAll(inner) ?? [])].map((e) => e.textContent.trim()),
      { host: HOST, inner },
    );
  }

  async waitForText(inner, { timeout = 10000 } = {}) {
    return this.waitFor(
      ({ host, inner }) => {
        const e = document.querySelector(host)?.shadowRoot?.querySelector(inner);
        return e ? e.textContent.trim() || null : null;
      },
      { host: HOST, inner },
      { timeout, message: `text of ${inner}` },
    );
  }

  async close() {
    await this.page.close();
  }
}
