// Where the plug-in runs: the clinic's Oscar origins (packaged by the
// clinic's IT in config.json, or listed by the clinic in the service), or,
// before a clinic has any, the sites staff turned on from the extension's
// own UI. The content script is registered for those origins only, so on
// any other site nothing of the plug-in is injected at all.
import { activeOrigins, contentMatches, permissionPattern, trustedOrigin } from './trust.js';

const api = globalThis.browser ?? globalThis.chrome;
const SCRIPT_ID = 'cortico-oscar';

// A clinic's IT can ship the extension preconfigured: config.json in the
// package ({"serviceUrl": "https://…", "oscarOrigins": ["https://…"]}).
let packaged;
export function packagedConfig() {
  packaged ??= fetch(api.runtime.getURL('config.json'))
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  return packaged;
}

/** Every list that decides where the plug-in runs, and the result. */
export async function sites() {
  const { clinicOrigins, siteOrigins = [] } = await api.storage.local.get(['clinicOrigins', 'siteOrigins']);
  const lists = {
    packaged: (await packagedConfig()).oscarOrigins ?? [],
    clinic: clinicOrigins?.origins ?? [],
    clinicSlug: clinicOrigins?.clinic ?? null,
    sites: siteOrigins,
  };
  return { ...lists, active: activeOrigins(lists) };
}

// Kept in memory: every message from a page is checked against it.
let activeCache = null;
export function active() {
  activeCache ??= sites().then((s) => s.active);
  return activeCache;
}

/** Keeps the clinic's list as the service gave it (after sign-in, on reconnect). */
export async function setClinicOrigins(clinic, origins) {
  const clean = origins.map((o) => trustedOrigin(o.origin ?? o)).filter(Boolean);
  await api.storage.local.set({ clinicOrigins: { clinic, origins: clean } });
}

/** Turns the plug-in on (or off) for a site, from the extension's own pages only. */
export async function setSite(origin, on) {
  const clean = trustedOrigin(origin);
  if (!clean) return false;
  const { siteOrigins = [] } = await api.storage.local.get('siteOrigins');
  const next = on ? [...new Set([...siteOrigins, clean])] : siteOrigins.filter((o) => o !== clean);
  await api.storage.local.set({ siteOrigins: next });
  return true;
}

async function granted(origins) {
  const out = [];
  for (const origin of origins) {
    if (await api.permissions.contains({ origins: [permissionPattern(origin)] }).catch(() => false)) out.push(origin);
  }
  return out;
}

// One registration change at a time (they are asynchronous and share an id).
let syncing = Promise.resolve();

/** Registers the content script for the active origins the browser allows. */
export function syncContentScripts() {
  syncing = syncing.then(async () => {
    activeCache = null;
    const origins = await granted(await active());
    const existing = (await api.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] }).catch(() => []))[0];
    // Firefox's match patterns carry no port (one with a port is taken but
    // never matches): there the exact origin is checked when the script starts.
    const matches = contentMatches(origins, { withPort: !api.runtime.getBrowserInfo });
    if (existing && JSON.stringify(existing.matches) === JSON.stringify(matches)) return;
    if (existing) await api.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    if (origins.length === 0) return;
    const script = { id: SCRIPT_ID, js: ['content.js'], runAt: 'document_end', allFrames: false, persistAcrossSessions: true };
    await api.scripting.registerContentScripts([{ ...script, matches }]);
    // Oscar tabs already open (the browser just started, or a site was just
    // turned on) get the plug-in now rather than at their next reload.
    const before = new Set((existing?.matches ?? []).map((m) => new URL(m).origin));
    for (const tab of await api.tabs.query({ url: matches }).catch(() => [])) {
      if (before.has(new URL(tab.url).origin)) continue;
      api.scripting.executeScript({ target: { tabId: tab.id }, files: ['content.js'] }).catch(() => {});
    }
  }).catch((err) => console.error('Cortico: could not register the Oscar content script:', err));
  return syncing;
}

api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && (changes.clinicOrigins || changes.siteOrigins)) syncContentScripts();
});
api.permissions.onAdded?.addListener(() => syncContentScripts());
api.permissions.onRemoved?.addListener(() => syncContentScripts());
