// Starts the project's servers (built by build.sh) on 127.0.0.1 free ports
// for a test, and stops them afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const EXTENSION_DIR = path.join(ROOT, 'dist/extension');
const BIN_DIR = path.join(ROOT, 'target/server');

/** A running child process that printed "listening on <url>". */
export class Server {
  constructor(child, url, name) {
    this.child = child;
    this.url = url;
    this.name = name;
    this.stderr = '';
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Simulates a crash: no clean shutdown. */
  async kill() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Spawns `bin args…` and resolves once it prints its URL. */
export async function startServer(bin, args, { env = {}, name = bin } = {}) {
  const child = spawn(path.isAbsolute(bin) ? bin : path.join(BIN_DIR, bin), args, {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${d}`);
  });
  const { url, line } = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${stderr}`)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)[^\n]*/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], line: m[0] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} during start-up:\n${stderr}`));
    });
  });
  const server = new Server(child, url, name);
  server.line = line;
  Object.defineProperty(server, 'stderr', { get: () => stderr });
  return server;
}

/** The Oscar simulator. `opts`: variant, csp, appointments, contextPath. */
export async function startOscarSim({ variant = 'classic', csp = 'none', appointments, contextPath = '/oscar', extra = [] } = {}) {
  const args = ['--bind', '127.0.0.1', '--port', '0', '--variant', variant, '--csp', csp, '--context-path', contextPath, ...extra];
  if (appointments) args.push('--appointments', String(appointments));
  const server = await startServer('oscar-sim', args, { name: `oscar-sim(${variant})` });
  const seed = await (await fetch(`${server.url}/__sim/seed.json`)).json();
  return Object.assign(server, { seed, contextPath, variant });
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Runs a cortico-service admin command against a data directory. */
export async function serviceCli(dataDir, args, env = {}) {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(path.join(BIN_DIR, 'cortico-service'), ['--data-dir', dataDir, ...args], { env: { ...process.env, RUST_LOG: 'warn', ...env } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cortico-service ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

export const STAFF_PASSWORD = 'synthetic-test-password';

/**
 * The messaging service on a fresh data directory, with one clinic
 * ("medicalclinic") and a doctor and an MOA whose password is STAFF_PASSWORD.
 */
export async function startService({ dataDir = tempDir('cortico-service-'), env = {}, extra = [], mail, port = 0 } = {}) {
  const fresh = !(await import('node:fs')).existsSync(path.join(dataDir, 'cortico.db'));
  if (fresh) {
    await serviceCli(dataDir, ['clinic', 'create', '--slug', 'medicalclinic', '--name', 'Lakeshore Family Health']);
    await serviceCli(dataDir, ['clinic', 'set', '--slug', 'medicalclinic', '--patient-initiated', 'on']);
    for (const [email, name, role, provider] of [
      ['helen.marchetti@lakeshore.example', 'Dr. Helen Marchetti', 'doctor', '100001'],
      ['lucy.tremblay@lakeshore.example', 'Lucy Tremblay', 'moa', '100090'],
      ['admin@lakeshore.example', 'Clinic Administrator', 'admin', null],
    ]) {
      const providerArgs = provider ? ['--provider-no', provider] : [];
      await serviceCli(dataDir, ['staff', 'create', '--clinic', 'medicalclinic', '--email', email, '--name', name, '--role', role, ...providerArgs], { CORTICO_PASSWORD: STAFF_PASSWORD });
    }
  }
  const smtp = mail ? ['--smtp-host', '127.0.0.1', '--smtp-port', String(mail.smtpPort), '--smtp-tls', 'none', '--smtp-from', 'Lakeshore Family Health <no-reply@lakeshore.example>'] : [];
  const server = await startServer('cortico-service', ['--data-dir', dataDir, 'serve', '--bind', `127.0.0.1:${port}`, ...smtp, ...extra], { env, name: 'cortico-service' });
  return Object.assign(server, {
    dataDir,
    port: Number(new URL(server.url).port),
    mail,
    doctor: { clinic: 'medicalclinic', email: 'helen.marchetti@lakeshore.example', password: STAFF_PASSWORD, name: 'Dr. Helen Marchetti' },
    moa: { clinic: 'medicalclinic', email: 'lucy.tremblay@lakeshore.example', password: STAFF_PASSWORD, name: 'Lucy Tremblay' },
    admin: { clinic: 'medicalclinic', email: 'admin@lakeshore.example', password: STAFF_PASSWORD, name: 'Clinic Administrator' },
  });
}

/** Signs in over HTTP and returns a small API client for the test's own checks. */
export async function apiClient(service, who) {
  const res = await fetch(`${service.url}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clinic: who.clinic, email: who.email, password: who.password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const { token } = await res.json();
  const call = async (method, p, json) => {
    const r = await fetch(`${service.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { token, get: (p) => call('GET', p), post: (p, json) => call('POST', p, json) };
}

/**
 * The local mail catcher (a real SMTP server, tests/mail/mail_catcher.py).
 * `waitForMail(to, { subject })` returns the next mail to that address.
 */
export async function startMailCatcher() {
  const python = path.join(ROOT, 'tests/.venv/bin/python');
  const server = await startServer(python, [path.join(ROOT, 'tests/mail/mail_catcher.py')], { name: 'mail-catcher' });
  server.smtpPort = Number(server.line.match(/smtp=127\.0\.0\.1:(\d+)/)[1]);
  const messages = async () => (await fetch(`${server.url}/messages`)).json();
  const seen = new Set();
  /** The next mail to `to` not returned before (and matching `subject`). */
  const waitForMail = async (to, { subject = /./, timeout = 15000 } = {}) => {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      const mail = (await messages()).find((m) => !seen.has(m.id) && m.to.includes(to) && subject.test(m.subject));
      if (mail) {
        seen.add(mail.id);
        return mail;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${to} matching ${subject} within ${timeout} ms`);
  };
  return Object.assign(server, { messages, waitForMail });
}
