import { launch, setServiceUrl, HOST } from './e2e/support/browsers.mjs';
import { startOscarSim, startService } from './e2e/support/servers.mjs';
import { writeFileSync } from 'node:fs';
const which = process.argv[2] ?? 'chromium';
const sim = await startOscarSim({ variant: 'classic' });
const svc = await startService();
const b = await launch(which);
try {
  await setServiceUrl(b, svc.url);
  const tab = await b.newTab();
  tab.page.on?.('console', (m) => console.log('console:', m.text()));
  await tab.goto(`${sim.url}/oscar/casemgmt/forward.jsp?action=view&demographicNo=1002`);
  await tab.waitForLogo();
  await tab.click('.logo');
  await tab.click('.menu-item[data-action="sign-in"]');
  await tab.waitForText('form');
  await tab.page.screenshot({ path: '/tmp/s1.png' });
  for (const [name, v] of [['clinic', 'medicalclinic'], ['email', svc.doctor.email], ['password', svc.doctor.password]]) {
    await tab.page.locator(tab.shadow(`input[name=${name}]`)).fill(v);
  }
  await tab.click('button[type=submit]');
  await new Promise(r => setTimeout(r, 1500)); await tab.page.screenshot({ path: '/tmp/s1b.png' }); console.log('err', await tab.texts('.error'), await tab.texts('.toast'));
  console.log('toast', await tab.waitForText('.toast'));
  await tab.click('.envelope');
  await tab.waitForText('.tabs');
  await tab.page.screenshot({ path: '/tmp/s2.png' });
  await tab.click('.new-message');
  await tab.page.locator(tab.shadow('textarea')).fill('Hello, your lab results are ready. Please review the attached PDF.');
  writeFileSync('/tmp/lab.pdf', '%PDF-1.4 synthetic lab report');
  await tab.page.locator(tab.shadow('input[type=file]')).setInputFiles('/tmp/lab.pdf');
  await tab.waitForText('.chip-name');
  await tab.click('.send-options');
  await tab.click('[data-send="allow-replies"]');
  await tab.waitForText('.message-status');
  await tab.page.screenshot({ path: '/tmp/s3.png' });
  console.log(await tab.texts('.message'));
} finally {
  await b.close(); await sim.stop(); await svc.stop();
}
