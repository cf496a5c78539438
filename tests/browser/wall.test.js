// Real-browser tests of the crisis-room wall display: a real Homeward server, real
// tokens from the CLI, a scenario seeded through the API, headless Chromium.

'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { execFileSync } = require('node:child_process');

const { Server, launchBrowser, freshPage, waitFor, tempDir, freePort, BIN } = require('./lib/harness');
const { PII, RESTRICTED, seedPhaseOne, seedPhaseTwo, report, affect, person, openIncident, board, move, evacuees } = require('./lib/scenario');

const T = { timeout: 120000 };
const HOOK = { timeout: 180000 };

let browser;
before(async () => {
  browser = await launchBrowser();
}, HOOK);
after(async () => {
  if (browser) await browser.close();
});

async function openWall(server, token, query = '') {
  const page = await freshPage(browser);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  page.requests = requests;
  await page.goto(`${server.base}/?token=${encodeURIComponent(token)}${query}`);
  return page;
}

async function waitLive(page, timeout = 15000) {
  await page.waitForFunction(() => document.getElementById('live-text').textContent === 'LIVE', null, { timeout });
}

async function rowTitles(page) {
  return page.$$eval('#incidents > li .inc-title', (els) => els.map((e) => e.textContent));
}

async function feedTexts(page) {
  return page.$$eval('#feed > li .report-text', (els) => els.map((e) => e.textContent));
}

// Polls the page until `fn` (run in the page) returns truthy.
function until(page, fn, arg, timeout = 10000) {
  return page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

describe('live board', () => {
  let server;
  let duty;
  let wall;
  let ids;
  let page;

  before(async () => {
    server = await Server.create();
    duty = server.token('duty_officer', 'duty.officer');
    ids = await seedPhaseOne(server, duty);
    wall = server.token('wall_display', 'crisis-room-wall');
    page = await openWall(server, wall);
    await waitLive(page);
  }, HOOK);

  after(async () => {
    if (page) await page.close();
    if (server) await server.destroy();
  });

  test('renders the board: ranked incidents, map, feed, totals and risk levels', T, async () => {
    const board = await server.api(wall, 'GET', '/v1/board');
    assert.ok(board.incidents.length >= 7, 'the scenario has open incidents');
    await until(page, (n) => document.querySelectorAll('#incidents > li').length === n, board.incidents.length);

    // Same ranking as the server: severity, then recency.
    assert.deepEqual(
      await rowTitles(page),
      board.incidents.map((i) => i.title),
    );
    const first = page.locator('#incidents > li').first();
    assert.equal(await first.locator('.inc-sev').textContent(), String(board.incidents[0].severity));

    // The kidnapping is shown, redacted.
    const restricted = page.locator('#incidents > li.redacted');
    assert.equal(await restricted.count(), 1);
    assert.equal(await restricted.locator('.inc-title').textContent(), 'Restricted case');
    assert.match(await restricted.locator('.inc-line1').textContent(), /RESTRICTED/);
    assert.match(await restricted.locator('.inc-line2').textContent(), /Mali/);
    assert.match(await restricted.locator('.inc-line3').textContent(), /2 held/);

    // Sudan: status, lead, persons by status, overdue tasks in red.
    const sudan = page.locator('#incidents > li', { hasText: 'Khartoum: fighting around the airport' });
    assert.match(await sudan.locator('.inc-line2').textContent(), /Sudan.*Evacuation.*ACTIVE.*chen\.jing/);
    assert.match(await sudan.locator('.inc-line3').textContent(), /3 unaccounted.*1 injured.*4 safe/);
    assert.match(await sudan.locator('.inc-overdue').textContent(), /2 overdue/);
    assert.equal(await sudan.locator('.inc-overdue.alert').count(), 1);
    assert.match(await sudan.locator('.inc-ago').textContent(), /just now|min ago/);

    // Totals.
    assert.equal(await page.textContent('#t-open'), String(board.totals.open));
    assert.equal(await page.textContent('#t-overdue'), String(board.totals.overdue_tasks));
    assert.ok(board.totals.overdue_tasks > 0);
    assert.equal(await page.locator('#t-overdue-box.alert').count(), 1);
    assert.match(await page.textContent('#t-persons'), /2 held/);
    assert.equal(await page.textContent('#t-sev .sev-5 .sev-count-n'), String(board.totals.by_severity['5']));

    // Map: countries drawn from world.json, shaded by risk level, a marker per incident.
    assert.ok((await page.locator('#map-countries path').count()) > 150);
    assert.match(await page.getAttribute('#map-countries path[data-code="ML"]', 'class'), /\brisk-4\b/);
    assert.match(await page.getAttribute('#map-countries path[data-code="NG"]', 'class'), /\brisk-3\b/);
    assert.match(await page.getAttribute('#map-countries path[data-code="TH"]', 'class'), /\brisk-1\b/);
    assert.doesNotMatch(await page.getAttribute('#map-countries path[data-code="FR"]', 'class'), /risk-/);
    assert.equal(await page.locator('#map-markers .marker').count(), board.incidents.length);
    // The redacted kidnapping has no coordinates: it sits at Mali's centroid, marked approximate.
    assert.equal(await page.locator('#map-markers .marker.redacted.approx').count(), 1);

    // Feed: the latest field reports, newest first.
    const texts = await feedTexts(page);
    assert.ok(texts.length >= 2, texts.join(' | '));
    assert.ok(texts[0].endsWith(board.feed[0].text), `${texts[0]} ends with ${board.feed[0].text}`);

    // Risk levels.
    const risks = await page.$$eval('#risks > li', (els) => els.map((e) => e.textContent));
    assert.ok(risks.some((r) => r.startsWith('4') && r.includes('Mali')), risks.join(' | '));
    assert.ok(risks.some((r) => r.startsWith('4') && r.includes('Haiti')), risks.join(' | '));

    assert.deepEqual(page.errors, []);
  });

  test('changes filed through the API appear without a reload', T, async () => {
    const navigations = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    // A field report: in the feed and in the incident's report count.
    const sudanRow = page.locator('#incidents > li', { hasText: 'Khartoum: fighting around the airport' });
    const reportsBefore = Number((await sudanRow.locator('.inc-tasks').textContent()).match(/(\d+) reports?/)[1]);
    const text = `Convoy 3 reached Port Sudan ${Date.now()}: 212 citizens safe`;
    const started = Date.now();
    await report(server, duty, ids.sudan, text, 'logistics', 'Port Sudan');
    await until(page, (t) => [...document.querySelectorAll('#feed > li .report-text')].some((e) => e.textContent.endsWith(t)), text, 10000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5000, `the report took ${elapsed} ms to appear`);
    assert.ok((await feedTexts(page))[0].endsWith(text), 'newest first');
    const sudan = page.locator('#incidents > li', { hasText: 'Khartoum: fighting around the airport' });
    assert.match(await sudan.locator('.inc-tasks').textContent(), new RegExp(`${reportsBefore + 1} reports`));
    assert.match(await sudan.getAttribute('class'), /\bis-fresh\b/, 'marked as changed');
    assert.equal((await sudan.locator('.tag-updated').isVisible()) || (await sudan.locator('.tag-new').isVisible()), true, 'tagged NEW or UPDATED');

    // A new incident: on the board, ranked, on the map, counted.
    const openBefore = Number(await page.textContent('#t-open'));
    const fresh = await openIncident(server, duty, {
      kind: 'terror_attack',
      title: 'Explosion at Kabul hotel, citizens among guests',
      country: 'AF',
      severity: 5,
      place: 'Kabul',
      lat: 34.53,
      lon: 69.17,
    });
    await until(page, () => document.querySelector('#incidents > li .inc-title').textContent.startsWith('Explosion at Kabul'));
    const row = page.locator('#incidents > li').first();
    assert.equal(await row.locator('.tag-new').isVisible(), true, 'marked NEW');
    assert.equal(await page.textContent('#t-open'), String(openBefore + 1));
    assert.equal(await page.locator(`#map-markers .marker[data-id="${fresh}"]`).count(), 1);

    // A citizen affected: the chips and the totals follow.
    await affect(server, duty, fresh, await person(server, duty, { full_name: 'Guest One', date_of_birth: '1980-02-02', nationality: 'CN' }), 'injured');
    await until(page, () => /1 injured/.test(document.querySelector('#incidents > li .inc-line3').textContent));

    // A risk level: the map and the list follow.
    await server.api(duty, 'PUT', '/v1/countries/AF/risk', { level: 4, reason: 'Attacks on hotels in Kabul' });
    await until(page, () => /\brisk-4\b/.test(document.querySelector('#map-countries path[data-code="AF"]').getAttribute('class')));
    assert.ok((await page.textContent('#risks')).includes('Afghanistan'));

    // Closed: gone from the live board.
    await server.api(duty, 'POST', `/v1/incidents/${fresh}/close`, { reason: 'All guests accounted for' });
    await until(page, () => ![...document.querySelectorAll('#incidents > li .inc-title')].some((e) => e.textContent.startsWith('Explosion at Kabul')));
    assert.equal(await page.textContent('#t-open'), String(openBefore));
    assert.equal(await page.locator(`#map-markers .marker[data-id="${fresh}"]`).count(), 0);

    // Text from the field is text, never markup.
    const xss = '<img src=x onerror="window.__pwned=1">Checkpoint <b>closed</b>';
    await report(server, duty, ids.lebanon, xss, 'security', 'Beirut airport road');
    await until(page, (t) => [...document.querySelectorAll('#feed > li .report-text')].some((e) => e.textContent.endsWith(t)), xss);
    assert.equal(await page.locator('#feed img, #feed b').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);

    assert.deepEqual(navigations.filter((u) => !u.startsWith('about:')), [], 'no reload');
    assert.deepEqual(page.errors, []);
  });

  test('shows evacuation progress per transport and follows it live', T, async () => {
    const evac = page.locator(`#evac-list .evac[data-evacuation="${ids.evacSudan}"]`);
    await evac.waitFor();
    assert.equal(await page.locator('#evacuations').isVisible(), true);
    assert.match(await evac.locator('.evac-head').textContent(), /Sudan.*18 boarded · 12 arrived of 26 registered.*5 unaccounted/);
    const convoy1 = evac.locator(`.transport[data-transport="${ids.convoy1}"]`);
    const convoy2 = evac.locator(`.transport[data-transport="${ids.convoy2}"]`);
    assert.match(await convoy1.textContent(), /BUS\s*Convoy 1 Khartoum → Port Sudan.*12\/12 boarded.*ARRIVED/);
    assert.match(await convoy2.textContent(), /6\/12 boarded · 9 checked in · 9 seats held.*DEP /);
    // Progress bars are drawn to scale (6 of 12 boarded).
    const share = await convoy2.locator('.f-boarded').evaluate((e) => e.getBoundingClientRect().width / e.parentElement.getBoundingClientRect().width);
    assert.ok(Math.abs(share - 0.5) < 0.02, `boarded bar at ${share}`);

    // Boarding and departure arrive through the stream.
    await board(server, ids.evacSudan, ids.convoy2People[6], ids.convoy2);
    await until(page, (id) => /7\/12 boarded/.test(document.querySelector(`#evac-list .transport[data-transport="${id}"]`).textContent), ids.convoy2);
    await move(server, ids.evacSudan, ids.convoy2, 'depart');
    await until(page, (id) => /DEPARTED/.test(document.querySelector(`#evac-list .transport[data-transport="${id}"] .transport-status`).textContent), ids.convoy2);
    // A newly registered evacuee is counted.
    const more = await evacuees(server, ids.evacSudan, 'SD', 1);
    assert.equal(more.length, 1);
    await until(page, () => /27 registered/.test(document.querySelector('#evac-list .evac .evac-head').textContent));
    assert.deepEqual(page.errors, []);
  });

  test('the token leaves the address bar, stays on the screen, and is never put in a URL', T, async () => {
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('token'), null);
    assert.equal(url.pathname, '/');
    assert.equal(await page.evaluate(() => window.location.search.includes('token')), false);
    assert.equal(await page.evaluate(() => window.localStorage.getItem('homeward.wall.token')), wall);
    // Only the first navigation carried it.
    const withToken = page.requests.filter((u) => u.includes(wall) || u.includes(encodeURIComponent(wall)));
    assert.equal(withToken.length, 1, withToken.join('\n'));
    assert.equal(new URL(withToken[0]).pathname, '/');
    assert.ok(page.requests.some((u) => new URL(u).pathname === '/v1/board/stream'));

    // Opened again without it: the stored token is used.
    const again = await freshPage(browser);
    await again.goto(`${server.base}/`);
    await waitLive(again);
    assert.equal(await again.locator('#auth').isVisible(), false);
    await again.close();
  });
});

describe('not live', () => {
  let server;
  let duty;
  let wall;
  let ids;

  before(async () => {
    server = await Server.create();
    duty = server.token('duty_officer', 'duty.officer');
    ids = await seedPhaseOne(server, duty);
    wall = server.token('wall_display', 'crisis-room-wall');
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('says so when the server stops, and recovers by itself when it is back', T, async () => {
    const page = await openWall(server, wall);
    await waitLive(page);
    const rowsBefore = await rowTitles(page);
    assert.ok(rowsBefore.length > 0);

    await server.stop(); // SIGTERM
    await until(page, () => /^NOT LIVE since \d\d:\d\d:\d\d UTC — reconnecting/.test(document.getElementById('live-text').textContent), null, 15000);
    assert.equal(await page.locator('#live.live-down').count(), 1);
    assert.equal(await page.locator('body.not-live').count(), 1);
    assert.equal(await page.locator('#stale').isVisible(), true, 'red frame');
    // The last known board stays up, marked as not live.
    assert.deepEqual(await rowTitles(page), rowsBefore);
    // It keeps saying so while the server is away (the indicator does not flicker back).
    const since = await page.textContent('#live-text');
    await until(page, (s) => document.getElementById('live-text').textContent !== s, since, 15000); // countdown moves on
    assert.match(await page.textContent('#live-text'), /^NOT LIVE since /);

    // Back on the same port and data dir; a report filed right away must show once re-synced.
    await server.start();
    const text = `Back online ${Date.now()}: embassy generator restored`;
    await report(server, duty, ids.sudan, text, 'situation', 'Khartoum');
    await waitLive(page, 40000);
    await until(page, (t) => [...document.querySelectorAll('#feed > li .report-text')].some((e) => e.textContent.endsWith(t)), text, 10000);
    assert.equal(await page.locator('body.not-live').count(), 0);
    assert.equal(await page.locator('#stale').isVisible(), false);

    // And it is live again: the next change arrives through the new stream.
    const after = `After recovery ${Date.now()}`;
    await report(server, duty, ids.peru, after, 'situation', 'Cusco');
    await until(page, (t) => [...document.querySelectorAll('#feed > li .report-text')].some((e) => e.textContent.endsWith(t)), after, 10000);
    await page.close();
  });
});

describe('replay', () => {
  let server;
  let duty;
  let wall;
  let ids;
  let between;

  before(async () => {
    server = await Server.create();
    duty = server.token('duty_officer', 'duty.officer');
    ids = await seedPhaseOne(server, duty, { shiftTime: true });
    const auditor = server.token('auditor', 'auditor');
    const phaseOneEnd = Date.parse((await server.api(auditor, 'GET', '/v1/timeline')).last_recorded_at);
    await seedPhaseTwo(server, duty, ids);
    const nepal = (await server.api(duty, 'GET', `/v1/incidents/${ids.nepal}`)) || {};
    const phaseTwoStart = Date.parse(nepal.opened_at || nepal.recorded_at || new Date().toISOString());
    assert.ok(phaseTwoStart > phaseOneEnd + 2, 'the phases are apart in time');
    between = Math.floor((phaseOneEnd + phaseTwoStart) / 2);
    wall = server.token('wall_display', 'crisis-room-wall');
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('shows the board as it stood at a past moment, not later incidents', T, async () => {
    const at = new Date(between).toISOString();
    const page = await openWall(server, wall, `&mode=replay&at=${encodeURIComponent(at)}`);
    const shown = at.slice(0, 10) + ' ' + at.slice(11, 19) + ' UTC';
    await until(page, (s) => document.getElementById('replay-time').textContent === s, shown);
    assert.equal(await page.locator('#replay').isVisible(), true);
    assert.match(await page.textContent('.replay-banner'), /REPLAY\s*—\s*showing/);
    assert.equal(await page.textContent('#live-text'), 'NOT LIVE — REPLAY');

    // Phase one's board: Nigeria still open, Lebanon still severity 4; no Nepal, no Japan.
    await until(page, () => [...document.querySelectorAll('#incidents > li .inc-title')].some((e) => e.textContent.startsWith('Lost passports')));
    const titles = await rowTitles(page);
    assert.ok(titles.includes('Khartoum: fighting around the airport, citizens sheltering'), titles.join(' | '));
    assert.ok(!titles.some((t) => t.includes('Mugling')), titles.join(' | '));
    assert.ok(!titles.some((t) => t.includes('Sapporo')), titles.join(' | '));
    const lebanon = page.locator('#incidents > li', { hasText: 'Beirut: strikes' });
    assert.equal(await lebanon.locator('.inc-sev').textContent(), '4');
    assert.match(await page.getAttribute('#map-countries path[data-code="LB"]', 'class'), /\brisk-3\b/);
    assert.ok(!(await feedTexts(page)).some((t) => t.includes('Trishuli')));
    assert.ok(page.requests.some((u) => /\/v1\/board\?as_of=/.test(u)));
    assert.ok(!page.requests.some((u) => u.includes('/v1/board/stream')), 'no live stream in replay');

    // The histogram of the timeline is drawn; clicking its far end shows the latest board.
    assert.ok((await page.locator('#timeline-svg .tl-bar').count()) > 0);
    const box = await page.locator('#timeline').boundingBox();
    await page.mouse.click(box.x + box.width - 1, box.y + box.height / 2);
    await until(page, () => [...document.querySelectorAll('#incidents > li .inc-title')].some((e) => e.textContent.includes('Mugling')));
    assert.ok(!(await rowTitles(page)).some((t) => t.startsWith('Lost passports')), 'closed in phase two');

    // Play moves the replay moment forward; pause stops it.
    await page.click('#btn-start');
    await page.click('#speeds button[data-speed="21600"]');
    const before = await page.textContent('#replay-time');
    await page.click('#btn-play');
    await until(page, (b) => document.getElementById('replay-time').textContent !== b, before);
    await page.click('#btn-play');
    assert.match(await page.textContent('#btn-play'), /Play/);

    // Back to live.
    await page.click('#btn-live');
    await waitLive(page);
    assert.equal(await page.locator('#replay').isVisible(), false);
    assert.equal(new URL(page.url()).searchParams.get('mode'), null);
    await until(page, () => [...document.querySelectorAll('#incidents > li .inc-title')].some((e) => e.textContent.includes('Mugling')));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('can be entered with the Replay button', T, async () => {
    const page = await openWall(server, wall);
    await waitLive(page);
    await page.click('#btn-replay');
    await until(page, () => /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/.test(document.getElementById('replay-time').textContent));
    assert.equal(new URL(page.url()).searchParams.get('mode'), 'replay');
    assert.equal(await page.textContent('#live-text'), 'NOT LIVE — REPLAY');
    await page.close();
  });
});

describe('exercise copies', () => {
  let source;
  let copy;
  let decision;

  before(async () => {
    source = await Server.create();
    const duty = source.token('duty_officer', 'duty.officer');
    const id = await openIncident(source, duty, {
      kind: 'natural_disaster',
      title: 'Flooding in Chiang Mai',
      country: 'TH',
      severity: 3,
      place: 'Chiang Mai',
    });
    await report(source, duty, id, 'Two hotels cut off by the water', 'situation', 'Chiang Mai');
    decision = 'Send the consular team from Bangkok';
    await source.api(duty, 'POST', `/v1/incidents/${id}/decisions`, { decision, rationale: 'The roads north are open' });
    await source.stop();
    const dataDir = path.join(source.root, 'drill');
    execFileSync(BIN, ['exercise', 'create', '--from', source.dataDir, '--as-of', new Date().toISOString(), '--data-dir', dataDir, '--name', 'drill-7'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    copy = new Server({ dataDir, port: await freePort() });
    await copy.start();
  }, HOOK);

  after(async () => {
    if (copy) await copy.stop();
    if (source) await source.destroy();
  });

  test('say EXERCISE on the wall, in every answer and in the board', T, async () => {
    const wall = copy.token('wall_display', 'training-room-wall');
    const page = await openWall(copy, wall);
    await waitLive(page);
    await until(page, () => /EXERCISE drill-7/.test((document.getElementById('exercise-banner') || {}).textContent || ''));
    assert.equal(await page.getAttribute('#exercise-banner', 'role'), 'alert');
    assert.equal(await page.locator('#exercise-banner').isVisible(), true);
    assert.match(await page.textContent('#incidents'), /Flooding in Chiang Mai/);
    const res = await fetch(`${copy.base}/v1/board`, { headers: { Authorization: `Bearer ${wall}` } });
    assert.equal(res.headers.get('homeward-exercise'), 'drill-7');
    assert.equal((await res.json()).exercise, 'drill-7');
    assert.equal((await fetch(`${copy.base}/healthz`)).headers.get('homeward-exercise'), 'drill-7');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the replay marks each decision on its timeline', T, async () => {
    const wall = copy.token('wall_display', 'training-room-wall');
    const page = await openWall(copy, wall, '&mode=replay');
    await until(page, () => document.querySelectorAll('#timeline .tl-decision, .tl-decision').length === 1);
    const title = await page.$eval('.tl-decision title', (t) => t.textContent);
    assert.match(title, new RegExp(`by duty\\.officer: ${decision}`));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('personal data', () => {
  let server;

  before(async () => {
    server = await Server.create();
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('no passport, phone, name or restricted detail reaches the page', T, async () => {
    const duty = server.token('duty_officer', 'duty.officer');
    const ids = await seedPhaseOne(server, duty);
    const wall = server.token('wall_display', 'crisis-room-wall');

    const page = await freshPage(browser);
    // Everything the page's own scripts receive through fetch, streams included.
    await page.addInitScript(() => {
      window.__received = [];
      const orig = window.fetch.bind(window);
      window.fetch = async (...args) => {
        const res = await orig(...args);
        try {
          const [a, b] = res.body.tee();
          const copy = new Response(a);
          const reader = b.getReader();
          const dec = new TextDecoder();
          const entry = { url: String(args[0]), text: '' };
          window.__received.push(entry);
          (async () => {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              entry.text += dec.decode(value, { stream: true });
            }
          })().catch(() => {});
          return new Response(copy.body, { status: res.status, statusText: res.statusText, headers: res.headers });
        } catch (_) {
          return res;
        }
      };
    });
    const responses = [];
    page.on('response', (r) => responses.push(r));
    await page.goto(`${server.base}/?token=${encodeURIComponent(wall)}`);
    await waitLive(page);

    // More restricted activity while the page watches, and one normal report to sync on.
    await report(server, duty, ids.kidnap, `Second proof of life received for ${PII.name}, passport ${PII.passport}`, 'contact', RESTRICTED.place);
    await server.api(duty, 'POST', `/v1/incidents/${ids.kidnap}/severity`, { severity: 4, reason: `call from ${PII.phone}` });
    await server.api(server.token('evacuation_coordinator', 'evac.coordinator'), 'POST', `/v1/evacuations/${ids.evacSudan}/evacuees`, {
      priority: 'medical',
      person: { full_name: PII.evacueeName, date_of_birth: '1992-06-30', nationality: 'CN', passport_number: PII.evacueePassport, phone: PII.evacueePhone, current_country: 'SD' },
    });
    await until(page, () => /27 registered/.test(document.getElementById('evac-list').textContent));
    const marker = `Welfare check done ${Date.now()}`;
    await report(server, duty, ids.thai, marker, 'welfare', 'Bangkok');
    await until(page, (t) => [...document.querySelectorAll('#feed > li .report-text')].some((e) => e.textContent.endsWith(t)), marker);
    const kidnapRow = page.locator('#incidents > li.redacted');
    await until(page, () => /2 reports/.test(document.querySelector('#incidents > li.redacted .inc-tasks').textContent));
    assert.match(await kidnapRow.locator('.inc-tasks').textContent(), /2 reports/);

    // Replay too reads boards: visit it so that its answers are checked as well.
    const replayed = page.waitForResponse((r) => r.url().includes('/v1/board?as_of='));
    await page.click('#btn-replay');
    await replayed;
    await until(page, () => document.querySelectorAll('#timeline-svg .tl-bar').length > 0);
    await page.click('#btn-live');
    await waitLive(page);

    // Collect what the page holds and what it received.
    const html = await page.content();
    const fetched = await page.evaluate(() => window.__received.map((e) => ({ url: e.url, text: e.text })));
    const bodies = [];
    for (const r of responses) {
      if (r.url().includes('/v1/board/stream')) continue; // still streaming: read through fetched
      try {
        bodies.push({ url: r.url(), text: (await r.body()).toString('utf8') });
      } catch (_) {
        /* a redirect or a response without a body */
      }
    }
    const stream = fetched.filter((f) => f.url.includes('/v1/board/stream'));
    assert.ok(stream.length >= 1, 'the stream was captured');
    assert.ok(stream.some((s) => s.text.includes('event: snapshot') && s.text.includes('event: change') && s.text.includes(marker)));
    assert.ok(bodies.some((b) => b.url.endsWith('/v1/board') || b.url.includes('/v1/board?as_of=')), 'a board answer was captured');
    assert.ok(html.includes('Restricted case'));

    const forbidden = [PII.passport, PII.phone, PII.phoneDigits, PII.name, PII.dob, PII.evacueeName, PII.evacueePassport, PII.evacueePhone, RESTRICTED.title, RESTRICTED.place, RESTRICTED.report, 'Second proof of life', 'li.wei'];
    const everything = [{ url: 'page.content()', text: html }, ...fetched, ...bodies];
    for (const { url, text } of everything) {
      for (const f of forbidden) assert.ok(!text.includes(f), `${url} contains ${f}`);
    }
    // The page never asks for person records.
    assert.ok(!responses.some((r) => new URL(r.url()).pathname.startsWith('/v1/persons')));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('access', () => {
  let server;

  before(async () => {
    server = await Server.create();
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('without a token the screen says how to get one', T, async () => {
    const page = await freshPage(browser);
    await page.goto(`${server.base}/`);
    await page.locator('#auth').waitFor({ state: 'visible' });
    const text = await page.textContent('#auth');
    assert.match(text, /homeward token issue --subject crisis-room-wall --role wall_display/);
    assert.match(text, /No access token/);
    assert.equal(await page.locator('#app').isVisible(), false);
    await page.close();
  });

  test('an empty board says so, with no evacuation panel', T, async () => {
    const wall = server.token('wall_display', 'crisis-room-wall');
    const page = await openWall(server, wall);
    await waitLive(page);
    assert.equal(await page.locator('#incidents-empty').isVisible(), true);
    assert.equal(await page.textContent('#t-open'), '0');
    assert.equal(await page.locator('#evacuations').isVisible(), false);
    assert.equal(await page.locator('#feed-empty').isVisible(), true);
    assert.equal(await page.locator('#map-countries path').count() > 150, true);
    assert.deepEqual(page.errors, []);
    await page.evaluate(() => window.localStorage.clear());
    await page.close();
  });

  test('a token the server refuses is dropped from the address bar and explained', T, async () => {
    const page = await freshPage(browser);
    await page.goto(`${server.base}/?token=not-a-real-token`);
    await page.locator('#auth').waitFor({ state: 'visible' });
    assert.match(await page.textContent('#auth-reason'), /did not accept/);
    assert.equal(new URL(page.url()).searchParams.get('token'), null);
    await page.evaluate(() => window.localStorage.clear());
    await page.close();
  });
});

describe('screenshots', () => {
  let server;
  let outDir;

  before(async () => {
    outDir = process.env.WALL_SCREENSHOT_DIR || tempDir('homeward-wall-shots-');
    fs.mkdirSync(outDir, { recursive: true });
    server = await Server.create();
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
    if (!process.env.WALL_SCREENSHOT_DIR && outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  test('the board and replay at 1920x1080', T, async () => {
    const duty = server.token('duty_officer', 'duty.officer');
    const ids = await seedPhaseOne(server, duty, { shiftTime: true });
    await seedPhaseTwo(server, duty, ids);
    const wall = server.token('wall_display', 'crisis-room-wall');
    const page = await openWall(server, wall);
    await waitLive(page);
    await until(page, () => document.querySelectorAll('#incidents > li').length >= 8 && document.querySelectorAll('#feed > li').length >= 1 && document.querySelectorAll('#evac-list .transport').length >= 4);
    await page.evaluate(() => document.fonts.ready);
    const live = path.join(outDir, 'wall-display.png');
    await page.screenshot({ path: live });
    assert.ok(fs.statSync(live).size > 50000);

    // Replay: an hour and a quarter ago, the first convoy on the road out of Khartoum.
    const timeline = await server.api(wall, 'GET', '/v1/timeline');
    const at = new Date(Date.parse(timeline.last_recorded_at) - (Server.canShiftTime ? 75 * 60 * 1000 : 0)).toISOString();
    await page.goto(`${server.base}/?mode=replay&at=${encodeURIComponent(at)}`);
    await until(page, () => document.querySelectorAll('#incidents > li').length >= 2 && !/loading/.test(document.getElementById('replay-status').textContent));
    const replay = path.join(outDir, 'wall-replay.png');
    await page.screenshot({ path: replay });
    assert.ok(fs.statSync(replay).size > 50000);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('early warning on the wall', () => {
  let server;

  before(async () => {
    // A kidnapping case needs its team within a second here, so the miss comes quickly.
    server = await Server.create({ config: '[case_team]\nwithin = "1s"\n' });
  }, HOOK);

  after(async () => {
    if (server) await server.destroy();
  });

  test('shows welfare checks per country and missed deadlines as they happen', T, async () => {
    const duty = server.token('duty_officer', 'duty.officer');
    const hotline = server.token('hotline_operator', 'hotline');
    const citizens = [];
    for (const [name, vulnerabilities] of [['Lina Haddad', ['child']], ['Marc Petit', []], ['Julie Roux', []]]) {
      citizens.push(await person(server, hotline, { full_name: name, date_of_birth: '1990-02-03', nationality: 'FR', current_country: 'LB', vulnerabilities }));
    }
    const wall = server.token('wall_display', 'crisis-room-wall');
    const page = await openWall(server, wall);
    await waitLive(page);
    assert.equal(await page.locator('#welfare').isVisible(), false);
    assert.equal(await page.locator('#deadlines').isVisible(), false);

    // The raise opens three checks; the wall follows without a reload.
    await server.api(duty, 'PUT', '/v1/countries/LB/risk', { level: 4, reason: 'armed clashes' });
    await until(page, () => {
      const row = document.querySelector('#welfare-list .welfare-row[data-country="LB"]');
      return row && /0\/3 reached · 3 open · 1 vulnerable/.test(row.textContent);
    });
    await server.api(hotline, 'POST', `/v1/persons/${citizens[1]}/welfare`, { status: 'safe' });
    await until(page, () => /1\/3 reached · 2 open/.test(document.querySelector('#welfare-list .welfare-row[data-country="LB"]').textContent));

    // A kidnapping without a team misses its deadline: shown redacted to the wall.
    await openIncident(server, duty, { kind: 'kidnapping', title: 'Two engineers taken near Gao', country: 'ML', severity: 5 });
    await until(page, () => document.querySelectorAll('#deadlines-list .deadline.dl-case_team').length === 1, null, 20000);
    const row = await page.locator('#deadlines-list .deadline.dl-case_team').textContent();
    assert.match(row, /Case team/);
    assert.match(row, /Restricted case/);
    assert.match(row, /late/);
    assert.doesNotMatch(await page.content(), /Two engineers taken near Gao/);
    assert.match(await page.textContent('#deadlines-total'), /1 in all/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
