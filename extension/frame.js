// Loader of the extension frame (ui.html): the plug-in's interface on the
// extension's own origin, where no page script can read or drive it. The
// content script that created us registered the page with the background
// (its address, a serialized copy of its DOM, our role, what to open first)
// under the nonce in our address; we fetch it once. Roles:
//  - 'panel': the messaging interface only; the launcher (logo, badge)
//    stays in the page, in a closed shadow root;
//  - 'plugin': launcher and interface both, on pages whose CSP forbids
//    WebAssembly in content scripts.
// Messages posted to this frame are never read: any site can frame ui.html
// and post to it. What the content script tells us comes over our port
// through the background.
import init, { start_frame } from './pkg/launcher.js';

const api = globalThis.browser ?? globalThis.chrome;
const HOST_ID = 'cortico-plugin-host';

let panel = null;
function loadPanel() {
  panel ??= import('./pkg/panel.js').then(async (mod) => {
    await mod.default({ module_or_path: new URL('./pkg/panel_bg.wasm', import.meta.url) });
    return mod;
  });
  return panel;
}

/** Tells the content script that created us (through the background). */
function report(event) {
  api.runtime.sendMessage({ type: 'frameEvent', event }).catch(() => {});
}

/** The panel sizes itself to the page's viewport, not to this frame's. */
function setViewport(host, viewport) {
  if (viewport?.width) host.style.setProperty('--page-vw', `${viewport.width}px`);
  if (viewport?.height) host.style.setProperty('--page-vh', `${viewport.height}px`);
}

// In a corner of the frame, as wide as what it shows, with room for shadows.
const PLACEMENT = {
  schedule: 'left: 0 !important;',
  echart: 'right: 0 !important;',
};
function place(host, kind) {
  host.setAttribute(
    'style',
    `all: initial !important; position: fixed !important; bottom: 0 !important; ${PLACEMENT[kind] ?? PLACEMENT.schedule} padding: 6px !important; width: max-content !important; height: max-content !important;`,
  );
}

/**
 * Reports the size of what we show, so the frame in the page fits it:
 * nothing at all while everything is closed, so the frame covers no part
 * of the page.
 */
function reportSize(host) {
  const root = host.shadowRoot?.querySelector('.cortico-root') ?? host;
  const size = () => {
    const content = root.getBoundingClientRect();
    const box = host.getBoundingClientRect();
    const empty = content.width === 0 || content.height === 0;
    report({ type: 'size', width: empty ? 0 : box.width, height: empty ? 0 : box.height });
  };
  new ResizeObserver(size).observe(root);
  size();
}

/** The interface only: an empty host placed like the page's, holding the panel. */
function panelHost(kind) {
  document.getElementById(HOST_ID)?.remove();
  const host = document.createElement('div');
  host.id = HOST_ID;
  host.dataset.pageKind = kind;
  host.dataset.role = 'panel';
  const shadow = host.attachShadow({ mode: 'open' });
  const root = document.createElement('div');
  root.className = 'cortico-root';
  const mount = document.createElement('div');
  mount.className = 'panel-mount';
  root.appendChild(mount);
  shadow.appendChild(root);
  document.body.appendChild(host);
  return host;
}

async function startPanel({ url, html, kind, open, viewport }) {
  const mod = await loadPanel();
  const host = panelHost(kind);
  place(host, kind);
  setViewport(host, viewport);
  const show = (what) => mod.show_panel(host.shadowRoot, what, url, html, (state) => report({ type: state }));
  // Prepared before the click (the pointer came to the launcher): nothing to show yet.
  if (open) show(open);
  reportSize(host);
  listen((msg) => {
    if (msg?.type === 'show' && (msg.what === 'menu' || msg.what === 'messages')) show(msg.what);
    else if (msg?.type === 'viewport') setViewport(host, msg.viewport);
  });
}

/**
 * What the content script tells us. The port is reopened if the background
 * restarts; a few refusals in a row (the page is gone) end it.
 */
function listen(onMessage, attempts = 0) {
  const port = api.runtime.connect({ name: 'cortico-frame' });
  const opened = Date.now();
  port.onMessage.addListener(onMessage);
  port.onDisconnect.addListener(() => {
    const tries = Date.now() - opened > 5000 ? 0 : attempts + 1;
    if (tries < 5) setTimeout(() => listen(onMessage, tries), 500);
  });
}

async function startPlugin({ url, html, viewport }) {
  const openPanel = async (what) => {
    try {
      const mod = await loadPanel();
      mod.show_panel(document.getElementById(HOST_ID).shadowRoot, what, url, html, undefined);
    } catch (err) {
      report({ type: 'error', message: err?.message ?? String(err) });
    }
  };
  await init({ module_or_path: new URL('./pkg/launcher_bg.wasm', import.meta.url) });
  const kind = start_frame(url, html, openPanel);
  report({ type: 'started', kind });
  if (kind === 'not-oscar') return;
  const host = document.getElementById(HOST_ID);
  place(host, kind);
  setViewport(host, viewport);
  reportSize(host);
}

(async () => {
  const nonce = location.hash.slice(1);
  const context = await api.runtime.sendMessage({ type: 'frameContext', nonce }).catch(() => null);
  // Not framed by our own content script: show nothing, ask for nothing.
  if (!context?.ok) return;
  try {
    if (context.body.role === 'panel') await startPanel(context.body);
    else await startPlugin(context.body);
  } catch (err) {
    report({ type: 'error', message: err?.message ?? String(err) });
  }
})();
