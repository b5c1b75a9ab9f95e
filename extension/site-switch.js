// Turning the plug-in on for a site, from the extension's own pages only
// (the toolbar popup and the options page): never from inside a web page,
// and always with the browser's own permission prompt.
import { permissionPattern, trustedOrigin } from './trust.js';

const api = globalThis.browser ?? globalThis.chrome;

/** Where the plug-in runs and why (see sites.js). */
export async function currentSites() {
  const res = await api.runtime.sendMessage({ type: 'sites' });
  return res?.body ?? { packaged: [], clinic: [], sites: [], active: [] };
}

/**
 * Asks the browser for access to `origin`, then turns the plug-in on there.
 * Must run straight from a click (the permission prompt needs the gesture).
 * Answers 'on', 'denied' or 'invalid'.
 */
export async function turnOn(address) {
  const origin = trustedOrigin(address);
  if (!origin) return 'invalid';
  const allowed = await api.permissions.request({ origins: [permissionPattern(origin)] }).catch(() => false);
  if (!allowed) return 'denied';
  const res = await api.runtime.sendMessage({ type: 'setSite', origin, on: true });
  return res?.ok ? 'on' : 'invalid';
}

/** Asks the browser for access to a managed origin it does not allow yet. */
export function allow(origin) {
  return api.permissions.request({ origins: [permissionPattern(origin)] }).catch(() => false);
}

/** Whether the browser lets the plug-in run on `origin`. */
export function allowed(origin) {
  return api.permissions.contains({ origins: [permissionPattern(origin)] }).catch(() => false);
}

export async function turnOff(origin) {
  await api.runtime.sendMessage({ type: 'setSite', origin, on: false });
}

/** The words both pages use, in English and French (the browser's language). */
const french = (navigator.language || '').toLowerCase().startsWith('fr');
const TEXT = {
  on: ['Cortico is on for {o}.', 'Cortico est activé pour {o}.'],
  notOscar: [
    "This site is not one of your clinic's Oscar addresses, so Cortico stays off here. Your clinic's Oscar: {list}.",
    "Ce site ne fait pas partie des adresses Oscar de votre clinique : Cortico reste désactivé ici. Oscar de votre clinique : {list}.",
  ],
  off: ['Cortico is off for {o}.', 'Cortico est désactivé pour {o}.'],
  turnOn: ['Turn Cortico on for this Oscar', 'Activer Cortico pour cet Oscar'],
  turnOnHint: [
    'Only for your clinic\'s Oscar. Once your clinic lists its Oscar addresses, Cortico runs on those only.',
    "Seulement pour l'Oscar de votre clinique. Dès que votre clinique inscrit ses adresses Oscar, Cortico ne fonctionne que sur celles-ci.",
  ],
  allow: ['Allow Cortico on your clinic\'s Oscar', "Autoriser Cortico sur l'Oscar de votre clinique"],
  turnOff: ['Turn off', 'Désactiver'],
  denied: ['The browser did not allow it.', "Le navigateur ne l'a pas permis."],
  invalid: [
    'Enter an address starting with https:// (or http:// for this computer only), without a path.',
    "Entrez une adresse qui commence par https:// (ou http:// pour cet ordinateur seulement), sans chemin.",
  ],
  reload: ['Reload the Oscar page to see the Cortico logo.', 'Rechargez la page Oscar pour voir le logo Cortico.'],
  notWeb: ['Open an Oscar page, then click here again.', 'Ouvrez une page Oscar, puis cliquez ici de nouveau.'],
  sourcePackaged: ['set by your clinic\'s IT', 'défini par le soutien informatique de votre clinique'],
  sourceClinic: ['listed by your clinic', 'inscrit par votre clinique'],
  sourceSite: ['turned on in this browser', 'activé dans ce navigateur'],
  notAllowed: ['the browser does not allow it yet', 'le navigateur ne le permet pas encore'],
};
export const say = (key, vars = {}) => TEXT[key][french ? 1 : 0].replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
export const lang = french ? 'fr' : 'en';
