// The toolbar popup: whether Cortico runs on the current tab's site, and,
// before the clinic lists its Oscar addresses, a button to turn it on there.
import { originOf } from './trust.js';
import { allow, allowed, currentSites, lang, say, turnOn } from './site-switch.js';

const api = globalThis.browser ?? globalThis.chrome;
const state = document.getElementById('state');
const actions = document.getElementById('actions');
document.documentElement.lang = lang;

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  actions.replaceChildren(b);
  return b;
}

async function render() {
  // activeTab: the address of the tab the user opened the popup on.
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  const origin = originOf(tab?.url ?? '');
  if (!origin) {
    state.textContent = say('notWeb');
    return;
  }
  const sites = await currentSites();
  const managed = [...sites.packaged, ...sites.clinic];
  if (sites.active.includes(origin)) {
    if (await allowed(origin)) {
      state.textContent = say('on', { o: origin });
      actions.replaceChildren();
    } else {
      state.textContent = say('off', { o: origin });
      button(say('allow'), async () => {
        if (await allow(origin)) api.tabs.reload(tab.id);
        render();
      });
    }
    return;
  }
  if (managed.length > 0) {
    state.textContent = say('notOscar', { list: [...new Set(managed)].join(', ') });
    actions.replaceChildren();
    return;
  }
  state.textContent = say('off', { o: origin });
  button(say('turnOn'), async () => {
    const result = await turnOn(origin);
    if (result === 'on') {
      api.tabs.reload(tab.id);
      render();
    } else {
      state.textContent = say(result);
      state.className = 'bad';
    }
  });
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = say('turnOnHint');
  actions.append(hint);
}

render();
