// A patient using the portal over plain HTTP (no browser): follows the
// emailed link, passes the identity check with the emailed code, reads and
// replies. Used where a test needs "a patient reply through the service".
export class PatientClient {
  constructor(mail, email) {
    this.mail = mail;
    this.email = email;
    this.cookies = new Map();
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  keepCookies(res) {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(';');
      const [k, v] = pair.split('=');
      if (v) this.cookies.set(k, v);
      else this.cookies.delete(k);
    }
  }

  async request(url, init = {}) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: this.cookieHeader() } });
    this.keepCookies(res);
    return res;
  }

  /** Waits for the clinic's notification and returns its link. */
  async linkFromEmail() {
    const mail = await this.mail.waitForMail(this.email, { subject: /secure message/i });
    const link = mail.body.match(/https?:\/\/\S+\/p\/[A-Za-z0-9_-]+/);
    if (!link) throw new Error(`no link in: ${mail.body}`);
    return link[0];
  }

  /**
   * The identity step: answers the code page it sends to, the same for right
   * and wrong details (only right ones get a code by email).
   */
  async submitDetails(link, { healthCard, dob, keep = true }) {
    const [year, month, day] = dob.split('-').map(Number);
    const form = new URLSearchParams({ health_card: healthCard, year: String(year), month: String(month), day: String(day) });
    if (keep) form.set('keep', '1');
    const res = await this.request(link, { method: 'POST', body: form });
    if (res.status !== 303 && res.status !== 302) throw new Error(`identity check answered ${res.status}`);
    return new URL(res.headers.get('location'), link).href;
  }

  /** Identity check and code; returns where the portal sent the patient. */
  async signIn(link, { healthCard, dob, keep = true }) {
    const codePage = await this.submitDetails(link, { healthCard, dob, keep });
    const mail = await this.mail.waitForMail(this.email, { subject: /verification code/i });
    const code = mail.body.match(/\b(\d{6})\b/)[1];
    const done = await this.request(codePage, { method: 'POST', body: new URLSearchParams({ code, ...(keep ? { keep: '1' } : {}) }) });
    if (done.status !== 303 && done.status !== 302) throw new Error(`code answered ${done.status}`);
    return new URL(done.headers.get('location'), link).href;
  }

  /** Opens a conversation page (records the read receipt). */
  async open(url) {
    const res = await this.request(url);
    if (res.status !== 200) throw new Error(`opening ${url} answered ${res.status}`);
    return res.text();
  }

  /** Replies in a conversation, with optional files [{name, type, bytes}]. */
  async reply(conversationUrl, body, files = []) {
    const form = new FormData();
    form.set('key', `k${Date.now()}${Math.random().toString(36).slice(2)}`);
    form.set('body', body);
    for (const f of files) form.append('files', new Blob([f.bytes], { type: f.type }), f.name);
    const res = await this.request(conversationUrl, { method: 'POST', body: form });
    if (res.status !== 303 && res.status !== 302) throw new Error(`reply answered ${res.status}: ${await res.text()}`);
  }
}
