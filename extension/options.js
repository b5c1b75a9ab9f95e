// The options page: where the clinic's IT person sets the Cortico service
// address, checks it answers, sees where Cortico runs (and, before the clinic
// lists its Oscar addresses, turns it on for one), and sees who is signed in.
import { trustedOrigin } from './trust.js';
import { allowed, currentSites, say as saySite, turnOff, turnOn } from './site-switch.js';

const api = globalThis.browser ?? globalThis.chrome;
const french = (navigator.language || '').toLowerCase().startsWith('fr');
const TEXT = {
  serviceUrl: ['Cortico service address', 'Adresse du service Cortico'],
  serviceUrlHint: [
    "Your clinic's Cortico messaging service. Your IT support or Cortico gives you this address.",
    'Le service de messagerie Cortico de votre clinique. Votre soutien informatique ou Cortico vous donne cette adresse.',
  ],
  save: ['Save', 'Enregistrer'],
  test: ['Test connection', 'Tester la connexion'],
  account: ['Account', 'Compte'],
  saved: ['Saved. Sign in again from the Cortico logo in Oscar if the address changed.', "Enregistré. Reconnectez-vous depuis le logo Cortico dans Oscar si l'adresse a changé."],
  invalid: ['Enter an address starting with https:// (or http:// for this computer only).', "Entrez une adresse qui commence par https:// (ou http:// pour cet ordinateur seulement)."],
  denied: ['The browser did not allow the plug-in to reach that address.', "Le navigateur n'a pas permis au module de joindre cette adresse."],
  reachable: ['The service answers (version {v}).', 'Le service répond (version {v}).'],
  unreachable: ['No answer from that address: {e}', 'Aucune réponse de cette adresse : {e}'],
  signedIn: ['Signed in as', 'Connecté en tant que'],
  clinic: ['Clinic', 'Clinique'],
  notSignedIn: ['Not signed in. Sign in from the Cortico logo in Oscar.', 'Non connecté. Connectez-vous depuis le logo Cortico dans Oscar.'],
  sites: ['Where Cortico runs', 'Où Cortico fonctionne'],
  siteUrl: ['Turn Cortico on for an Oscar address', 'Activer Cortico pour une adresse Oscar'],
  turnOnSite: ['Turn on', 'Activer'],
  noSites: ['Nowhere yet: add your clinic\'s Oscar address below.', "Nulle part pour l'instant : ajoutez l'adresse Oscar de votre clinique ci-dessous."],
};
const say = (key, vars = {}) => TEXT[key][french ? 1 : 0].replace(/\{(\w)\}/g, (_, k) => vars[k] ?? '');

document.documentElement.lang = french ? 'fr' : 'en';
for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = say(el.dataset.i18n);

const input = document.getElementById('service-url');
const status = document.getElementById('status');
function show(text, ok) {
  status.textContent = text;
  status.className = ok ? 'ok' : 'bad';
}

const parse = (value) => trustedOrigin(value);

/** Asks for permission to reach the origin (loopback is already granted). */
async function allow(origin) {
  if (!api.permissions?.request) return true;
  const pattern = `${origin}/*`;
  if (await api.permissions.contains({ origins: [pattern] })) return true;
  return api.permissions.request({ origins: [pattern] });
}

document.getElementById('settings').addEventListener('submit', async (event) => {
  event.preventDefault();
  const origin = parse(input.value);
  if (!origin) return show(say('invalid'), false);
  if (!(await allow(origin))) return show(say('denied'), false);
  const saved = await api.runtime.sendMessage({ type: 'setServiceUrl', url: origin });
  if (!saved?.ok) return show(say('invalid'), false);
  input.value = origin;
  show(say('saved'), true);
});

document.getElementById('test').addEventListener('click', async () => {
  const origin = parse(input.value);
  if (!origin) return show(say('invalid'), false);
  if (!(await allow(origin))) return show(say('denied'), false);
  try {
    const res = await fetch(`${origin}/healthz`, { cache: 'no-store' });
    const body = await res.json();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    show(say('reachable', { v: body.version }), true);
  } catch (err) {
    show(say('unreachable', { e: err.message }), false);
  }
});

(async () => {
  const state = await api.runtime.sendMessage({ type: 'state' });
  input.value = state?.body?.serviceUrl ?? '';
  const account = document.getElementById('account');
  const me = state?.body?.session?.me;
  if (state?.body?.session?.state === 'signed_in' && me) {
    account.innerHTML = '';
    for (const [label, value] of [[say('signedIn'), `${me.name} (${me.email})`], [say('clinic'), `${me.clinic.name} (${me.clinic.slug})`]]) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      account.append(dt, dd);
    }
  } else {
    account.textContent = say('notSignedIn');
  }
})();

// Where Cortico runs: the clinic's Oscar addresses, or the sites turned on here.
const siteList = document.getElementById('sites');
const siteForm = document.getElementById('site-form');
const siteInput = document.getElementById('site-url');
const siteStatus = document.getElementById('site-status');
document.getElementById('site-hint').textContent = saySite('turnOnHint');

async function renderSites() {
  const sites = await currentSites();
  const managed = sites.packaged.length + sites.clinic.length > 0;
  const rows = [];
  for (const origin of sites.active) {
    const li = document.createElement('li');
    li.dataset.origin = origin;
    const source = sites.packaged.includes(origin) ? 'sourcePackaged' : sites.clinic.includes(origin) ? 'sourceClinic' : 'sourceSite';
    const note = (await allowed(origin)) ? saySite(source) : `${saySite(source)}; ${saySite('notAllowed')}`;
    li.textContent = `${origin} (${note})`;
    if (source === 'sourceSite') {
      const off = document.createElement('button');
      off.type = 'button';
      off.className = 'secondary';
      off.textContent = saySite('turnOff');
      off.addEventListener('click', async () => {
        await turnOff(origin);
        renderSites();
      });
      li.append(off);
    }
    rows.push(li);
  }
  if (rows.length === 0) {
    const li = document.createElement('li');
    li.textContent = say('noSites');
    rows.push(li);
  }
  siteList.replaceChildren(...rows);
  siteForm.hidden = managed;
}

siteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  // Straight from the click: the browser's permission prompt needs the gesture.
  turnOn(siteInput.value).then((result) => {
    siteStatus.textContent = result === 'on' ? saySite('reload') : saySite(result);
    siteStatus.className = result === 'on' ? 'ok' : 'bad';
    renderSites();
  });
});

renderSites();
