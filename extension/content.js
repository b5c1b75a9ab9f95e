// Content-script loader. Content scripts cannot be ES modules, so this
// classic script imports the plug-in core (Rust compiled to WebAssembly, see
// src/lib.rs) and hands over to it. The background registers it only for the
// clinic's Oscar origins, and it first asks the background whether this exact
// origin is one (Firefox's patterns cannot tell ports apart); anywhere else it
// does nothing. All logic lives in the core; this file only chooses where the
// core runs:
//  - the launcher (logo and badge) in the page's content script, in a closed
//    shadow root, and the panel in an extension frame (ui.html) that no page
//    script can read or drive, the normal case;
//  - launcher and panel both in the extension frame when the page's
//    Content-Security-Policy forbids WebAssembly (Chrome applies page CSP to
//    content-script wasm).
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

  function randomNonce() {
    return [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  const viewport = () => ({ width: innerWidth, height: innerHeight });

  /**
   * The extension frame (ui.html) and its channel, through the background.
   * The frame gets the page's address and a serialized copy of its DOM from
   * the background, never from this page (any page could post to a frame):
   * we register them over a port with a one-time nonce that only the frame
   * we create knows. It reads the context with the same Rust code, and tells
   * us its size so the frame fits what it shows. If the background restarts
   * (Chrome stops idle service workers), the port is reopened under the same
   * nonce. `onEvent` gets what the frame reports.
   */
  function extensionFrame(role, fields, onEvent) {
    const nonce = randomNonce();
    const register = { type: 'register', nonce, role, url: location.href, html: document.documentElement.outerHTML, viewport: viewport(), ...fields };
    let port = null;
    let closed = false;
    const connect = (attempts) => {
      if (closed) return;
      try {
        port = api.runtime.connect({ name: 'cortico-page' });
      } catch (_) {
        return; // The extension was reloaded or removed: this page's plug-in is orphaned.
      }
      const opened = Date.now();
      port.onMessage.addListener(onEvent);
      port.onDisconnect.addListener(() => {
        port = null;
        // Registered again under the same nonce, the frame keeps its claim.
        const tries = Date.now() - opened > 5000 ? 0 : attempts + 1;
        if (tries < 5) setTimeout(() => connect(tries), 500);
      });
      port.postMessage(register);
    };
    connect(0);
    const tell = (event) => port?.postMessage({ type: 'toFrame', event });
    const onResize = () => tell({ type: 'viewport', viewport: viewport() });
    addEventListener('resize', onResize);
    const frame = document.createElement('iframe');
    frame.src = `${api.runtime.getURL('ui.html')}#${nonce}`;
    frame.title = 'Cortico';
    frame.setAttribute('style', 'border: 0; width: 0; height: 0; background: transparent; color-scheme: normal; display: block;');
    const close = () => {
      removeEventListener('resize', onResize);
      closed = true;
      port?.disconnect();
      frame.remove();
    };
    return { frame, tell, close };
  }

  function fitFrame(frame, { width, height }) {
    frame.style.width = `${Math.ceil(width)}px`;
    frame.style.height = `${Math.ceil(height)}px`;
  }

  // The launcher (logo, badge) is in the page, in a closed shadow root; the
  // panel opens in an extension frame there, created when the pointer or
  // the focus first comes to the launcher (`what` is 'warm') or on the
  // first click; `what` is then 'menu' or 'messages'.
  let panelFrame = null;
  function openPanel(what, mount) {
    if (panelFrame) {
      if (what !== 'warm') panelFrame.tell({ type: 'show', what });
      return;
    }
    const kind = document.getElementById(HOST_ID)?.dataset.pageKind ?? 'schedule';
    panelFrame = extensionFrame('panel', { kind, open: what === 'warm' ? null : what }, (msg) => {
      if (msg?.type === 'size') fitFrame(panelFrame.frame, msg);
      else if (msg?.type === 'opened') panelFrame.frame.focus();
      else if (msg?.type === 'closed') mount.querySelector('.logo')?.focus();
      else if (msg?.type === 'error') alertInHost(mount, `The Cortico panel could not open (${msg.message}). Reload the page; if this persists, contact your clinic's IT support.`);
    });
    panelFrame.frame.className = 'panel-frame';
    // Moved in the page (Oscar rewrote its body), a frame loads again and
    // its nonce is spent: the next click opens a new one.
    let loads = 0;
    const current = panelFrame;
    current.frame.addEventListener('load', () => {
      if (++loads < 2) return;
      current.close();
      if (panelFrame === current) panelFrame = null;
    });
    mount.querySelector('.panel-mount').appendChild(current.frame);
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

  // Launcher and panel both in the extension frame.
  function startInFrame() {
    document.getElementById(HOST_ID)?.remove();
    const host = document.createElement('div');
    host.id = HOST_ID;
    host.className = 'noprint DoNotPrint';
    host.dataset.mode = 'frame';
    host.setAttribute('style', 'all: initial !important; position: fixed !important; z-index: 2147483000 !important; display: none !important;');
    const shadow = host.attachShadow({ mode: 'closed' });
    const { frame } = extensionFrame('plugin', {}, (msg) => {
      if (msg?.type === 'started') {
        if (msg.kind === 'not-oscar') {
          host.remove();
          return;
        }
        host.dataset.pageKind = msg.kind;
        host.setAttribute('style', `all: initial !important; position: fixed !important; z-index: 2147483000 !important; ${PLACEMENT[msg.kind] ?? PLACEMENT.schedule}`);
      } else if (msg?.type === 'size') {
        fitFrame(frame, msg);
        if (!host.dataset.corticoReadyMs) host.dataset.corticoReadyMs = performance.now().toFixed(1);
      } else if (msg?.type === 'error') {
        showFailure(msg.message);
      }
    });
    shadow.appendChild(frame);
    (document.body ?? document.documentElement).appendChild(host);

    // Oscar rewrites parts of its DOM; a rewrite of the body leaves a dead
    // copy of the host behind. Remove copies and put ours back.
    new MutationObserver(() => {
      if (!host.dataset.pageKind) return;
      for (const other of document.querySelectorAll(`#${HOST_ID}`)) if (other !== host) other.remove();
      if (!host.isConnected) (document.body ?? document.documentElement).appendChild(host);
    }).observe(document.documentElement, { childList: true, subtree: true });
  }

  // A problem after start-up is shown next to the logo, not only in the console.
  function alertInHost(mount, text) {
    const root = mount.querySelector('.cortico-root');
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
