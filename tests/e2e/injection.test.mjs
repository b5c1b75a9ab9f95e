// The built extension in real Chromium and Firefox against the Oscar
// simulator: the logo appears on schedule and e-chart pages of classic OSCAR
// and Open-O, nowhere else, also under a strict CSP, survives DOM rewrites,
// and the context the plug-in read equals the simulator's seeded data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BROWSERS, HOST, launch } from './support/browsers.mjs';
import { record } from './support/metrics.mjs';
import { startOscarSim } from './support/servers.mjs';

const scheduleUrl = (sim) => `${sim.url}${sim.contextPath}/provider/providercontrol.jsp`;
const echartUrl = (sim, demographicNo) => `${sim.url}${sim.contextPath}/casemgmt/forward.jsp?action=view&demographicNo=${demographicNo}`;

/** Opens the logo menu, then "About this page", and returns what it shows. */
async function readAbout(tab) {
  await tab.click('.logo');
  await tab.click('.menu-item[data-action="about"]');
  await tab.waitForText('.about');
  return tab.panel((root) => {
    const field = (name) => root.querySelector(`[data-field="${name}"]`)?.textContent.trim() ?? null;
    const rows = [...root.querySelectorAll('tr[data-appointment-no]')].map((tr) => {
      const [appointmentNo, demographicNo, providerNo, name] = [...tr.cells].map((c) => c.textContent.trim());
      return { appointmentNo: Number(appointmentNo), demographicNo: Number(demographicNo), providerNo, name };
    });
    return {
      providerNo: field('provider-no'),
      appointmentCount: field('appointment-count'),
      patientName: field('patient-name'),
      demographicNo: field('demographic-no'),
      rows,
    };
  });
}

const byAppointment = (a, b) => a.appointmentNo - b.appointmentNo;

function expectedToday(seed) {
  return seed.appointments
    .filter((a) => a.date === seed.date && a.demographic_no !== 0)
    .map((a) => ({ appointmentNo: a.appointment_no, demographicNo: a.demographic_no, providerNo: a.provider_no }))
    .sort(byAppointment);
}

function sameName(shown, patient) {
  const [last, first] = shown.split(',').map((s) => s.trim().toLowerCase());
  return last === patient.last_name.toLowerCase() && first === patient.first_name.toLowerCase();
}

for (const browserName of BROWSERS) {
  describe(`in ${browserName}`, () => {
    let browser;
    const sims = {};

    before(async () => {
      [sims.classic, sims.openo, sims.strict, sims.load, sims.bare] = await Promise.all([
        startOscarSim({ variant: 'classic' }),
        startOscarSim({ variant: 'openo' }),
        startOscarSim({ variant: 'classic', csp: 'strict' }),
        startOscarSim({ variant: 'classic', appointments: 300 }),
        startOscarSim({ variant: 'classic', contextPath: '' }),
      ]);
      browser = await launch(browserName, { oscar: Object.values(sims).map((s) => s.url) });
    });

    after(async () => {
      await browser?.close();
      await Promise.all(Object.values(sims).map((s) => s.stop()));
    });

    for (const variant of ['classic', 'openo']) {
      it(`shows the logo on the ${variant} schedule and reads its appointments`, async () => {
        const sim = sims[variant];
        const tab = await browser.newTab();
        try {
          await tab.goto(scheduleUrl(sim));
          const host = await tab.waitForLogo();
          assert.equal(host.pageKind, 'schedule');
          assert.match(host.className, /\bnoprint\b/);
          assert.match(host.className, /\bDoNotPrint\b/);
          record(`logo_visible_ms_${browserName}_${variant}_schedule`, host.corticoReadyMs, 'ms');

          const about = await readAbout(tab);
          assert.equal(about.providerNo, '100001');
          const expected = expectedToday(sim.seed);
          assert.equal(Number(about.appointmentCount), expected.length);
          assert.deepEqual(about.rows.map(({ name, ...rest }) => rest).sort(byAppointment), expected);
          for (const row of about.rows) {
            const patient = sim.seed.patients.find((p) => p.demographic_no === row.demographicNo);
            assert.ok(sameName(row.name, patient), `${row.name} is ${patient.last_name}, ${patient.first_name}`);
          }
          await tab.press('Escape');
          assert.deepEqual(await tab.texts('.about'), [], 'Escape closes the view');
        } finally {
          await tab.close();
        }
      });

      it(`shows the logo on the ${variant} e-chart and reads the patient`, async () => {
        const sim = sims[variant];
        const patient = sim.seed.patients.find((p) => p.demographic_no === 1002);
        const tab = await browser.newTab();
        try {
          await tab.goto(echartUrl(sim, 1002));
          const host = await tab.waitForLogo();
          assert.equal(host.pageKind, 'echart');
          record(`logo_visible_ms_${browserName}_${variant}_echart`, host.corticoReadyMs, 'ms');
          const about = await readAbout(tab);
          assert.equal(about.demographicNo, '1002');
          assert.ok(sameName(about.patientName, patient), about.patientName);
        } finally {
          await tab.close();
        }
      });
    }

    it('shows the logo on the week view and on an Oscar without context path', async () => {
      const tab = await browser.newTab();
      try {
        const week = `${scheduleUrl(sims.classic)}?year=2026&month=11&day=23&view=0&displaymode=day&dboperation=searchappointmentday&viewall=1&provider_no=100002`;
        await tab.goto(week);
        assert.equal((await tab.waitForLogo()).pageKind, 'schedule');
        await tab.goto(scheduleUrl(sims.bare));
        assert.equal((await tab.waitForLogo()).pageKind, 'schedule');
        await tab.goto(echartUrl(sims.bare, 1001));
        assert.equal((await tab.waitForLogo()).pageKind, 'echart');
      } finally {
        await tab.close();
      }
    });

    it('injects nothing on pages that are not a schedule or an e-chart', async () => {
      const tab = await browser.newTab();
      try {
        const sim = sims.classic;
        for (const url of [
          `${sim.url}/not-oscar.html`,
          `${sim.url}${sim.contextPath}/provider/providercontrol.jsp?year=2026&month=11&day=1&displaymode=month&dboperation=searchappointmentmonth`,
          `${sim.url}${sim.contextPath}/demographic/demographiccontrol.jsp?demographic_no=1001&displaymode=edit&dboperation=search_detail`,
        ]) {
          await tab.goto(url);
          // The content script runs at document_end; give it ample time to (not) act.
          await new Promise((r) => setTimeout(r, 1000));
          assert.equal(await tab.host(), null, url);
        }
      } finally {
        await tab.close();
      }
    });

    it('shows the logo on a page whose CSP forbids WebAssembly', async () => {
      const tab = await browser.newTab();
      try {
        await tab.goto(scheduleUrl(sims.strict));
        const host = await tab.waitForLogo();
        assert.equal(host.pageKind, 'schedule');
        record(`logo_visible_ms_${browserName}_strict_csp_schedule`, host.corticoReadyMs, 'ms');
        // Chrome applies the page CSP to content-script wasm: the extension
        // frame hosts the launcher too. Firefox allows it.
        assert.equal(host.mode, browserName === 'chromium' ? 'frame' : undefined);
        const about = await readAbout(tab);
        assert.equal(Number(about.appointmentCount), expectedToday(sims.strict.seed).length);
      } finally {
        await tab.close();
      }
    });

    it('puts the logo back when Oscar rewrites the page, and never twice', async () => {
      const tab = await browser.newTab();
      try {
        await tab.goto(scheduleUrl(sims.classic));
        await tab.waitForLogo();
        await tab.evaluate((sel) => document.querySelector(sel).remove(), HOST);
        await tab.waitInLauncher((root) => !!root.querySelector('.logo'), null, { message: 'the logo to come back' });
        // An in-place rewrite of the whole body, as some Oscar screens do.
        await tab.evaluate(() => { document.body.innerHTML = document.body.innerHTML; });
        await tab.waitInLauncher((root) => !!root.querySelector('.logo'), null, { message: 'the logo after a rewrite' });
        const host = await tab.host();
        assert.equal(host.count, 1);
      } finally {
        await tab.close();
      }
    });

    it('shows the logo quickly on a 300-appointment schedule', async () => {
      const tab = await browser.newTab();
      try {
        const samples = [];
        for (let i = 0; i < 5; i++) {
          await tab.goto(scheduleUrl(sims.load));
          const host = await tab.waitForLogo();
          samples.push({ fromNavigation: Number(host.corticoReadyMs), afterDomContentLoaded: Number(host.corticoReadyMs) - host.domContentLoadedMs });
        }
        const appointments = await tab.evaluate(() => document.querySelectorAll('td.appt').length);
        assert.equal(appointments, 300);
        const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        record(`logo_visible_ms_${browserName}_300_appointments`, median(samples.map((s) => s.fromNavigation)), 'ms');
        record(`logo_after_domcontentloaded_ms_${browserName}_300_appointments`, Math.round(median(samples.map((s) => s.afterDomContentLoaded))), 'ms');
      } finally {
        await tab.close();
      }
    });
  });
}
