// The whole story, in Chromium and in Firefox: an MOA and a doctor (two
// browser profiles) and a patient, against the Oscar simulator connected to
// the service through OAuth, a real SMTP server and the built extension.
//
// 1. The MOA signs in on the schedule; the doctor on an e-chart.
// 2. The doctor writes to the patient with a PDF, Send & Allow Replies.
// 3. The patient follows the email, fails then passes the identity check,
//    enters the code, reads (the doctor sees "Read by"), replies with a photo.
// 4. Within 2 s the MOA's badge shows 1, so does the envelope next to the
//    patient's appointment, and Triage lists the conversation.
// 5. The MOA replies (it leaves Triage) and closes it; the portal refuses a
//    further reply and says why; the doctor reopens it.
// 6. The doctor saves it to the chart; the simulator's chart holds the note.
// 7. Mark as unread puts it back in the MOA's Triage; group info lists the
//    doctor, the MOA and the patient; View files lists the PDF and the photo.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BROWSERS, launch } from './support/browsers.mjs';
import { record } from './support/metrics.mjs';
import { connectOscar } from './support/oscar.mjs';
import { PatientClient } from './support/patient.mjs';
import { startMailCatcher, startOscarSim, startService, tempDir } from './support/servers.mjs';

const files = tempDir('cortico-story-files-');
const PDF = path.join(files, 'care-plan.pdf');
writeFileSync(PDF, '%PDF-1.4\n% synthetic care plan for tests\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
// A 1×1 PNG: the patient's "photo".
const PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

async function signIn(tab, who) {
  await tab.click('.logo');
  await tab.click('.menu-item[data-action="sign-in"]');
  await tab.fill('input[name=clinic]', who.clinic);
  await tab.fill('input[name=email]', who.email);
  await tab.fill('input[name=password]', who.password);
  await tab.click('button[type=submit]');
  await tab.waitForMatch('.toast', new RegExp(who.name.replace('.', '\\.')));
}

async function openConversation(tab, id) {
  await tab.click(`.row[data-conversation-id="${id}"] .row-button`);
  await tab.waitForText('.messages .message');
}

for (const browserName of BROWSERS) {
  describe(`the whole story in ${browserName}`, () => {
    let sim;
    let mail;
    let service;
    let moaBrowser;
    let doctorBrowser;
    let schedule;
    let echart;
    let patient;
    let appointment;
    let conversationId;
    let portal;
    let conversationUrl;
    let began;
    let replied;

    before(async () => {
      [sim, mail] = await Promise.all([startOscarSim({ variant: 'classic' }), startMailCatcher()]);
      service = await startService({ mail });
      await connectOscar({ serviceUrl: service.url, oscarBase: `${sim.url}/oscar`, ...service.admin });
      appointment = sim.seed.appointments.find((a) => a.provider_no === '100001' && a.demographic_no && a.date === sim.seed.today);
      patient = sim.seed.patients.find((p) => p.demographic_no === appointment.demographic_no);
      [moaBrowser, doctorBrowser] = await Promise.all([
        launch(browserName, { serviceUrl: service.url, oscar: [sim.url] }),
        launch(browserName, { serviceUrl: service.url, oscar: [sim.url] }),
      ]);
      began = Date.now();
    });

    after(async () => {
      record(`story_duration_s_${browserName}`, Math.round((Date.now() - began) / 100) / 10, 's');
      await Promise.all([moaBrowser?.close(), doctorBrowser?.close()]);
      await Promise.all([sim, mail, service].map((s) => s?.stop()));
    });

    it('1. the MOA signs in on the schedule and the doctor on the e-chart', async () => {
      schedule = await moaBrowser.newTab();
      await schedule.goto(`${sim.url}/oscar/provider/providercontrol.jsp`);
      await schedule.waitForLogo();
      await signIn(schedule, service.moa);
      echart = await doctorBrowser.newTab();
      await echart.goto(`${sim.url}/oscar/casemgmt/forward.jsp?action=view&demographicNo=${patient.demographic_no}`);
      await echart.waitForLogo();
      await signIn(echart, service.doctor);
    });

    it('2. the doctor writes with a PDF and chooses Send & Allow Replies', async () => {
      await echart.focus();
      await echart.click('.envelope');
      await echart.click('.new-message');
      await echart.fill('textarea', 'Here is your care plan. Send me a photo of the rash, please.');
      await echart.setFiles('input[type=file]', [PDF]);
      await echart.waitForMatch('.chip-name', /care-plan\.pdf/);
      await echart.click('.send-options');
      await echart.click('[data-send="allow-replies"]');
      await echart.waitForMatch('.message-status', /Sent/);
      assert.match(await echart.waitForText('.message .file-name'), /care-plan\.pdf/);
    });

    it('3. the patient checks their identity, reads, and replies with a photo', async () => {
      portal = new PatientClient(mail, patient.email);
      const link = await portal.linkFromEmail();
      // A wrong date of birth gets the same answer as the right one, and no code.
      const wrong = await portal.submitDetails(link, { healthCard: patient.hin, dob: '1999-12-31' });
      assert.match(wrong, /\/p\/[^/]+\/code/, 'the code page, as for right details');
      await assert.rejects(mail.waitForMail(patient.email, { subject: /verification code/i, timeout: 1500 }), 'no code for wrong details');
      conversationUrl = await portal.signIn(link, { healthCard: patient.hin, dob: patient.dob });
      const page = await portal.open(conversationUrl);
      assert.match(page, /Send me a photo of the rash/);
      assert.match(page, /care-plan\.pdf/);
      await echart.waitForMatch('.message-status.read', new RegExp(`Read by ${patient.first_name}`, 'i'));
      await portal.reply(conversationUrl, 'Here it is.', [{ name: 'rash.png', type: 'image/png', bytes: PHOTO }]);
      replied = Date.now();
    });

    it("4. within 2 s the MOA's badge and the appointment's envelope show 1, and Triage lists it", async () => {
      await schedule.focus();
      await schedule.waitInLauncher((root) => root.querySelector('.badge:not([hidden])')?.dataset.count === '1', null, {
        timeout: 2000,
        interval: 20,
        message: 'the badge to show 1 within 2 s',
      });
      record(`story_badge_after_reply_ms_${browserName}`, Date.now() - replied, 'ms');
      const unread = await schedule.waitFor(
        (no) => {
          for (const cell of document.querySelectorAll('td.appt')) {
            const link = cell.querySelector('a.apptLink');
            if (link?.getAttribute('onclick').includes(`appointment_no=${no}&`)) return cell.querySelector('.cortico-appt-envelope')?.dataset.unread ?? null;
          }
          return null;
        },
        appointment.appointment_no,
        { timeout: 2000, message: "the envelope next to the patient's appointment" },
      );
      assert.equal(unread, '1');
      await schedule.click('.envelope');
      // MOAs start on Triage.
      await schedule.waitForMatch('.tab[aria-selected="true"]', /Triage/);
      const row = await schedule.waitInPanel((root) => root.querySelector('.row.unread')?.dataset.conversationId);
      conversationId = Number(row);
      assert.match(await schedule.waitForText('.row.unread .row-preview'), /Here it is|rash\.png/);
    });

    it('5. the MOA replies and closes; the portal refuses a reply; the doctor reopens', async () => {
      await openConversation(schedule, conversationId);
      await schedule.waitForMatch('.message.patient .file-name', /rash\.png/);
      await schedule.fill('textarea', 'Thank you, the doctor will look at it today.');
      await schedule.click('.send-options');
      await schedule.click('[data-send="allow-replies"]');
      await schedule.waitForMatch('.message.staff .message-body', /the doctor will look at it today/);
      await schedule.click('.back');
      await schedule.click('.tab[data-tab="triage"]');
      await schedule.waitInPanel((root) => !root.querySelector('.list[aria-busy="true"]'));
      await schedule.waitInPanel((root, id) => !root.querySelector(`.row[data-conversation-id="${id}"]`), conversationId, { message: 'the conversation to leave Triage' });

      await schedule.click('.tab[data-tab="mine"]');
      await openConversation(schedule, conversationId);
      await schedule.click('.actions .icon-button');
      await schedule.click('[data-action="close"]');
      await schedule.waitForMatch('.closed-notice', /This is a closed conversation\. Sending a message will reopen it\./);

      const form = new FormData();
      form.set('key', `late-${browserName}`);
      form.set('body', 'One more question.');
      const refused = await portal.request(conversationUrl, { method: 'POST', body: form });
      assert.equal(refused.status, 409);
      assert.match(await refused.text(), /This conversation is closed, so you cannot reply/);

      await echart.focus();
      await echart.waitForMatch('.closed-notice', /closed conversation/);
      await echart.click('.actions .icon-button');
      await echart.click('[data-action="reopen"]');
      await echart.waitInPanel((root) => !root.querySelector('.closed-notice'), null, { message: 'the closed banner to go' });
    });

    it('6. the doctor saves the conversation to the chart', async () => {
      await echart.click('.actions .icon-button');
      await echart.noToast();
      await echart.click('[data-action="chart"]');
      assert.match(await echart.waitForOutcome(), /Saved to the patient's chart in Oscar/);
      const notes = await (await fetch(`${sim.url}/__sim/notes/${patient.demographic_no}`)).json();
      assert.equal(notes.length, 1);
      assert.equal(notes[0].isSigned, false);
      assert.equal(notes[0].encounterType, 'email encounter with client');
      for (const text of [/care plan/, /Here it is\./, /rash\.png/, /the doctor will look at it today/]) assert.match(notes[0].note, text);
    });

    it('7. mark as unread, group info and files', async () => {
      await schedule.focus();
      await schedule.click('.actions .icon-button');
      await schedule.click('[data-action="unread"]');
      await schedule.click('.tab[data-tab="triage"]');
      await schedule.waitInPanel((root, id) => !!root.querySelector(`.row.unread[data-conversation-id="${id}"]`), conversationId, { message: "the conversation back in the MOA's Triage" });
      await openConversation(schedule, conversationId);
      await schedule.click('.actions .icon-button');
      await schedule.click('[data-action="members"]');
      await schedule.waitForText('.members .member');
      const members = (await schedule.texts('.member-name')).join(' | ');
      for (const name of ['Dr. Helen Marchetti', 'Lucy Tremblay', patient.last_name.charAt(0) + patient.last_name.slice(1).toLowerCase()]) {
        assert.ok(members.toLowerCase().includes(name.toLowerCase()), `${name} in ${members}`);
      }
      await schedule.click('.back');
      await schedule.click('.actions .icon-button');
      await schedule.click('[data-action="files"]');
      await schedule.waitForText('.all-files .file-name');
      const names = await schedule.texts('.all-files .file-name');
      assert.deepEqual(names.sort(), ['care-plan.pdf', 'rash.png']);
    });
  });
}
