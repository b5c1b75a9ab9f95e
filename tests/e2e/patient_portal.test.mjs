// The patient's whole path in real Chromium: the emailed link, a wrong date
// of birth then the right one, the emailed code, reading (staff then see
// "Read by"), replying with a file (staff see it through the API and the
// stream), the lockout after six failures and the unlock, a closed
// conversation refusing a reply, and the French page.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { record } from './support/metrics.mjs';
import { apiClient, startMailCatcher, startService, tempDir } from './support/servers.mjs';

const PATIENT = { demographic_no: 1001, first: 'Elin', last: 'Bergstrom', email: 'elin.bergstrom@example.com', hin: '5620066588', version: 'RT', dob: '1984-05-07' };

/** Reads `update` events of the staff stream until `predicate(data)` holds. */
async function streamUntil(service, token, predicate, timeout = 5000) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  try {
    const res = await fetch(`${service.url}/api/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data:'));
        if (data && predicate(JSON.parse(data.slice(5)))) return JSON.parse(data.slice(5));
      }
    }
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
}

describe('patient portal in chromium', () => {
  let mail;
  let service;
  let doctor;
  let browser;
  const files = tempDir('cortico-portal-files-');
  const photo = path.join(files, 'rash.png');

  before(async () => {
    mail = await startMailCatcher();
    service = await startService({ mail });
    doctor = await apiClient(service, service.doctor);
    const details = await doctor.post(`/api/patients/${PATIENT.demographic_no}/details`, {
      first_name: PATIENT.first,
      last_name: PATIENT.last,
      email: PATIENT.email,
      health_card_number: `${PATIENT.hin}${PATIENT.version}`,
      date_of_birth: PATIENT.dob,
    });
    assert.equal(details.status, 200, JSON.stringify(details.body));
    // A real (tiny) PNG: 1x1 pixel.
    writeFileSync(photo, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8cf000000030101' + '00b7a3d91a0000000049454e44ae426082', 'hex'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
    await mail?.stop();
  });

  async function startConversation(body, allowReplies) {
    const res = await doctor.post('/api/conversations', {
      patient: { demographic_no: PATIENT.demographic_no, name: { last: PATIENT.last.toUpperCase(), first: PATIENT.first.toUpperCase() } },
      message: { body, allow_replies: allowReplies, idempotency_key: `k-${Date.now()}-${Math.random()}` },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.conversation.id;
  }

  async function linkFromEmail() {
    const m = await mail.waitForMail(PATIENT.email, { subject: /secure message/i });
    assert.doesNotMatch(m.body, /lab|result|5620066588|1984/i, 'the email holds no health information');
    return m.body.match(/http:\/\/\S+\/p\/[A-Za-z0-9_-]+/)[0];
  }

  async function fillIdentity(page, hin, dob) {
    const [y, m, d] = dob.split('-');
    await page.fill('#health_card', hin);
    await page.fill('#year', y);
    await page.selectOption('#month', String(Number(m)));
    await page.fill('#day', String(Number(d)));
  }

  it('takes the patient from the email to reading and replying with a photo', async () => {
    const started = Date.now();
    const id = await startConversation('Your lab results are in. Please book a follow-up.', true);
    const link = await linkFromEmail();
    const context = await browser.newContext({ locale: 'en-CA', viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    try {
      await page.goto(link);
      assert.equal(await page.locator('h1').textContent(), 'Confirm who you are');

      // A wrong date of birth first: the same answer as right details (nothing
      // tells a stranger which details are right), but no code is sent.
      await fillIdentity(page, '5620 066 588 rt', '1984-05-08');
      await page.click('main button[type=submit]');
      await page.waitForSelector('#code');
      assert.match(await page.locator('main').textContent(), /If the details you entered match/);

      // Then the right one, with the health card typed differently.
      await page.goto(link);
      await fillIdentity(page, '5620-066-588', PATIENT.dob);
      await page.check('#keep');
      await page.click('main button[type=submit]');
      await page.waitForSelector('#code');
      const codeMail = await mail.waitForMail(PATIENT.email, { subject: /verification code/i });
      const code = codeMail.body.match(/\b(\d{6})\b/)[1];
      await page.fill('#code', code);
      await page.click('main button[type=submit]');
      await page.waitForURL(`**/portal/c/${id}**`);
      assert.match(await page.locator('.msg.clinic .body').first().textContent(), /lab results are in/);
      await page.screenshot({ path: path.join(process.cwd(), 'artifacts', 'portal-conversation.png'), fullPage: true });

      // Staff now see "Read by Elin".
      const detail = await doctor.get(`/api/conversations/${id}`);
      assert.deepEqual({ state: detail.body.messages[0].read_status.state, by: detail.body.messages[0].read_status.by }, { state: 'read', by: 'Elin' });

      // The reply with a photo reaches the staff stream promptly.
      const seen = streamUntil(service, doctor.token, (u) => u.changed.includes(id) && u.unread >= 0);
      await page.fill('#body', 'Thank you. Here is a photo of the rash.');
      await page.setInputFiles('#files', photo);
      const sentAt = Date.now();
      await page.click('main button[type=submit]');
      await seen;
      record('patient_reply_to_staff_stream_ms', Date.now() - sentAt, 'ms');
      await page.waitForSelector('.msg.mine');
      const after = await doctor.get(`/api/conversations/${id}`);
      const reply = after.body.messages.at(-1);
      assert.equal(reply.author_kind, 'patient');
      assert.match(reply.body, /photo of the rash/);
      assert.equal(reply.attachments[0].file_name, 'rash.png');
      assert.equal(reply.attachments[0].media_type, 'image/png');
      record('patient_path_email_to_reply_ms', Date.now() - started, 'ms');

      // "Keep me signed in": a new link goes straight to the conversation.
      const id2 = await startConversation('A second note from the clinic.', false);
      const link2 = await linkFromEmail();
      await page.goto(link2);
      await page.waitForURL(`**/portal/c/${id2}**`);
      assert.match(await page.locator('.notice').textContent(), /did not ask for a reply/);
    } finally {
      await context.close();
    }
  });

  it('refuses a reply to a closed conversation and says why', async () => {
    const id = await startConversation('We have sent your prescription.', true);
    const link = await linkFromEmail();
    const context = await browser.newContext({ locale: 'en-CA' });
    const page = await context.newPage();
    try {
      await page.goto(link);
      await fillIdentity(page, PATIENT.hin, PATIENT.dob);
      await page.click('main button[type=submit]');
      await page.waitForSelector('#code');
      const code = (await mail.waitForMail(PATIENT.email, { subject: /verification code/i })).body.match(/\b(\d{6})\b/)[1];
      await page.fill('#code', code);
      await page.click('main button[type=submit]');
      await page.waitForURL(`**/portal/c/${id}**`);
      // The clinic closes it while the patient has the page open.
      assert.equal((await doctor.post(`/api/conversations/${id}/close`)).status, 204);
      const before = (await doctor.get(`/api/conversations/${id}`)).body.messages.length;
      await page.fill('#body', 'One more question');
      await page.click('main button[type=submit]');
      await page.waitForSelector('.problem');
      assert.match(await page.locator('.problem').textContent(), /closed/);
      assert.equal((await doctor.get(`/api/conversations/${id}`)).body.messages.length, before, 'nothing was stored');
      // Reloading shows the same reason instead of a form.
      await page.goto(page.url());
      assert.match(await page.locator('.notice').textContent(), /closed/);
      assert.equal(await page.locator('#body').count(), 0);
    } finally {
      await context.close();
    }
  });

  it('locks the patient out after six failures until staff unlock', async () => {
    await startConversation('Please confirm your appointment.', true);
    const link = await linkFromEmail();
    const context = await browser.newContext({ locale: 'en-CA' });
    const page = await context.newPage();
    try {
      for (let i = 0; i < 6; i++) {
        await page.goto(link);
        await fillIdentity(page, PATIENT.hin, '1990-01-01');
        await page.click('main button[type=submit]');
        await page.waitForLoadState('load');
      }
      const status = await doctor.get(`/api/patients/${PATIENT.demographic_no}`);
      assert.equal(status.body.locked, true);
      // Even the right details get no code now, and the code step says why.
      await page.goto(link);
      await fillIdentity(page, PATIENT.hin, PATIENT.dob);
      await page.click('main button[type=submit]');
      await page.waitForSelector('#code');
      await page.fill('#code', '000000');
      await page.click('main button[type=submit]');
      await page.waitForLoadState('load');
      assert.match(await page.locator('main').textContent(), /locked/);

      assert.equal((await doctor.post(`/api/patients/${PATIENT.demographic_no}/unlock`)).status, 204);
      await page.goto(link);
      await fillIdentity(page, PATIENT.hin, PATIENT.dob);
      await page.click('main button[type=submit]');
      await page.waitForSelector('#code');
    } finally {
      await context.close();
    }
  });

  it('speaks French from the browser language and the switch', async () => {
    await startConversation('Bonjour, vos résultats sont prêts.', true);
    const link = await linkFromEmail();
    const context = await browser.newContext({ locale: 'fr-CA' });
    const page = await context.newPage();
    try {
      await page.goto(link);
      assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
      assert.equal(await page.locator('h1').textContent(), 'Confirmez votre identité');
      await page.click('a[hreflang=en]');
      assert.equal(await page.locator('h1').textContent(), 'Confirm who you are');
      await page.click('a[hreflang=fr]');
      assert.match(await page.locator('label[for=health_card]').textContent(), /Numéro de carte santé/);
      await page.screenshot({ path: path.join(process.cwd(), 'artifacts', 'portal-identity-fr.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('shows a clear page for a tampered link', async () => {
    const page = await browser.newPage();
    try {
      const res = await page.goto(`${service.url}/p/not-a-real-token`);
      assert.equal(res.status(), 404);
      assert.match(await page.locator('h1').textContent(), /not valid/);
    } finally {
      await page.close();
    }
  });
});
