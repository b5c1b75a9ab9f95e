// One interface over the two real browsers the plug-in ships for:
// Chromium driven by Playwright (extension loaded with --load-extension) and
// Firefox ESR driven by Puppeteer over WebDriver BiDi (extension installed as
// a temporary add-on). Selectors given to `Tab` methods address elements
// inside the plug-in's shadow roots (see `Tab`).
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXTENSION_DIR, tempDir } from './servers.mjs';
import { Tab } from './tab.mjs';

export { HOST, poll } from './tab.mjs';

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
    return new Tab(this, page);
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
    return new Tab(this, page);
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
