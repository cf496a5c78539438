// Real-browser tests of the field capture page and the citizens' answer page: a real
// Homeward server (behind a small proxy of the test's, so the server can be killed at
// an exact moment of the sync), real tokens from the CLI, headless Chromium.

'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');

const { Server, launchBrowser, freshPage, waitFor, freePort } = require('./lib/harness');

const T = { timeout: 180000 };
const HOOK = { timeout: 180000 };

let browser;
before(async () => {
  browser = await launchBrowser();
}, HOOK);
after(async () => {
  if (browser) await browser.close();
});

// Forwards every request to the server. `onReport(n)` is awaited after the n-th report
// POST was answered by the server and before the answer is passed on; if it returns
// 'drop', the browser gets a broken connection instead of the answer (the answer lost).
function proxy(server) {
  const state = { reports: 0, onReport: null };
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const up = http.request(
        { host: '127.0.0.1', port: server.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          const body = [];
          upRes.on('data', (c) => body.push(c));
          upRes.on('end', async () => {
            const isReport = req.method === 'POST' && /\/reports$/.test(req.url);
            let verdict = null;
            if (isReport && upRes.statusCode < 300) {
              state.reports += 1;
              if (state.onReport) verdict = await state.onReport(state.reports);
            }
            if (verdict === 'drop') {
              req.socket.destroy();
              return;
            }
            res.writeHead(upRes.statusCode, upRes.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('server down');
        }
      });
      up.end(Buffer.concat(chunks));
    });
  });
  return {
    state,
    async listen() {
      const port = await freePort();
      await new Promise((r) => srv.listen(port, '127.0.0.1', r));
      this.base = `http://127.0.0.1:${port}`;
      return this;
    },
    close() {
      return new Promise((r) => srv.close(r));
    },
  };
}

// SIGKILL: no shutdown, no last snapshot; whatever was acknowledged must survive.
async function kill(server) {
  const p = server.proc;
  server.proc = null;
  p.kill('SIGKILL');
  await server.exited;
}

async function outbox(page) {
  return page.$$eval('#outbox > *', (els) => els.map((e) => e.textContent));
}

function until(page, fn, arg, timeout = 20000) {
  return page.waitForFunction(fn, arg, { timeout, polling: 100 });
}

// `YYYY-MM-DDTHH:MM:SS` in UTC (the browser runs in UTC), and the ISO form the page sends.
function localInput(date) {
  return date.toISOString().slice(0, 19);
}

describe('field capture', () => {
  let server;
  let front;
  let duty;
  let field;
  let incident;
  let other;
  let page;

  before(async () => {
    server = await Server.create();
    duty = server.token('duty_officer', 'duty.officer');
    field = server.token('field_officer', 'field.amira');
    const open = async (title) =>
      (await server.api(duty, 'POST', '/v1/incidents', { kind: 'natural_disaster', title, country: 'NP', severity: 3 })).id;
    incident = await open('Earthquake in Gorkha');
    other = await open('Landslide near Pokhara');
    const foreign = await open('Flooding in Chitwan');
    for (const id of [incident, other]) {
      await server.api(duty, 'POST', `/v1/incidents/${id}/team`, { subject: 'field.amira' });
    }
    assert.ok(foreign);
    front = await proxy(server).listen();
    page = await freshPage(browser);
    await page.goto(`${front.base}/field?token=${encodeURIComponent(field)}`);
    await until(page, () => document.body.dataset.ready === 'true' && document.body.dataset.offline === 'ready');
  }, HOOK);

  after(async () => {
    if (page) await page.close();
    if (front) await front.close();
    if (server) await server.destroy();
  });

  test('keeps the token, lists only assigned incidents and the API categories', T, async () => {
    assert.ok(!page.url().includes('token'), `the token left the address bar: ${page.url()}`);
    const stored = await page.evaluate(() => window.localStorage.getItem('homeward.field.token'));
    assert.equal(stored, field);
    const incidents = await page.$$eval('select[name=incident] option', (os) => os.map((o) => o.value));
    assert.deepEqual(incidents.sort(), [incident, other].sort());
    const mine = await server.api(field, 'GET', '/v1/me/incidents');
    const categories = await page.$$eval('select[name=category] option', (os) => os.map((o) => o.value));
    assert.deepEqual(categories, mine.report_categories);
    assert.ok(categories.includes('situation') && categories.includes('medical'));
    assert.deepEqual(page.errors, []);
  });

  test('20 reports written offline survive a reload and a server killed mid-sync, and arrive once each', T, async () => {
    await browser.context.setOffline(true);
    const start = Math.floor(Date.now() / 1000) * 1000 - 6 * 3600 * 1000;
    const written = [];
    for (let i = 0; i < 20; i += 1) {
      const at = new Date(start + i * 60 * 1000);
      await page.selectOption('select[name=incident]', incident);
      await page.selectOption('select[name=category]', i % 2 ? 'situation' : 'medical');
      await page.fill('textarea[name=text]', `Offline report ${i} from Gorkha`);
      await page.fill('input[name=occurred_at]', localInput(at));
      await page.click('button[type=submit]');
      await until(page, (n) => document.querySelectorAll('#outbox > *').length === n, i + 1);
      written.push({ text: `Offline report ${i} from Gorkha`, occurred_at: at.toISOString() });
    }
    let items = await outbox(page);
    assert.equal(items.length, 20);
    assert.ok(items.every((t) => t.includes('queued')), items.join('\n'));

    // Reloaded with no network: the service worker serves the page, the outbox is intact.
    await page.reload();
    await until(page, () => document.body.dataset.ready === 'true');
    items = await outbox(page);
    assert.equal(items.length, 20);
    assert.ok(items.every((t) => t.includes('queued')));
    assert.equal(await page.$$eval('select[name=incident] option', (os) => os.length), 2, 'the assigned list is kept');

    // Network back; the server dies right after committing the 8th report, before its
    // answer reaches the phone, and comes back a moment later.
    let restarted;
    front.state.onReport = async (n) => {
      if (n !== 8) return null;
      await kill(server);
      restarted = server.start();
      return 'drop';
    };
    await browser.context.setOffline(false);
    await until(page, () => [...document.querySelectorAll('#outbox > *')].every((e) => e.textContent.includes('sent')), null, 120000);
    assert.ok(restarted, 'the server was killed in the middle of the sync');
    await restarted;
    front.state.onReport = null;

    const file = await server.api(duty, 'GET', `/v1/incidents/${incident}`);
    assert.equal(file.reports.length, 20, JSON.stringify(file.reports.map((r) => r.text)));
    for (const w of written) {
      const found = file.reports.filter((r) => r.text === w.text);
      assert.equal(found.length, 1, `${w.text} arrived ${found.length} times`);
      assert.equal(new Date(found[0].occurred_at).toISOString(), w.occurred_at, w.text);
    }
    assert.ok(front.state.reports >= 20);
  });

  test('a report to an incident closed meanwhile is refused with the reason, and not retried', T, async () => {
    await browser.context.setOffline(true);
    await page.selectOption('select[name=incident]', other);
    await page.selectOption('select[name=category]', 'logistics');
    await page.fill('textarea[name=text]', 'Road to Pokhara blocked');
    await page.click('button[type=submit]');
    await until(page, () => document.querySelector('#outbox > *').textContent.includes('queued'));
    await server.api(duty, 'POST', `/v1/incidents/${other}/close`, { reason: 'handed to the local authorities' });
    const before = front.state.reports;
    await browser.context.setOffline(false);
    await until(page, () => document.querySelector('#outbox > *').textContent.includes('refused'));
    const first = (await outbox(page))[0];
    assert.match(first, /closed/, first);
    const file = await server.api(duty, 'GET', `/v1/incidents/${other}`);
    assert.equal(file.reports.length, 0);
    // A later sync round leaves it refused: it is not sent again.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await until(page, () => document.querySelectorAll('#outbox > *').length === 21);
    assert.match((await outbox(page))[0], /refused/);
    assert.equal(front.state.reports, before);
  });

  test('speaks Chinese with ?lang=zh', T, async () => {
    const zh = await freshPage(browser);
    await zh.goto(`${front.base}/field?lang=zh`);
    await until(zh, () => document.body.dataset.ready === 'true');
    const label = await zh.textContent('button[type=submit]');
    assert.equal(label, '加入待发送');
    assert.equal(await zh.getAttribute('html', 'lang'), 'zh-CN');
    const items = await outbox(zh);
    assert.ok(items.length > 0 && items.some((t) => t.includes('sent')), 'the outbox is shared by the tabs');
    await zh.close();
  });
});

describe('citizens answer through a link', () => {
  let server;
  let duty;
  let check;
  let page;

  async function openCheck(name) {
    const hotline = server.token('hotline_operator', 'hotline.hugo');
    const person = (await server.api(hotline, 'POST', '/v1/persons', {
      full_name: name, date_of_birth: '1980-02-03', nationality: 'CN', current_country: 'LB',
    })).id;
    return person;
  }

  async function checkOf(person) {
    return waitFor(async () => {
      const r = await server.api(duty, 'GET', `/v1/tasks?kind=welfare_check&person_id=${person}`);
      return r.tasks[0];
    }, { what: 'the welfare check' });
  }

  before(async () => {
    server = await Server.create();
    duty = server.token('duty_officer', 'duty.officer');
    const person = await openCheck('Wang Lei');
    await server.api(duty, 'PUT', '/v1/countries/LB/risk', { level: 4, reason: 'armed clashes in Beirut' });
    check = await checkOf(person);
    page = await freshPage(browser);
  }, HOOK);

  after(async () => {
    if (page) await page.close();
    if (server) await server.destroy();
  });

  test('a citizen answers safe once; the link then changes nothing; a forged token gets the plain page', T, async () => {
    const link = await server.api(duty, 'POST', `/v1/tasks/${check.id}/answer-link`);
    assert.match(link.url, /^\/answer\/[0-9a-f]{64}$/);
    assert.ok(!link.url.includes(check.person_id));
    assert.ok(Date.parse(link.expires_at) > Date.now());

    const first = await page.goto(`${server.base}${link.url}`);
    assert.equal(first.status(), 200);
    const html = await page.content();
    assert.ok(!html.includes('Wang Lei') && !html.includes(check.person_id), 'the page names nobody');
    await page.click('button[name=status][value=safe]');
    await page.waitForSelector('h1');
    assert.match(await page.textContent('h1'), /Thank you/);

    const done = await waitFor(async () => {
      const t = await checkOf(check.person_id);
      return t.status === 'completed' ? t : null;
    }, { what: 'the check completed' });
    assert.equal(done.outcome, 'safe');
    assert.equal(done.answered_by.role, 'citizen');
    assert.notEqual(done.answered_by.subject, check.person_id);

    // The same link again: a plain page, no buttons, nothing changes.
    const head = await server.api(duty, 'GET', '/v1/audit/verify');
    const again = await page.goto(`${server.base}${link.url}`);
    assert.equal(again.status(), 404);
    assert.equal(await page.$$eval('button', (b) => b.length), 0);
    const posted = await fetch(`${server.base}${link.url}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'status=needs_help',
    });
    assert.equal(posted.status, 404);
    const later = await server.api(duty, 'GET', '/v1/audit/verify');
    assert.deepEqual([later.entries, later.head], [head.entries, head.head], 'the log did not change');
    assert.equal((await checkOf(check.person_id)).outcome, 'safe');

    // A forged token.
    const forged = await page.goto(`${server.base}/answer/${crypto.randomBytes(32).toString('hex')}`);
    assert.equal(forged.status(), 404);
    assert.equal(await page.$$eval('button', (b) => b.length), 0);
    assert.match(await page.textContent('h1'), /does not work/);
    assert.equal((await page.goto(`${server.base}/answer/not-a-token`)).status(), 404);
  });

  test('the answer page speaks Chinese with ?lang=zh', T, async () => {
    const person = await openCheck('Li Na');
    const second = await checkOf(person);
    const link = await server.api(duty, 'POST', `/v1/tasks/${second.id}/answer-link`);
    await page.goto(`${server.base}${link.url}?lang=zh`);
    assert.equal(await page.textContent('button[name=status][value=safe]'), '我平安');
    assert.equal(await page.textContent('button[name=status][value=needs_help]'), '我需要帮助');
  });
});

describe('the wall display in Chinese', () => {
  let server;

  before(async () => {
    server = await Server.create();
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('?lang=zh speaks Chinese and shows names as registered', T, async () => {
    const duty = server.token('duty_officer', 'duty.officer');
    await server.api(duty, 'POST', '/v1/incidents', { kind: 'accident', title: 'Bus crash near Mopti', country: 'ML', severity: 4 });
    const wall = server.token('wall_display', 'crisis-room-wall');
    const page = await freshPage(browser);
    await page.goto(`${server.base}/?token=${encodeURIComponent(wall)}&lang=zh`);
    await until(page, () => document.getElementById('live-text').textContent === '实时');
    assert.ok(!page.url().includes('token='));
    assert.ok(page.url().includes('lang=zh'));
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    const titles = await page.$$eval('.panel-title', (els) => els.map((e) => e.textContent));
    assert.ok(titles.some((t) => t.includes('未结事件')), titles.join(' | '));
    await until(page, () => document.querySelectorAll('#incidents > li .inc-title').length === 1);
    assert.equal(await page.textContent('#incidents > li .inc-title'), 'Bus crash near Mopti');
    await page.close();
  });
});
