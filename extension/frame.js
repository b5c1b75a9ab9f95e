// Loader of the extension frame (ui.html), used on pages whose CSP forbids
// WebAssembly in content scripts. It runs the same plug-in core as the
// content script, on a serialized copy of the Oscar page sent by content.js.
import init, { start_frame } from './pkg/launcher.js';

let panel = null;
function loadPanel() {
  panel ??= import('./pkg/panel.js').then(async (mod) => {
    await mod.default({ module_or_path: new URL('./pkg/panel_bg.wasm', import.meta.url) });
    return mod;
  });
  return panel;
}

window.addEventListener('message', async (event) => {
  const msg = event.data ?? {};
  const port = event.ports?.[0];
  // Only the content script holds the channel's other end; anything else is ignored.
  if (msg.type !== 'cortico-start' || !port) return;
  const openPanel = async (what) => {
    try {
      const mod = await loadPanel();
      mod.show_panel(document.getElementById('cortico-plugin-host').shadowRoot, what, msg.url, msg.html);
    } catch (err) {
      port.postMessage({ type: 'error', message: err?.message ?? String(err) });
    }
  };
  try {
    await init({ module_or_path: new URL('./pkg/launcher_bg.wasm', import.meta.url) });
    const kind = start_frame(msg.url, msg.html, openPanel);
    port.postMessage({ type: 'started', kind });
    if (kind === 'not-oscar') return;
    const host = document.getElementById('cortico-plugin-host');
    const report = () => {
      const box = host.getBoundingClientRect();
      port.postMessage({ type: 'size', width: box.width + 4, height: box.height + 4 });
    };
    new ResizeObserver(report).observe(host);
    report();
  } catch (err) {
    port.postMessage({ type: 'error', message: err?.message ?? String(err) });
  }
}, { once: true });
