// Content-script loader. Content scripts cannot be ES modules, so this
// classic script imports the plug-in core (Rust compiled to WebAssembly, see
// src/lib.rs) and hands over to it. The background registers it only for the
// clinic's Oscar origins, and it first asks the background whether this exact
// origin is one (Firefox's patterns cannot tell ports apart); anywhere else it
// does nothing. All logic lives in the core; this file only chooses where the
// core runs:
//  - in the page's content script, the normal case;
//  - in an extension frame (ui.html) when the page's Content-Security-Policy
//    forbids WebAssembly (Chrome applies page CSP to content-script wasm).
(() => {
  'use strict';
  const api = globalThis.browser ?? globalThis.chrome;
  const HOST_ID = 'cortico-plugin-host';

  // Chrome throws a CompileError synchronously when the page CSP lacks
  // 'wasm-unsafe-eval'; Firefox allows it. An 8-byte empty module tells which.
  function wasmAllowed() {
    try {
      new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      return true;
    } catch (_) {
      return false;
    }
  }

  // The panel module (the messaging interface) is fetched the first time
  // staff open it, so page loads stay small.
  let panel = null;
  function loadPanel() {
    panel ??= (async () => {
      const mod = await import(api.runtime.getURL('pkg/panel.js'));
      await mod.default({ module_or_path: api.runtime.getURL('pkg/panel_bg.wasm') });
      return mod;
    })();
    panel.catch(() => {
      panel = null;
    });
    return panel;
  }

  async function openPanel(what) {
    try {
      const mod = await loadPanel();
      const host = document.getElementById(HOST_ID);
      if (host?.shadowRoot) mod.show_panel(host.shadowRoot, what, location.href, undefined);
    } catch (err) {
      console.error('Cortico: the messaging panel could not start:', err);
      alertInHost(`The Cortico panel could not open (${err?.message ?? err}). Reload the page; if this persists, contact your clinic's IT support.`);
    }
  }

  async function startInPage() {
    const launcher = await import(api.runtime.getURL('pkg/launcher.js'));
    await launcher.default({ module_or_path: api.runtime.getURL('pkg/launcher_bg.wasm') });
    return launcher.start_content_script(openPanel);
  }

  // Same placement as the core's host (src/inject.rs).
  const PLACEMENT = {
    schedule: 'left: 12px !important; bottom: 12px !important;',
    echart: 'right: 16px !important; bottom: 16px !important;',
  };

  // The frame gets the page address and a serialized copy of the DOM from
  // the background, never from this page (any page could post to a frame):
  // we register them over a port with a one-time nonce that only the frame
  // we create knows. It reads the context with the same Rust code and tells
  // us, through the background, its size so the frame fits the logo or the
  // open panel.
  function startInFrame() {
    document.getElementById(HOST_ID)?.remove();
    const host = document.createElement('div');
    host.id = HOST_ID;
    host.className = 'noprint DoNotPrint';
    host.dataset.mode = 'frame';
    host.setAttribute('style', 'all: initial !important; position: fixed !important; z-index: 2147483000 !important; display: none !important;');
    const shadow = host.attachShadow({ mode: 'closed' });
    const nonce = [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const page = api.runtime.connect({ name: 'cortico-page' });
    page.postMessage({ type: 'register', nonce, url: location.href, html: document.documentElement.outerHTML });
    const frame = document.createElement('iframe');
    frame.src = `${api.runtime.getURL('ui.html')}#${nonce}`;
    frame.title = 'Cortico';
    frame.setAttribute('style', 'border: 0; width: 48px; height: 48px; background: transparent; color-scheme: normal; display: block;');
    shadow.appendChild(frame);
    (document.body ?? document.documentElement).appendChild(host);

    page.onMessage.addListener((event) => {
      const msg = event ?? {};
      if (msg.type === 'started') {
        if (msg.kind === 'not-oscar') {
          host.remove();
          return;
        }
        host.dataset.pageKind = msg.kind;
        host.setAttribute('style', `all: initial !important; position: fixed !important; z-index: 2147483000 !important; ${PLACEMENT[msg.kind] ?? PLACEMENT.schedule}`);
      } else if (msg.type === 'size') {
        frame.style.width = `${Math.ceil(msg.width)}px`;
        frame.style.height = `${Math.ceil(msg.height)}px`;
        if (!host.dataset.corticoReadyMs) host.dataset.corticoReadyMs = performance.now().toFixed(1);
      } else if (msg.type === 'error') {
        showFailure(msg.message);
      }
    });

    // Oscar rewrites parts of its DOM; a rewrite of the body leaves a dead
    // copy of the host behind. Remove copies and put ours back.
    new MutationObserver(() => {
      if (!host.dataset.pageKind) return;
      for (const other of document.querySelectorAll(`#${HOST_ID}`)) if (other !== host) other.remove();
      if (!host.isConnected) (document.body ?? document.documentElement).appendChild(host);
    }).observe(document.documentElement, { childList: true, subtree: true });
  }

  // A problem after start-up is shown next to the logo, not only in the console.
  function alertInHost(text) {
    const root = document.getElementById(HOST_ID)?.shadowRoot?.querySelector('.cortico-root');
    if (!root) return showFailure(text);
    root.querySelector('.load-error')?.remove();
    const box = document.createElement('div');
    box.className = 'toast load-error';
    box.setAttribute('role', 'alert');
    box.textContent = text;
    root.prepend(box);
  }

  // Never fail silently: staff see that the plug-in is there but broken.
  function showFailure(message) {
    console.error('Cortico plug-in could not start:', message);
    document.getElementById(HOST_ID)?.remove();
    const host = document.createElement('div');
    host.id = HOST_ID;
    host.className = 'noprint DoNotPrint';
    host.dataset.error = 'true';
    host.setAttribute('style', 'all: initial !important; position: fixed !important; left: 12px !important; bottom: 12px !important; z-index: 2147483000 !important;');
    const shadow = host.attachShadow({ mode: 'open' });
    const box = document.createElement('div');
    box.setAttribute('role', 'alert');
    box.setAttribute('style', 'font: 12px Arial, sans-serif; background: #fff4e5; color: #7a3e00; border: 1px solid #b45309; border-radius: 4px; padding: 6px 10px; max-width: 320px;');
    box.textContent = `Cortico could not start on this page (${message}). Reload the page; if this persists, contact your clinic's IT support.`;
    shadow.appendChild(box);
    (document.body ?? document.documentElement).appendChild(host);
  }

  (async () => {
    try {
      const allowed = await api.runtime.sendMessage({ type: 'activate' }).catch(() => null);
      if (!allowed?.ok) return;
      if (wasmAllowed()) {
        await startInPage();
      } else {
        startInFrame();
      }
    } catch (err) {
      showFailure(err?.message ?? String(err));
    }
  })();
})();
