// Test harness: a real Homeward server on a free port with a temp data dir, tokens
// from the real CLI, API calls, and a real headless Chromium.

'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.HOMEWARD_BIN || path.join(ROOT, 'target', 'debug', 'homeward');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// libfaketime (Debian package `faketime`) lets a scenario be recorded over hours of
// past time, so that the board shows realistic ages and replay has a history to
// scrub. Without it every seeded event is simply recorded now.
const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1'].find((p) =>
  fs.existsSync(p),
);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Polls `check` until it returns a truthy value or `timeoutMs` passes.
async function waitFor(check, { timeoutMs = 15000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Servers still running when the test process exits (a failed hook, Ctrl-C) are killed.
const running = new Set();
process.on('exit', () => {
  for (const p of running) {
    try {
      p.kill('SIGKILL');
    } catch (_) {
      /* gone */
    }
  }
});

class Server {
  constructor({ dataDir, port }) {
    this.dataDir = dataDir;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.logPath = path.join(dataDir, '..', `${path.basename(dataDir)}-server-${port}.log`);
  }

  // `config`: the text of homeward.toml (the deadlines), written before the start.
  static async create({ config } = {}) {
    const root = tempDir('homeward-wall-');
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir);
    if (config) fs.writeFileSync(path.join(dataDir, 'homeward.toml'), config);
    const server = new Server({ dataDir, port: await freePort() });
    server.root = root;
    await server.start();
    return server;
  }

  // `fakeOffset` (e.g. '-26h'): run the server with its clock that far in the past.
  async start({ fakeOffset } = {}) {
    if (this.proc) throw new Error('server already running');
    const env = { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' };
    if (fakeOffset && FAKETIME_LIB) {
      env.LD_PRELOAD = FAKETIME_LIB;
      env.FAKETIME = fakeOffset;
      env.FAKETIME_DONT_FAKE_MONOTONIC = '1';
    }
    const log = fs.openSync(this.logPath, 'a');
    const proc = spawn(BIN, ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`], {
      stdio: ['ignore', log, log],
      env,
    });
    fs.closeSync(log);
    this.proc = proc;
    this.died = null;
    running.add(proc);
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        running.delete(proc);
        if (this.proc === proc) this.died = { code, signal };
        resolve({ code, signal });
      }),
    );
    let dead = null;
    this.exited.then((r) => {
      dead = r;
    });
    await waitFor(
      async () => {
        if (dead) throw new Error(`server exited early (${JSON.stringify(dead)}): ${this.log()}`);
        const res = await fetch(`${this.base}/healthz`);
        return res.ok;
      },
      { timeoutMs: 30000, what: `server on port ${this.port}` },
    );
  }

  // SIGTERM, as an operator or a service manager stops it; waits for the exit.
  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(timer);
  }

  static get canShiftTime() {
    return !!FAKETIME_LIB;
  }

  // Restarts the server with its clock `offset` in the past ('-3h'), or on real time
  // (null). Does nothing when libfaketime is missing.
  async shiftTime(offset) {
    if (!FAKETIME_LIB || (this.offset || null) === (offset || null)) return;
    await this.stop();
    this.offset = offset || null;
    await this.start({ fakeOffset: this.offset });
  }

  log() {
    try {
      return fs.readFileSync(this.logPath, 'utf8').slice(-4000);
    } catch (_) {
      return '';
    }
  }

  token(role, subject = `test-${role}`) {
    const out = execFileSync(BIN, ['token', 'issue', '--data-dir', this.dataDir, '--subject', subject, '--role', role], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = out.trim().split('\n');
    return lines[lines.length - 1].trim();
  }

  async api(token, method, urlPath, body) {
    let res;
    try {
      res = await fetch(`${this.base}${urlPath}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const cause = e.cause ? ` (${e.cause.code || ''} ${e.cause.message || e.cause})` : '';
      throw new Error(`${method} ${urlPath}: ${e.message}${cause}; server ${this.died ? `died unexpectedly (${JSON.stringify(this.died)})` : this.proc ? `running, pid ${this.proc.pid}` : 'stopped'}; log tail:\n${this.log().slice(-1500)}`);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${urlPath} -> ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async destroy() {
    await this.stop();
    if (this.root && !process.env.KEEP_TEST_DATA) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

async function launchBrowser() {
  const { chromium } = require('playwright-core');
  const userDataDir = tempDir('homeward-wall-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1920, height: 1080 },
    deviceScaleFactor: 1,
    timezoneId: 'UTC',
    locale: 'en-GB',
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// A fresh page with no stored token (the persistent profile is shared by one file's tests).
async function freshPage(browser) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.errors = errors;
  return page;
}

async function clearStorage(page, base) {
  await page.goto(`${base}/healthz`);
  await page.evaluate(() => window.localStorage.clear());
}

module.exports = { Server, launchBrowser, freshPage, clearStorage, waitFor, freePort, tempDir, ROOT, BIN };
