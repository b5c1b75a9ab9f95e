// The Oscar connection in real Chromium and Firefox with the built
// extension: a clinic admin connects the service to Oscar from the panel
// (OAuth 1.0a against the simulator), the patient's email then comes from
// Oscar, an envelope with the unread count appears next to that patient's
// appointment on the schedule, and Save to chart puts the transcript in the
// simulator's chart.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BROWSERS, launch } from './support/browsers.mjs';
import { authorizeInOscar, registerRestClient } from './support/oscar.mjs';
import { PatientClient } from './support/patient.mjs';
import { apiClient, startMailCatcher, startOscarSim, startService } from './support/servers.mjs';

const ARTIFACTS = path.join(process.cwd(), 'artifacts');

for (const browserName of BROWSERS) {
  describe(`Oscar connection in ${browserName}`, () => {
    let sim;
    let mail;
    let service;
    let browser;
    let schedule;
    let appointment;
    let patient;
    let conversationId;
    let portalLink;

    before(async () => {
      [sim, mail] = await Promise.all([startOscarSim({ variant: 'classic' }), startMailCatcher()]);
      service = await startService({ mail });
      browser = await launch(browserName, { serviceUrl: service.url, oscar: [sim.url] });
      // Provider 100001's first patient appointment today (the page the admin looks at).
      appointment = sim.seed.appointments.find((a) => a.provider_no === '100001' && a.demographic_no && a.date === sim.seed.today);
      patient = sim.seed.patients.find((p) => p.demographic_no === appointment.demographic_no);
    });

    after(async () => {
      await browser?.close();
      await Promise.all([sim, mail, service].map((s) => s?.stop()));
    });

    it('lets a clinic admin connect Oscar from the panel', async () => {
      schedule = await browser.newTab();
      await schedule.focus();
      await schedule.goto(`${sim.url}/oscar/provider/providercontrol.jsp`);
      await schedule.waitForLogo();
      await schedule.click('.logo');
      await schedule.click('.menu-item[data-action="sign-in"]');
      await schedule.fill('input[name=clinic]', 'medicalclinic');
      await schedule.fill('input[name=email]', service.admin.email);
      await schedule.fill('input[name=password]', service.admin.password);
      await schedule.click('button[type=submit]');
      await schedule.waitForMatch('.toast', /Clinic Administrator/);

      await schedule.click('.logo');
      await schedule.click('.menu-item[data-action="oscar"]');
      await schedule.waitForMatch('.oscar-state', /Not connected/);
      const callbackUri = await schedule.waitForText('.callback-uri');
      assert.equal(callbackUri, `${service.url}/oscar/callback`);
      const base = await schedule.panel((root) => root.querySelector('input[name=base_url]').value);
      assert.equal(base, `${sim.url}/oscar`, "Oscar's address is taken from the page");

      // In Oscar: Administration > Integration > REST Clients, URI = the service's.
      const client = await registerRestClient(sim.url, `${service.url}/oscar`);
      await schedule.fill('input[name=client_key]', client.key);
      await schedule.fill('input[name=client_secret]', 'a wrong secret');
      await schedule.click('form.oscar-connect button[type=submit]');
      await schedule.waitForMatch('.error', /refused the credentials/);
      await schedule.fill('input[name=client_secret]', client.secret);
      await schedule.click('form.oscar-connect button[type=submit]');
      await schedule.waitForMatch('.oscar-state', /Waiting for authorisation/);
      const authorizeUrl = await schedule.waitInPanel((root) => root.querySelector('.authorize-link')?.href, null, {
        message: "the link to Oscar's authorisation page",
      });
      // The admin signs in to Oscar in that tab and chooses Allow.
      const callback = await authorizeInOscar(authorizeUrl);
      const page = await (await fetch(callback)).text();
      assert.match(page, /Connected as <strong>Helen Marchetti<\/strong>/);
      await schedule.waitForMatch('.oscar-state', /Connected as Helen Marchetti/, { timeout: 8000 });
      // Where Cortico runs: the connection's origin, and one the admin adds.
      await schedule.waitForMatch(`.origin-list li[data-origin="${sim.url}"]`, /Oscar connection/);
      await schedule.fill('input[name=origin]', 'https://EMR2.lakeshore.example/');
      await schedule.click('button[data-action="add-origin"]');
      await schedule.waitForMatch('.origin-list li[data-origin="https://emr2.lakeshore.example"]', /Remove/);
      if (browserName === 'chromium') await schedule.page.screenshot({ path: path.join(ARTIFACTS, 'oscar-connection.png') });
      await schedule.press('Escape');
    });

    it("fills in the patient's email from Oscar, so the first message reaches them", async () => {
      const doctor = await apiClient(service, service.doctor);
      const started = await doctor.post('/api/conversations', {
        patient: { demographic_no: patient.demographic_no, name: { last: patient.last_name, first: patient.first_name } },
        message: { body: 'Your test results are ready; any questions?', allow_replies: true, idempotency_key: `k-${browserName}` },
      });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      conversationId = started.body.conversation.id;
      const details = await doctor.get(`/api/patients/${patient.demographic_no}`);
      assert.equal(details.body.email, patient.email);
      assert.equal(details.body.can_verify_identity, true);
    });

    it("shows the unread count next to the patient's appointment once they reply", async () => {
      const p = new PatientClient(mail, patient.email);
      portalLink = await p.linkFromEmail();
      const url = await p.signIn(portalLink, { healthCard: patient.hin, dob: patient.dob });
      await p.reply(url, 'No questions, thank you.');
      const unread = await schedule.waitFor(
        (no) => {
          for (const cell of document.querySelectorAll('td.appt')) {
            const link = cell.querySelector('a.apptLink');
            if (link && link.getAttribute('onclick').includes(`appointment_no=${no}&`)) {
              return cell.querySelector('.cortico-appt-envelope')?.dataset.unread ?? null;
            }
          }
          return null;
        },
        appointment.appointment_no,
        { timeout: 5000, message: "the envelope next to the patient's appointment" },
      );
      assert.equal(unread, '1');
      const others = await schedule.evaluate(() => document.querySelectorAll('.cortico-appt-envelope').length);
      assert.equal(others, 1, 'only that appointment has an envelope');
      if (browserName === 'chromium') await schedule.page.screenshot({ path: path.join(ARTIFACTS, 'schedule-envelope.png') });
    });

    it('saves the conversation to the chart in Oscar', async () => {
      await schedule.click('.envelope');
      await schedule.click('.tab[data-tab="triage"]');
      await schedule.click(`.row[data-conversation-id="${conversationId}"] .row-button`);
      await schedule.waitForMatch('.message.patient .message-body', /No questions, thank you\./);
      await schedule.click('.actions .icon-button');
      await schedule.noToast();
      await schedule.click('[data-action="chart"]');
      assert.match(await schedule.waitForOutcome(), /Saved to the patient's chart in Oscar/);
      const notes = await (await fetch(`${sim.url}/__sim/notes/${patient.demographic_no}`)).json();
      assert.equal(notes.length, 1);
      assert.equal(notes[0].isSigned, false);
      assert.equal(notes[0].encounterType, 'email encounter with client');
      assert.match(notes[0].note, /Your test results are ready/);
      assert.match(notes[0].note, /No questions, thank you\./);
    });

    it("shows a locked-out patient on the e-chart and lets staff unlock them", async () => {
      // Six wrong dates of birth through the patient's link lock them out.
      const p = new PatientClient(mail, patient.email);
      const doctor = await apiClient(service, service.doctor);
      for (let i = 0; i < 6; i++) await p.submitDetails(portalLink, { healthCard: patient.hin, dob: '1990-01-01' });
      assert.equal((await doctor.get(`/api/patients/${patient.demographic_no}`)).body.locked, true);
      const echart = await browser.newTab();
      await echart.focus();
      await echart.goto(`${sim.url}/oscar/casemgmt/forward.jsp?action=view&demographicNo=${patient.demographic_no}`);
      await echart.waitForLogo();
      await echart.click('.envelope');
      await echart.waitForMatch('.portal-locked', /locked out of the portal/);
      await echart.click('.portal-locked [data-action="unlock"]');
      await echart.waitForMatch('.toast', /Unlocked/);
      assert.equal((await doctor.get(`/api/patients/${patient.demographic_no}`)).body.locked, false);
    });
  });
}
