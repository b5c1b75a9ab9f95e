// Loader of the extension frame (ui.html), used on pages whose CSP forbids
// WebAssembly in content scripts. It runs the same plug-in core as the
// content script, on a serialized copy of the Oscar page that the background
// hands over only to the frame its own tab's content script created (the
// nonce in our address). Messages posted to this frame are never read: any
// site can frame ui.html and post to it.
import init, { start_frame } from './pkg/launcher.js';

const api = globalThis.browser ?? globalThis.chrome;

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

(async () => {
  const nonce = location.hash.slice(1);
  const context = await api.runtime.sendMessage({ type: 'frameContext', nonce }).catch(() => null);
  // Not framed by our own content script: show nothing, ask for nothing.
  if (!context?.ok) return;
  const { url, html } = context.body;
  const openPanel = async (what) => {
    try {
      const mod = await loadPanel();
      mod.show_panel(document.getElementById('cortico-plugin-host').shadowRoot, what, url, html);
    } catch (err) {
      report({ type: 'error', message: err?.message ?? String(err) });
    }
  };
  try {
    await init({ module_or_path: new URL('./pkg/launcher_bg.wasm', import.meta.url) });
    const kind = start_frame(url, html, openPanel);
    report({ type: 'started', kind });
    if (kind === 'not-oscar') return;
    const host = document.getElementById('cortico-plugin-host');
    const size = () => {
      const box = host.getBoundingClientRect();
      report({ type: 'size', width: box.width + 4, height: box.height + 4 });
    };
    new ResizeObserver(size).observe(host);
    size();
  } catch (err) {
    report({ type: 'error', message: err?.message ?? String(err) });
  }
})();
