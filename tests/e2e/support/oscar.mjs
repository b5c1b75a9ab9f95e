// Connecting the messaging service to an Oscar (the simulator) through the
// real OAuth 1.0a flow, the way a clinic admin does it: register a REST
// client in Oscar, give the service its key and secret, sign in to Oscar and
// choose Allow. Used by the end-to-end tests and by `./build.sh run`:
//
//   node tests/e2e/support/oscar.mjs --service URL --oscar URL/oscar \
//        --clinic SLUG --email ADMIN --password PW
//
// prints "Connected as <provider>".

/** A tiny cookie-keeping browser for Oscar's pages. */
class OscarBrowser {
  constructor() {
    this.cookies = new Map();
  }

  async fetch(url, init = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) } });
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return res;
  }
}

function attr(html, name) {
  const m = html.match(new RegExp(`${name}="([^"]*)"`));
  return m ? m[1].replaceAll('&amp;', '&') : null;
}

/**
 * In Oscar: signs in as `provider` on the authorisation page and chooses
 * `decision`; returns where Oscar sends the browser (the service's callback).
 */
export async function authorizeInOscar(authorizeUrl, { provider = '100001', password = 'oscar-sim', pin = '1117', decision = 'allow' } = {}) {
  const browser = new OscarBrowser();
  const origin = new URL(authorizeUrl).origin;
  const token = new URL(authorizeUrl).searchParams.get('oauth_token');
  const first = await browser.fetch(authorizeUrl);
  const loginPage = await first.text();
  const loginAction = new URL(attr(loginPage.slice(loginPage.indexOf('id="loginForm"')), 'action'), authorizeUrl).href;
  const login = await browser.fetch(loginAction, {
    method: 'POST',
    body: new URLSearchParams({ username: provider, password, pin, oauth_token: token }),
  });
  if (login.status !== 302) throw new Error(`signing in to Oscar answered ${login.status}`);
  const page = await (await browser.fetch(authorizeUrl)).text();
  const form = page.slice(page.indexOf('id="authorizeForm"'));
  const fields = new URLSearchParams({ oauth_token: token, oauthDecision: decision });
  const authenticity = form.includes('name="session_authenticity_token"') ? attr(form.slice(form.indexOf('name="session_authenticity_token"')), 'value') : null;
  if (authenticity) fields.set('session_authenticity_token', authenticity);
  const decided = await browser.fetch(new URL(attr(form, 'action'), origin).href, { method: 'POST', body: fields });
  if (decided.status !== 303) throw new Error(`the decision answered ${decided.status}`);
  return decided.headers.get('location');
}

/** Registers a REST client in the simulator; returns { key, secret }. */
export async function registerRestClient(oscarRoot, uri) {
  const res = await fetch(`${oscarRoot}/__sim/rest-clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Cortico messaging', uri, lifetime: -1 }),
  });
  if (!res.ok) throw new Error(`registering the REST client answered ${res.status}`);
  return res.json();
}

/** The whole connection over HTTP, as an admin; returns the provider's name. */
export async function connectOscar({ serviceUrl, oscarBase, clinic, email, password }) {
  const signIn = await fetch(`${serviceUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clinic, email, password }),
  });
  if (!signIn.ok) throw new Error(`admin sign-in answered ${signIn.status}`);
  const { token } = await signIn.json();
  const api = (method, p, json) =>
    fetch(`${serviceUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
  // Always the whole flow: a restarted simulator has forgotten earlier tokens.
  const state = await (await api('GET', '/api/oscar/connection')).json();
  const oscarRoot = new URL(oscarBase).origin;
  const { key, secret } = await registerRestClient(oscarRoot, state.callback_uri.replace(/\/callback$/, ''));
  const started = await api('PUT', '/api/oscar/connection', { base_url: oscarBase, client_key: key, client_secret: secret });
  const body = await started.json();
  if (!started.ok) throw new Error(`connecting answered ${started.status}: ${body.message}`);
  const callback = await authorizeInOscar(body.authorize_url);
  const done = await fetch(callback);
  if (!done.ok) throw new Error(`the callback answered ${done.status}: ${await done.text()}`);
  const after = await (await api('GET', '/api/oscar/connection')).json();
  if (after.state !== 'connected') throw new Error(`still ${after.state}: ${after.problem ?? ''}`);
  await api('POST', '/api/auth/sign-out');
  return after.provider_name;
}

// Command line (build.sh run).
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
    return process.argv[i + 1];
  };
  connectOscar({ serviceUrl: arg('service'), oscarBase: arg('oscar'), clinic: arg('clinic'), email: arg('email'), password: arg('password') })
    .then((name) => console.log(`Connected as ${name}`))
    .catch((err) => {
      console.error(`connecting Oscar failed: ${err.message}`);
      process.exit(1);
    });
}
