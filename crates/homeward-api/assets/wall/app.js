// Homeward crisis-room wall display.
//
// One page, no build step, no third-party code. It reads the board through the API
// with a wall_display token (kept in localStorage, never in a requested URL), follows
// the live board over server-sent events read with fetch() (EventSource cannot send
// an Authorization header), and can replay history from /v1/board?as_of=.
//
// Everything that comes from the server is put on the page with textContent or SVG
// attributes, never as HTML.

'use strict';

(function () {
  const TOKEN_KEY = 'homeward.wall.token';
  const FRESH_MS = 5 * 60 * 1000; // "NEW" / "UPDATED" fades over five minutes
  const FLASH_MS = 4000; // a change frame makes its row flash this long
  const TICK_MS = 2000; // "12 min ago" and freshness refresh
  const RESYNC_MS = 60 * 1000; // re-read the whole board (overdue tasks change with time alone)
  const WATCHDOG_MS = 45 * 1000; // no byte for this long (keep-alives come every ~15 s): reconnect
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 15000;
  const FEED_MAX = 50;
  const SPEEDS = [
    { label: '1 min/s', seconds: 60 },
    { label: '10 min/s', seconds: 600 },
    { label: '1 h/s', seconds: 3600 },
    { label: '6 h/s', seconds: 6 * 3600 },
  ];
  const PLAY_TICK_MS = 250;

  const KIND = {
    kidnapping: 'Kidnapping',
    detention: 'Detention',
    missing_person: 'Missing person',
    evacuation: 'Evacuation',
    natural_disaster: 'Natural disaster',
    civil_unrest: 'Civil unrest',
    terror_attack: 'Terror attack',
    accident: 'Accident',
    medical: 'Medical',
    consular_assistance: 'Consular assistance',
    other: 'Other',
  };
  // Most urgent first; the class names colour the chips.
  const PERSON_STATUSES = [
    ['held', 'held', 'p-bad'],
    ['missing', 'missing', 'p-bad'],
    ['unaccounted', 'unaccounted', 'p-bad'],
    ['detained', 'detained', 'p-warn'],
    ['injured', 'injured', 'p-warn'],
    ['hospitalized', 'in hospital', 'p-warn'],
    ['deceased', 'deceased', 'p-dead'],
    ['safe', 'safe', 'p-good'],
    ['released', 'released', 'p-good'],
    ['evacuated', 'evacuated', 'p-good'],
  ];
  const RISK_WORDS = { 1: 'Normal precautions', 2: 'Exercise caution', 3: 'Reconsider travel', 4: 'Do not travel' };
  const CATEGORY = {
    situation: 'Situation',
    security: 'Security',
    medical: 'Medical',
    logistics: 'Logistics',
    contact: 'Contact',
    welfare: 'Welfare',
    media: 'Media',
    other: 'Other',
  };

  const $ = (id) => document.getElementById(id);
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const state = {
    token: null,
    mode: 'live', // or 'replay'
    board: null,
    skewMs: 0, // server clock minus this screen's clock
    flashes: new Map(), // incident id or report id -> client ms of the change frame
    world: null, // { features, byCode }
    countryNames: null,
    stopped: false, // auth failed: nothing runs any more
  };

  const live = {
    gen: 0,
    status: 'connecting', // 'live' | 'down' | 'connecting' | 'off'
    since: null, // Date the feed stopped being live
    attempt: 0,
    retryAt: 0,
    retryTimer: null,
    watchdog: null,
    ctrl: null,
    lastChangeAt: NaN,
    resyncTimer: null,
  };

  const replay = {
    timeline: null,
    min: 0,
    max: 0,
    t: 0,
    playing: false,
    speed: 600,
    playTimer: null,
    debounce: null,
    inflight: false,
    fetchedT: null,
    wantT: null,
    error: null,
    timelineTimer: null,
  };

  // ---------------------------------------------------------------- small helpers

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG_NS, tag);
    if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function pad(n) {
    return String(n).padStart(2, '0');
  }

  function fmtUtc(d, seconds) {
    const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return seconds ? `${s}:${pad(d.getUTCSeconds())}` : s;
  }

  function fmtClock(d, seconds) {
    const s = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return seconds ? `${s}:${pad(d.getUTCSeconds())}` : s;
  }

  function fmtTimeOfDayOrDate(ms, nowMs) {
    const d = new Date(ms);
    const sameDay = Math.abs(nowMs - ms) < 20 * 3600 * 1000;
    return sameDay ? fmtClock(d) : `${pad(d.getUTCDate())} ${d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} ${fmtClock(d)}`;
  }

  function ago(ms) {
    if (!Number.isFinite(ms)) return '';
    if (ms < 0) ms = 0;
    const s = Math.floor(ms / 1000);
    if (s < 45) return 'just now';
    const m = Math.round(s / 60);
    if (m < 60) return `${m} min ago`;
    const h = Math.floor(m / 60);
    if (h < 48) {
      const rm = m - h * 60;
      return h < 6 && rm >= 5 ? `${h} h ${rm} min ago` : `${h} h ago`;
    }
    return `${Math.floor(h / 24)} days ago`;
  }

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h} h`;
    return `${Math.floor(h / 24)} days`;
  }

  function parseTime(s) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : NaN;
  }

  // The moment the board shows: the server's now when live, the replay moment in replay.
  function boardNow() {
    if (state.mode === 'replay') return replay.fetchedT !== null ? replay.fetchedT : replay.t;
    return Date.now() + state.skewMs;
  }

  function countryName(code) {
    if (!code) return '';
    if (state.countryNames) {
      try {
        const n = state.countryNames.of(code);
        if (n && n !== code) return n;
      } catch (_) {
        /* not a region code this browser knows */
      }
    }
    const f = state.world && state.world.byCode.get(code);
    return f ? f.properties.name : code;
  }

  function shortCountryName(code) {
    const n = countryName(code);
    return n
      .replace(/^Democratic Republic of the Congo$/, 'DR Congo')
      .replace(/^Congo - Kinshasa$/, 'DR Congo')
      .replace(/^Congo - Brazzaville$/, 'Congo')
      .replace(/^United States$/, 'USA')
      .replace(/^United Kingdom$/, 'UK')
      .replace(/^Myanmar \(Burma\)$/, 'Myanmar');
  }

  // ---------------------------------------------------------------- token

  function takeTokenFromUrl() {
    const url = new URL(window.location.href);
    const t = url.searchParams.get('token');
    if (t !== null) {
      if (t.trim()) {
        try {
          window.localStorage.setItem(TOKEN_KEY, t.trim());
        } catch (_) {
          state.token = t.trim(); // storage blocked: keep it for this page only
        }
      }
      url.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    }
    if (!state.token) {
      try {
        state.token = window.localStorage.getItem(TOKEN_KEY);
      } catch (_) {
        state.token = null;
      }
    }
  }

  function tokenExpiry(token) {
    try {
      const part = token.split('.')[1];
      const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
      const claims = JSON.parse(json);
      return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
    } catch (_) {
      return null;
    }
  }

  function showAuth(reason) {
    state.stopped = true;
    stopLive();
    stopReplayTimers();
    $('auth-reason').textContent = reason;
    $('auth-url').textContent = `${window.location.origin}/?token=TOKEN`;
    $('auth').hidden = false;
    $('app').hidden = true;
    document.body.classList.remove('booting');
    document.body.classList.add('auth-needed');
  }

  function authProblem(status) {
    if (status === 403) return 'The stored token may not read the board. Issue one with the wall_display role.';
    return 'The server did not accept the stored token (it may have expired or been issued by another server).';
  }

  function authHeaders() {
    return { Authorization: `Bearer ${state.token}` };
  }

  async function getJson(path) {
    const res = await fetch(path, { headers: { ...authHeaders(), Accept: 'application/json' }, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      showAuth(authProblem(res.status));
      throw new Error('unauthorized');
    }
    if (!res.ok) {
      let detail = `HTTP ${res.status}`;
      try {
        const p = await res.json();
        if (p && p.detail) detail = p.detail;
      } catch (_) {
        /* not JSON */
      }
      const err = new Error(detail);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }

  // ---------------------------------------------------------------- world map

  // Equirectangular world, 1000 units wide; the view is fitted to the open incidents
  // (never narrower than MIN_SPAN_DEG of longitude) so that markers do not hide the
  // countries they sit on.
  const MAP = { w: 1000, latTop: 84, latBottom: -57, vw: 1000, vh: 430, minSpanDeg: 110, padDeg: 16 };
  MAP.h = Math.round(((MAP.latTop - MAP.latBottom) / 360) * MAP.w);
  const DEG = MAP.w / 360;

  function project(lon, lat) {
    return [((lon + 180) / 360) * MAP.w, ((MAP.latTop - lat) / 360) * MAP.w];
  }

  function ringPath(ring) {
    let d = '';
    for (let i = 0; i < ring.length; i++) {
      const [x, y] = project(ring[i][0], ring[i][1]);
      d += (i ? 'L' : 'M') + x.toFixed(1) + ',' + y.toFixed(1);
    }
    return d + 'Z';
  }

  function featurePath(f) {
    const g = f.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    let d = '';
    for (const poly of polys) for (const ring of poly) d += ringPath(ring);
    return d;
  }

  async function loadWorld() {
    try {
      const res = await fetch('/wall/world.json', { cache: 'no-cache' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const doc = await res.json();
      const byCode = new Map();
      for (const f of doc.features || []) {
        if (f.properties && f.properties.iso_a2) byCode.set(f.properties.iso_a2, f);
      }
      state.world = { features: doc.features || [], byCode };
    } catch (e) {
      state.world = { features: [], byCode: new Map(), error: String(e.message || e) };
    }
    drawMapBase();
    if (state.board) render();
  }

  function drawMapBase() {
    const map = $('map');
    clear(map);
    map.setAttribute('viewBox', `0 0 ${MAP.vw} ${MAP.vh}`);
    map.appendChild(svg('rect', { class: 'ocean', x: -MAP.w, y: -MAP.h, width: MAP.w * 3, height: MAP.h * 3 }));
    const grid = svg('g', { class: 'graticule' });
    for (let lon = -165; lon <= 165; lon += 15) {
      const [x] = project(lon, 0);
      grid.appendChild(svg('line', { x1: x, y1: 0, x2: x, y2: MAP.h, class: lon % 30 ? 'minor' : '' }));
    }
    for (let lat = -45; lat <= 75; lat += 15) {
      const [, y] = project(0, lat);
      grid.appendChild(svg('line', { x1: 0, y1: y, x2: MAP.w, y2: y, class: lat === 0 ? 'equator' : lat % 30 ? 'minor' : '' }));
    }
    map.appendChild(grid);
    const countries = svg('g', { id: 'map-countries', class: 'countries' });
    for (const f of state.world ? state.world.features : []) {
      const p = svg('path', { d: featurePath(f), class: 'country', 'data-code': f.properties.iso_a2 });
      const title = svg('title');
      title.textContent = f.properties.name;
      p.appendChild(title);
      countries.appendChild(p);
    }
    map.appendChild(countries);
    map.appendChild(svg('g', { id: 'map-labels', class: 'map-labels' }));
    map.appendChild(svg('g', { id: 'map-markers', class: 'markers' }));
  }

  // Where each incident goes: its coordinates, else its country's centroid.
  function incidentPoint(inc) {
    if (typeof inc.lat === 'number' && typeof inc.lon === 'number') return { xy: project(inc.lon, inc.lat), approx: false };
    const f = state.world && state.world.byCode.get(inc.country);
    if (!f || !Array.isArray(f.properties.centroid)) return null;
    return { xy: project(f.properties.centroid[0], f.properties.centroid[1]), approx: true };
  }

  // The view box around the points, snapped to 10 degrees so it does not jitter.
  function fitView(points) {
    const r = $('map').getBoundingClientRect();
    const aspect = r.width > 50 && r.height > 50 ? r.width / r.height : MAP.vw / MAP.vh;
    const snap = 10 * DEG;
    let x0;
    let x1;
    let y0;
    let y1;
    if (!points.length) {
      x0 = 0;
      x1 = MAP.w;
      y0 = 0;
      y1 = MAP.h;
    } else {
      x0 = Math.min(...points.map((p) => p[0])) - MAP.padDeg * DEG;
      x1 = Math.max(...points.map((p) => p[0])) + MAP.padDeg * DEG;
      y0 = Math.min(...points.map((p) => p[1])) - MAP.padDeg * 0.8 * DEG;
      y1 = Math.max(...points.map((p) => p[1])) + MAP.padDeg * 0.6 * DEG;
      x0 = Math.floor(x0 / snap) * snap;
      x1 = Math.ceil(x1 / snap) * snap;
      y0 = Math.floor(y0 / snap) * snap;
      y1 = Math.ceil(y1 / snap) * snap;
    }
    let w = Math.max(x1 - x0, MAP.minSpanDeg * DEG);
    let h = y1 - y0;
    if (w / h < aspect) w = h * aspect;
    else h = w / aspect;
    if (w > MAP.w) {
      w = MAP.w;
      h = w / aspect;
    }
    let cx = (x0 + x1) / 2;
    let cy = (y0 + y1) / 2;
    cx = Math.max(w / 2, Math.min(MAP.w - w / 2, cx));
    cy = h >= MAP.h ? MAP.h / 2 : Math.max(h / 2, Math.min(MAP.h - h / 2, cy));
    return { x: cx - w / 2, y: cy - h / 2, w, h };
  }

  function renderMap(board, now) {
    const map = $('map');
    const countries = $('map-countries');
    if (!countries) return;
    const risk = new Map(board.risk_levels.map((r) => [r.country, r.level]));
    const withIncidents = new Set(board.incidents.map((i) => i.country));
    for (const p of countries.children) {
      const code = p.getAttribute('data-code');
      const level = risk.get(code);
      let cls = 'country';
      if (level >= 1 && level <= 4) cls += ` risk-${level}`;
      if (withIncidents.has(code)) cls += ' has-incident';
      if (p.getAttribute('class') !== cls) p.setAttribute('class', cls);
    }

    const markers = $('map-markers');
    const labels = $('map-labels');
    clear(markers);
    clear(labels);
    let unplaced = 0;
    const items = [];
    board.incidents.forEach((inc, i) => {
      const pt = incidentPoint(inc);
      if (!pt) unplaced++;
      else items.push({ inc, rank: i + 1, xy: pt.xy, approx: pt.approx });
    });
    const view = fitView(items.map((it) => it.xy));
    map.setAttribute('viewBox', `${view.x.toFixed(1)} ${view.y.toFixed(1)} ${view.w.toFixed(1)} ${view.h.toFixed(1)}`);
    const k = view.w / Math.max(400, map.getBoundingClientRect().width || MAP.vw); // map units per pixel: markers keep one size
    map.style.setProperty('--k', String(k));

    // Place the most severe first, so they keep their true spot; draw them last (on top).
    const placed = [];
    for (const it of items) {
      let [x, y] = it.xy;
      const r = (7 + it.inc.severity * 1.7) * k;
      for (let n = 0, angle = 0; n < 40; n++) {
        const hit = placed.find((p) => Math.hypot(p.x - x, p.y - y) < (p.r + r) * 0.9);
        if (!hit) break;
        angle += 2.4;
        const dist = (hit.r + r) * 0.95;
        x = hit.x + Math.cos(angle) * dist;
        y = hit.y + Math.sin(angle) * dist;
      }
      placed.push({ x, y, r });
      it.x = x;
      it.y = y;
      it.r = r / k;
    }
    const labelled = new Set();
    for (const it of items.slice().reverse()) {
      const { inc, rank } = it;
      const g = svg('g', {
        class: `marker sev-${inc.severity}${it.approx ? ' approx' : ''}${inc.redacted ? ' redacted' : ''}`,
        'data-id': inc.id,
        'data-opened': inc.opened_at,
        'data-activity': inc.last_activity,
        transform: `translate(${it.x.toFixed(2)},${it.y.toFixed(2)}) scale(${k.toFixed(4)})`,
      });
      g.appendChild(svg('circle', { class: 'marker-pulse', r: it.r + 4 }));
      g.appendChild(svg('circle', { class: 'marker-dot', r: it.r }));
      const t = svg('text', { class: 'marker-rank', y: 0.5, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      t.textContent = String(rank);
      g.appendChild(t);
      const title = svg('title');
      title.textContent = `#${rank} ${inc.title} (${countryName(inc.country)}, severity ${inc.severity})`;
      g.appendChild(title);
      markers.appendChild(g);
    }
    // Name the countries of the most severe incidents so the map reads at a distance,
    // beside their marker where the name covers no other marker or name.
    const boxes = items.map((it) => ({ x0: it.x - it.r * k, x1: it.x + it.r * k, y0: it.y - it.r * k, y1: it.y + it.r * k }));
    const outside = (b) => b.x0 < view.x + 2 * k || b.x1 > view.x + view.w - 2 * k || b.y0 < view.y + 2 * k || b.y1 > view.y + view.h - 2 * k;
    const overlaps = (b) => outside(b) || boxes.some((o) => b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0);
    for (const it of items) {
      if (labelled.has(it.inc.country) || labelled.size >= 10) continue;
      const name = shortCountryName(it.inc.country);
      const w = name.length * 8.6 * k;
      const h = 15 * k;
      const gap = (it.r + 4) * k;
      const spots = [
        { x: it.x + gap, y: it.y + h * 0.35, anchor: 'start', box: { x0: it.x + gap, x1: it.x + gap + w, y0: it.y - h / 2, y1: it.y + h / 2 } },
        { x: it.x - gap, y: it.y + h * 0.35, anchor: 'end', box: { x0: it.x - gap - w, x1: it.x - gap, y0: it.y - h / 2, y1: it.y + h / 2 } },
        { x: it.x, y: it.y - gap - h * 0.2, anchor: 'middle', box: { x0: it.x - w / 2, x1: it.x + w / 2, y0: it.y - gap - h, y1: it.y - gap } },
        { x: it.x, y: it.y + gap + h * 0.8, anchor: 'middle', box: { x0: it.x - w / 2, x1: it.x + w / 2, y0: it.y + gap, y1: it.y + gap + h } },
      ];
      const spot = spots.find((sp) => !overlaps(sp.box));
      if (!spot) continue;
      labelled.add(it.inc.country);
      boxes.push(spot.box);
      const lab = svg('text', {
        class: 'map-label',
        'text-anchor': spot.anchor,
        transform: `translate(${spot.x.toFixed(2)},${spot.y.toFixed(2)}) scale(${k.toFixed(4)})`,
      });
      lab.textContent = name;
      labels.appendChild(lab);
    }
    const notes = [];
    if (state.world && state.world.error) notes.push(`map unavailable: ${state.world.error}`);
    if (unplaced) notes.push(`${unplaced} incident${unplaced > 1 ? 's' : ''} not on the map`);
    if (!notes.length && items.length && view.w < MAP.w - 1) notes.push('zoomed to the open incidents');
    $('map-note').textContent = notes.join(' · ');
    $('map-note').classList.toggle('warn', notes.length > 0 && (unplaced > 0 || !!(state.world && state.world.error)));
    refreshFreshness(now);
  }

  // ---------------------------------------------------------------- board state

  function sortIncidents(list) {
    list.sort((a, b) => {
      if (b.severity !== a.severity) return b.severity - a.severity;
      const la = parseTime(a.last_activity);
      const lb = parseTime(b.last_activity);
      if (lb !== la) return lb - la;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
  }

  function computeTotals(incidents) {
    const t = { open: 0, by_country: {}, by_kind: {}, by_severity: {}, persons_by_status: {}, overdue_tasks: 0 };
    for (const i of incidents) {
      t.open++;
      t.by_country[i.country] = (t.by_country[i.country] || 0) + 1;
      t.by_kind[i.kind] = (t.by_kind[i.kind] || 0) + 1;
      t.by_severity[i.severity] = (t.by_severity[i.severity] || 0) + 1;
      for (const [s, n] of Object.entries(i.persons_by_status || {})) t.persons_by_status[s] = (t.persons_by_status[s] || 0) + n;
      t.overdue_tasks += i.overdue_tasks || 0;
    }
    return t;
  }

  function normalize(board) {
    board.incidents = Array.isArray(board.incidents) ? board.incidents : [];
    board.risk_levels = Array.isArray(board.risk_levels) ? board.risk_levels : [];
    board.feed = Array.isArray(board.feed) ? board.feed : [];
    sortIncidents(board.incidents);
    board.totals = computeTotals(board.incidents);
    return board;
  }

  // The latest moment anything on this board changed.
  function lastChange(board) {
    let last = NaN;
    const see = (s) => {
      const t = parseTime(s);
      if (Number.isFinite(t) && !(t <= last)) last = t;
    };
    for (const i of board.incidents) see(i.last_activity);
    for (const r of board.feed) see(r.recorded_at);
    for (const r of board.risk_levels) see(r.since);
    return last;
  }

  function applySnapshot(board) {
    state.board = normalize(board);
    const asOf = parseTime(board.as_of);
    if (Number.isFinite(asOf)) state.skewMs = asOf - Date.now();
    const last = lastChange(state.board);
    if (Number.isFinite(last) && !(live.lastChangeAt >= last)) live.lastChangeAt = last;
    render();
  }

  function applyChange(change) {
    const board = state.board;
    if (!board) return;
    if (typeof change.position === 'number' && change.position <= board.position) return;
    if (typeof change.position === 'number') board.position = change.position;
    const now = Date.now();
    if (change.incident && change.incident.id) {
      const inc = change.incident;
      const idx = board.incidents.findIndex((i) => i.id === inc.id);
      if (inc.status === 'closed') {
        if (idx >= 0) board.incidents.splice(idx, 1);
      } else if (idx >= 0) {
        board.incidents[idx] = inc;
      } else {
        board.incidents.push(inc);
      }
      sortIncidents(board.incidents);
      board.totals = computeTotals(board.incidents);
      state.flashes.set(inc.id, now);
      // Keep the feed's incident titles in step with the incident.
      if (!inc.redacted) for (const r of board.feed) if (r.incident_id === inc.id) r.incident_title = inc.title;
    }
    if (change.report && change.report.report_id) {
      const r = change.report;
      if (!board.feed.some((x) => x.report_id === r.report_id)) {
        board.feed.unshift(r);
        if (board.feed.length > FEED_MAX) board.feed.length = FEED_MAX;
      }
      state.flashes.set(r.report_id, now);
    }
    if (change.risk && change.risk.country) {
      const r = change.risk;
      const idx = board.risk_levels.findIndex((x) => x.country === r.country);
      if (idx >= 0) board.risk_levels[idx] = r;
      else board.risk_levels.push(r);
      board.risk_levels.sort((a, b) => b.level - a.level || (a.country < b.country ? -1 : 1));
      state.flashes.set(`risk:${r.country}`, now);
    }
    // Evacuation progress, per evacuation. (A closed evacuation is not marked as such in
    // its frame yet; the periodic re-read of the whole board drops it.)
    if (change.evacuation && change.evacuation.evacuation_id) {
      const ev = change.evacuation;
      board.evacuations = Array.isArray(board.evacuations) ? board.evacuations : [];
      const idx = board.evacuations.findIndex((x) => x.evacuation_id === ev.evacuation_id);
      if (ev.closed === true || ev.status === 'closed') {
        if (idx >= 0) board.evacuations.splice(idx, 1);
      } else if (idx >= 0) board.evacuations[idx] = ev;
      else board.evacuations.push(ev);
    }
    // Welfare checks per country, and the latest missed deadlines, come whole.
    if (Array.isArray(change.welfare_checks)) board.welfare_checks = change.welfare_checks;
    if (Array.isArray(change.deadlines_missed)) {
      board.deadlines_missed = change.deadlines_missed;
      board.deadlines_missed_total = change.deadlines_missed_total;
      const newest = change.deadlines_missed[0];
      if (newest) state.flashes.set(`deadline:${newest.key}`, now);
    }
    if (change.recorded_at) {
      const rec = parseTime(change.recorded_at);
      if (Number.isFinite(rec)) {
        board.as_of = change.recorded_at;
        live.lastChangeAt = rec;
      }
    }
    queueRender();
  }

  // A burst of change frames (a busy minute, a bulk import) is drawn once.
  let renderTimer = null;
  function queueRender() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => {
      renderTimer = null;
      render();
    }, 40);
  }

  // ---------------------------------------------------------------- rendering

  // An exercise copy says so across the top of the screen, always.
  function renderExercise(name) {
    let banner = $('exercise-banner');
    if (!name) {
      if (banner) banner.remove();
      document.body.classList.remove('exercise');
      return;
    }
    if (!banner) {
      banner = el('div', 'exercise-banner');
      banner.id = 'exercise-banner';
      banner.setAttribute('role', 'alert');
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.textContent = `EXERCISE ${name} \u2014 NOT A REAL CRISIS \u2014 EXERCISE ${name}`;
    document.body.classList.add('exercise');
  }

  function render() {
    clearTimeout(renderTimer);
    renderTimer = null;
    const board = state.board;
    if (!board) return;
    document.body.classList.remove('booting');
    renderExercise(board.exercise);
    const now = boardNow();
    renderTotals(board.totals);
    renderIncidents(board, now);
    renderMap(board, now);
    renderEvacuations(board);
    renderDeadlines(board, now);
    renderWelfare(board);
    renderFeed(board, now);
    renderRisks(board);
    renderFooter(board);
    refreshAgo(now);
  }

  function renderTotals(t) {
    $('t-open').textContent = String(t.open);
    const sev = $('t-sev');
    clear(sev);
    for (let s = 5; s >= 1; s--) {
      const n = t.by_severity[s] || 0;
      const box = el('span', `sev-count sev-${s}${n ? '' : ' zero'}`);
      box.appendChild(el('span', 'sev-count-label', `S${s}`));
      box.appendChild(el('span', 'sev-count-n', n));
      sev.appendChild(box);
    }
    const persons = $('t-persons');
    clear(persons);
    let any = false;
    for (const [key, label, cls] of PERSON_STATUSES) {
      const n = t.persons_by_status[key] || 0;
      if (!n) continue;
      any = true;
      const chip = el('span', `chip ${cls}`);
      chip.appendChild(el('b', null, n));
      chip.appendChild(document.createTextNode(` ${label}`));
      persons.appendChild(chip);
    }
    if (!any) persons.appendChild(el('span', 'chip p-none', 'none'));
    persons.classList.remove('tight');
    if (persons.scrollWidth > persons.clientWidth + 1) persons.classList.add('tight');
    $('t-overdue').textContent = String(t.overdue_tasks);
    $('t-overdue-box').classList.toggle('alert', t.overdue_tasks > 0);
  }

  function personChips(pbs) {
    const wrap = el('span', 'chips');
    for (const [key, label, cls] of PERSON_STATUSES) {
      const n = (pbs && pbs[key]) || 0;
      if (!n) continue;
      const chip = el('span', `chip ${cls}`);
      chip.appendChild(el('b', null, n));
      chip.appendChild(document.createTextNode(` ${label}`));
      wrap.appendChild(chip);
    }
    return wrap;
  }

  function incidentRow(inc, rank, nowClient) {
    const li = el('li', `inc sev-${inc.severity}${inc.redacted ? ' redacted' : ''}`);
    li.dataset.id = inc.id;
    li.dataset.flash = inc.id;
    li.dataset.opened = inc.opened_at;
    li.dataset.activity = inc.last_activity;
    const flashed = state.flashes.get(inc.id);
    if (flashed && nowClient - flashed < FLASH_MS) li.classList.add('flash');

    const badge = el('div', 'inc-badge');
    badge.appendChild(el('span', 'inc-sev', inc.severity));
    badge.appendChild(el('span', 'inc-rank', `#${rank}`));
    li.appendChild(badge);

    const body = el('div', 'inc-body');
    const l1 = el('div', 'inc-line1');
    l1.appendChild(el('span', 'inc-title', inc.title));
    l1.appendChild(el('span', 'tag tag-new', 'NEW'));
    l1.appendChild(el('span', 'tag tag-updated', 'UPDATED'));
    if (inc.redacted || inc.classification === 'restricted') l1.appendChild(el('span', 'tag tag-restricted', 'RESTRICTED'));
    body.appendChild(l1);

    const l2 = el('div', 'inc-line2');
    const country = el('span', 'inc-country');
    country.appendChild(el('span', 'cc', inc.country));
    country.appendChild(document.createTextNode(` ${shortCountryName(inc.country)}${inc.place ? ` · ${inc.place}` : ''}`));
    l2.appendChild(country);
    l2.appendChild(el('span', 'inc-kind', KIND[inc.kind] || inc.kind));
    l2.appendChild(el('span', `inc-status st-${inc.status}`, String(inc.status).toUpperCase()));
    if (inc.persons_total > 0) {
      const inline = personChips(inc.persons_by_status);
      inline.classList.add('chips-inline');
      l2.appendChild(inline);
    }
    if (inc.lead) {
      const lead = el('span', 'inc-lead');
      lead.appendChild(el('span', 'dim', 'Lead '));
      lead.appendChild(document.createTextNode(inc.lead));
      l2.appendChild(lead);
    } else if (!inc.redacted) {
      l2.appendChild(el('span', 'inc-lead nolead', 'No lead'));
    }
    body.appendChild(l2);

    const l3 = el('div', 'inc-line3');
    if (inc.persons_total > 0) l3.appendChild(personChips(inc.persons_by_status));
    else l3.appendChild(el('span', 'chip p-none', 'no citizens named'));
    const tasks = el('span', 'inc-tasks', `${inc.open_tasks} open task${inc.open_tasks === 1 ? '' : 's'} · ${inc.reports} report${inc.reports === 1 ? '' : 's'}`);
    l3.appendChild(tasks);
    body.appendChild(l3);
    li.appendChild(body);

    const right = el('div', 'inc-right');
    const agoEl = el('div', 'inc-ago');
    agoEl.dataset.ago = inc.last_activity;
    right.appendChild(agoEl);
    const overdue = el('div', `inc-overdue${inc.overdue_tasks > 0 ? ' alert' : ''}`);
    overdue.appendChild(el('b', null, inc.overdue_tasks));
    overdue.appendChild(document.createTextNode(' overdue'));
    right.appendChild(overdue);
    li.appendChild(right);
    return li;
  }

  function renderIncidents(board, now) {
    const list = $('incidents');
    const more = $('incidents-more');
    clear(list);
    list.classList.remove('compact', 'dense');
    const nowClient = Date.now();
    const rows = board.incidents.map((inc, i) => incidentRow(inc, i + 1, nowClient));
    for (const r of rows) list.appendChild(r);
    $('incidents-empty').hidden = board.incidents.length > 0;
    list.hidden = !board.incidents.length;
    more.hidden = true;
    refreshFreshness(now);
    // Nothing to scroll: tighten the rows, then leave out the least urgent and say so.
    const fits = () => list.scrollHeight <= list.clientHeight + 1;
    if (!fits()) list.classList.add('compact');
    if (!fits()) list.classList.add('dense');
    if (!fits()) {
      more.hidden = false;
      const hidden = [];
      while (list.lastChild && !fits()) {
        const last = list.lastChild;
        list.removeChild(last);
        hidden.unshift(board.incidents[list.children.length]);
      }
      const bySev = {};
      let overdue = 0;
      for (const i of hidden) {
        bySev[i.severity] = (bySev[i.severity] || 0) + 1;
        overdue += i.overdue_tasks;
      }
      const parts = Object.keys(bySev)
        .sort((a, b) => b - a)
        .map((s) => `S${s} ×${bySev[s]}`);
      more.textContent = `+ ${hidden.length} more open incident${hidden.length > 1 ? 's' : ''} not shown: ${parts.join(', ')}${overdue ? ` · ${overdue} overdue task${overdue > 1 ? 's' : ''}` : ''}`;
      more.classList.toggle('alert', overdue > 0);
      // The summary line itself takes room: make sure it fits too.
      while (list.lastChild && !fits()) list.removeChild(list.lastChild);
    }
  }

  function renderFeed(board, now) {
    const feed = $('feed');
    clear(feed);
    const nowClient = Date.now();
    $('feed-empty').hidden = board.feed.length > 0;
    feed.hidden = !board.feed.length;
    for (const r of board.feed) {
      const li = el('li', 'report');
      li.dataset.recorded = r.recorded_at;
      li.dataset.flash = r.report_id;
      const flashed = state.flashes.get(r.report_id);
      if (flashed && nowClient - flashed < FLASH_MS) li.classList.add('flash');
      const head = el('div', 'report-head');
      const when = parseTime(r.occurred_at);
      head.appendChild(el('span', 'report-time', Number.isFinite(when) ? fmtTimeOfDayOrDate(when, now) : ''));
      const agoEl = el('span', 'report-ago');
      agoEl.dataset.ago = r.recorded_at;
      head.appendChild(agoEl);
      head.appendChild(el('span', `report-cat cat-${r.category}`, CATEGORY[r.category] || r.category));
      head.appendChild(el('span', 'tag tag-new', 'NEW'));
      const where = el('span', 'report-where');
      where.appendChild(el('span', 'cc', r.country));
      where.appendChild(document.createTextNode(` ${r.incident_title}`));
      head.appendChild(where);
      li.appendChild(head);
      const text = el('div', 'report-text');
      if (r.place) text.appendChild(el('span', 'report-place', r.place));
      text.appendChild(document.createTextNode(r.text));
      li.appendChild(text);
      feed.appendChild(li);
    }
    // Keep only what fits: a wall is never scrolled.
    while (feed.children.length > 1 && feed.scrollHeight > feed.clientHeight + 1) feed.removeChild(feed.lastChild);
    refreshFreshness(now);
  }

  function renderRisks(board) {
    const list = $('risks');
    clear(list);
    const nowClient = Date.now();
    $('risks-empty').hidden = board.risk_levels.length > 0;
    list.hidden = !board.risk_levels.length;
    for (const r of board.risk_levels) {
      const li = el('li', `risk risk-${r.level}`);
      li.dataset.flash = `risk:${r.country}`;
      const flashed = state.flashes.get(`risk:${r.country}`);
      if (flashed && nowClient - flashed < FLASH_MS) li.classList.add('flash');
      li.appendChild(el('span', 'risk-level', r.level));
      const body = el('div', 'risk-body');
      const head = el('div', 'risk-head');
      head.appendChild(el('span', 'risk-country', shortCountryName(r.country)));
      li.title = RISK_WORDS[r.level] || '';
      if (board.incidents.some((i) => i.country === r.country)) li.classList.add('has-incident');
      body.appendChild(head);
      const reason = el('div', 'risk-reason', r.reason);
      const since = parseTime(r.since);
      if (Number.isFinite(since)) reason.title = `since ${fmtUtc(new Date(since))} UTC`;
      body.appendChild(reason);
      li.appendChild(body);
      list.appendChild(li);
    }
    while (list.children.length > 1 && list.scrollHeight > list.clientHeight + 1) list.removeChild(list.lastChild);
  }

  // Evacuation progress per transport: rendered from `board.evacuations` when the
  // server sends it, hidden otherwise. Counts are nested (everyone who boarded was
  // checked in and holds a seat), so the bar draws them on top of one another.
  function renderEvacuations(board) {
    const panel = $('evacuations');
    const evacs = Array.isArray(board.evacuations) ? board.evacuations : null;
    document.body.classList.toggle('has-evac', !!(evacs && evacs.length));
    if (!evacs || !evacs.length) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const list = $('evac-list');
    clear(list);
    const num = (v) => Number(v) || 0;
    for (const ev of evacs) {
      const box = el('div', 'evac');
      box.dataset.evacuation = ev.evacuation_id;
      const tr = Array.isArray(ev.transports) ? ev.transports : [];
      const sum = (k) => tr.reduce((a, t) => a + num(t[k]), 0);
      const c = ev.counts || {};
      const registered = c.registered !== undefined ? num(c.registered) : sum('registered');
      const boarded = c.boarded !== undefined ? num(c.boarded) : sum('boarded');
      const arrived = c.arrived !== undefined ? num(c.arrived) : sum('arrived');
      const head = el('div', 'evac-head');
      head.appendChild(el('span', 'cc', ev.country));
      head.appendChild(el('span', 'evac-country', shortCountryName(ev.country)));
      if (ev.reason) head.appendChild(el('span', 'evac-reason', ev.reason));
      const totals = el('span', 'evac-sum');
      totals.appendChild(el('b', null, boarded));
      totals.appendChild(document.createTextNode(' boarded · '));
      totals.appendChild(el('b', null, arrived));
      totals.appendChild(document.createTextNode(` arrived of ${registered} registered`));
      head.appendChild(totals);
      if (num(ev.unaccounted) > 0) head.appendChild(el('span', 'evac-unaccounted', `${ev.unaccounted} unaccounted`));
      box.appendChild(head);
      for (const t of tr) {
        const status = String(t.status || 'scheduled');
        const row = el('div', `transport st-${status}`);
        row.dataset.transport = t.transport_id;
        row.appendChild(el('span', 'transport-mode', String(t.mode || '').toUpperCase()));
        const name = el('span', 'transport-number', t.number || '');
        if (t.from || t.to) name.appendChild(el('span', 'transport-route', ` ${t.from || '?'} → ${t.to || '?'}`));
        row.appendChild(name);
        const seats = t.assigned !== undefined ? num(t.assigned) : num(t.registered);
        const cap = Math.max(num(t.capacity), seats, 1);
        const bar = el('span', 'transport-bar');
        for (const [v, cls] of [
          [seats, 'f-seats'],
          [num(t.checked_in), 'f-checked'],
          [num(t.boarded), 'f-boarded'],
          [num(t.arrived), 'f-arrived'],
        ]) {
          const f = el('span', `fill ${cls}`);
          f.style.width = `${Math.min(100, (v / cap) * 100).toFixed(1)}%`;
          bar.appendChild(f);
        }
        row.appendChild(bar);
        const nums = el('span', 'transport-nums');
        nums.appendChild(el('b', null, `${num(t.boarded)}/${num(t.capacity)}`));
        nums.appendChild(document.createTextNode(` boarded · ${num(t.checked_in)} checked in · ${seats} seats held`));
        row.appendChild(nums);
        let when = status.toUpperCase();
        const dep = parseTime(t.departs_at);
        if (status === 'scheduled' && Number.isFinite(dep)) when = `DEP ${fmtTimeOfDayOrDate(dep, boardNow())}`;
        row.appendChild(el('span', 'transport-status', when));
        box.appendChild(row);
      }
      if (!tr.length) box.appendChild(el('div', 'transport-none', 'no transport scheduled yet'));
      list.appendChild(box);
    }
    // Never scrolled: leave out what does not fit, and say so.
    let left = 0;
    while (list.children.length > 1 && panel.scrollHeight > panel.clientHeight + 1) {
      list.removeChild(list.lastChild);
      left++;
    }
    if (left) list.appendChild(el('div', 'evac-more', `+ ${left} more evacuation${left > 1 ? 's' : ''} not shown`));
  }

  // Missed deadlines, newest first: what, whose, how late. Shown only when there are any.
  const DEADLINE_WORDS = {
    welfare_check: 'Welfare check',
    task: 'Task',
    case_team: 'Case team',
    field_report: 'Field report',
  };
  function fmtLate(seconds) {
    const s = Math.max(0, Number(seconds) || 0);
    if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min late`;
    if (s < 172800) return `${Math.round(s / 3600)} h late`;
    return `${Math.round(s / 86400)} days late`;
  }
  function renderDeadlines(board) {
    const panel = $('deadlines');
    const list = Array.isArray(board.deadlines_missed) ? board.deadlines_missed : [];
    if (!list.length) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const total = Number(board.deadlines_missed_total) || list.length;
    $('deadlines-total').textContent = `${total} in all`;
    const ol = $('deadlines-list');
    clear(ol);
    const nowClient = Date.now();
    for (const d of list) {
      const li = el('li', `deadline dl-${d.kind}`);
      li.dataset.deadline = d.key;
      const flashed = state.flashes.get(`deadline:${d.key}`);
      if (flashed && nowClient - flashed < FLASH_MS) li.classList.add('flash');
      li.appendChild(el('span', 'deadline-kind', DEADLINE_WORDS[d.kind] || d.kind));
      const body = el('span', 'deadline-what', d.redacted ? 'Restricted case' : d.what);
      if (d.country) body.appendChild(el('span', 'cc', ` ${d.country}`));
      li.appendChild(body);
      if (d.owner) li.appendChild(el('span', 'deadline-owner', d.owner.replace(/_/g, ' ')));
      li.appendChild(el('span', 'deadline-late', fmtLate(d.late_by_seconds)));
      const due = parseTime(d.due_at);
      if (Number.isFinite(due)) li.title = `due ${fmtUtc(new Date(due))} UTC`;
      ol.appendChild(li);
    }
    while (ol.children.length > 1 && panel.scrollHeight > panel.clientHeight + 1) ol.removeChild(ol.lastChild);
  }

  // Welfare checks per country: how many were reached, how many are still open or late.
  function renderWelfare(board) {
    const panel = $('welfare');
    const rows = Array.isArray(board.welfare_checks)
      ? board.welfare_checks.filter((w) => Number(w.open) + Number(w.escalated) > 0)
      : [];
    if (!rows.length) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    const list = $('welfare-list');
    clear(list);
    const num = (v) => Number(v) || 0;
    for (const w of rows) {
      const row = el('div', 'welfare-row');
      row.dataset.country = w.country;
      row.appendChild(el('span', 'cc', w.country));
      row.appendChild(el('span', 'welfare-country', shortCountryName(w.country)));
      const reached = num(w.safe) + num(w.needs_help);
      const bar = el('span', 'transport-bar');
      const f = el('span', 'fill f-arrived');
      f.style.width = `${Math.min(100, (reached / Math.max(1, num(w.total) - num(w.cancelled))) * 100).toFixed(1)}%`;
      bar.appendChild(f);
      row.appendChild(bar);
      const nums = el('span', 'welfare-nums');
      nums.appendChild(el('b', null, `${reached}/${num(w.total) - num(w.cancelled)}`));
      nums.appendChild(document.createTextNode(` reached · ${num(w.open)} open`));
      if (num(w.open_vulnerable)) nums.appendChild(el('span', 'welfare-vulnerable', ` · ${w.open_vulnerable} vulnerable`));
      if (num(w.escalated)) nums.appendChild(el('span', 'welfare-escalated', ` · ${w.escalated} escalated`));
      if (num(w.overdue)) nums.appendChild(el('span', 'welfare-overdue', ` · ${w.overdue} overdue`));
      if (num(w.needs_help)) nums.appendChild(el('span', 'welfare-help', ` · ${w.needs_help} need help`));
      row.appendChild(nums);
      list.appendChild(row);
    }
  }

  function renderFooter(board) {
    const asOf = parseTime(board.as_of);
    $('foot-position').textContent = `Log position ${board.position}${Number.isFinite(asOf) ? ` · board as of ${fmtUtc(new Date(asOf), true)} UTC` : ''}`;
    const exp = tokenExpiry(state.token || '');
    const foot = $('foot-token');
    foot.classList.remove('warn', 'alert');
    if (exp) {
      const left = exp - Date.now();
      foot.textContent = left > 0 ? `Screen token expires in ${duration(left)}` : 'Screen token has expired';
      if (left < 2 * 3600 * 1000) foot.classList.add(left > 0 ? 'warn' : 'alert');
    } else {
      foot.textContent = '';
    }
  }

  function refreshAgo(now) {
    for (const e of document.querySelectorAll('[data-ago]')) {
      const t = parseTime(e.dataset.ago);
      e.textContent = Number.isFinite(t) ? ago(now - t) : '';
    }
  }

  // NEW (opened) and UPDATED (any activity) within five minutes, fading out.
  function refreshFreshness(now) {
    for (const e of document.querySelectorAll('[data-activity]')) {
      const opened = parseTime(e.dataset.opened);
      const act = parseTime(e.dataset.activity);
      const isNew = now - opened < FRESH_MS && now - opened >= -60000;
      const isUpd = !isNew && now - act < FRESH_MS && now - act >= -60000;
      const age = isNew ? now - opened : now - act;
      e.classList.toggle('is-new', isNew);
      e.classList.toggle('is-updated', isUpd);
      e.classList.toggle('is-fresh', isNew || isUpd);
      e.style.setProperty('--freshness', isNew || isUpd ? Math.max(0.15, 1 - Math.max(0, age) / FRESH_MS).toFixed(2) : '0');
    }
    for (const e of document.querySelectorAll('[data-recorded]')) {
      const rec = parseTime(e.dataset.recorded);
      const fresh = now - rec < FRESH_MS && now - rec >= -60000;
      e.classList.toggle('is-new', fresh);
      e.style.setProperty('--freshness', fresh ? Math.max(0.15, 1 - Math.max(0, now - rec) / FRESH_MS).toFixed(2) : '0');
    }
  }

  function tick() {
    const d = new Date(Date.now() + state.skewMs);
    $('clock-utc').textContent = fmtClock(d, true);
    $('clock-local').textContent = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    if (state.board) {
      const now = boardNow();
      refreshAgo(now);
      refreshFreshness(now);
      const nowClient = Date.now();
      for (const [key, t] of state.flashes) if (nowClient - t > FLASH_MS * 2) state.flashes.delete(key);
      for (const e of document.querySelectorAll('.flash')) {
        const key = e.dataset.flash || '';
        const t = state.flashes.get(key);
        if (!t || nowClient - t >= FLASH_MS) e.classList.remove('flash');
      }
    }
    renderLiveStatus();
  }

  // ---------------------------------------------------------------- live stream

  function setLiveStatus(status) {
    if (status === 'down' && live.status !== 'down') live.since = live.since || new Date();
    if (status === 'live') live.since = null;
    live.status = status;
    renderLiveStatus();
  }

  function renderLiveStatus() {
    const box = $('live');
    const text = $('live-text');
    const detail = $('live-detail');
    detail.textContent = '';
    box.classList.remove('live-ok', 'live-down', 'live-connecting', 'live-replay');
    document.body.classList.toggle('not-live', state.mode === 'live' && live.status !== 'live');
    $('stale').hidden = !(state.mode === 'live' && live.status === 'down' && state.board);
    if (state.mode === 'replay') {
      box.classList.add('live-replay');
      text.textContent = 'NOT LIVE — REPLAY';
      return;
    }
    if (live.status === 'live') {
      box.classList.add('live-ok');
      text.textContent = 'LIVE';
      detail.textContent = Number.isFinite(live.lastChangeAt) ? `last change ${ago(Date.now() + state.skewMs - live.lastChangeAt)}` : '';
      return;
    }
    if (live.status === 'down' || live.since) {
      box.classList.add('live-down');
      const since = live.since ? fmtClock(new Date(live.since.getTime() + state.skewMs), true) : '';
      let tail = 'reconnecting…';
      if (live.retryTimer && live.retryAt > Date.now()) tail = `reconnecting in ${Math.ceil((live.retryAt - Date.now()) / 1000)} s`;
      text.textContent = `NOT LIVE since ${since} UTC — ${tail}`;
      return;
    }
    box.classList.add('live-connecting');
    text.textContent = 'CONNECTING…';
  }

  function stopLive() {
    live.gen++;
    if (live.ctrl) {
      try {
        live.ctrl.abort();
      } catch (_) {
        /* already done */
      }
    }
    live.ctrl = null;
    clearTimeout(live.retryTimer);
    live.retryTimer = null;
    clearTimeout(live.watchdog);
    live.watchdog = null;
    clearInterval(live.resyncTimer);
    live.resyncTimer = null;
  }

  function scheduleReconnect(gen) {
    if (gen !== live.gen || state.stopped || state.mode !== 'live') return;
    clearTimeout(live.retryTimer);
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(live.attempt, 10));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    live.attempt++;
    live.retryAt = Date.now() + delay;
    live.retryTimer = setTimeout(() => {
      live.retryTimer = null;
      if (gen === live.gen) connect();
    }, delay);
    renderLiveStatus();
  }

  function streamDown(gen, why) {
    if (gen !== live.gen || live.downGen === gen) return; // once per connection
    live.downGen = gen;
    live.lastError = why;
    clearTimeout(live.watchdog);
    setLiveStatus('down');
    scheduleReconnect(gen);
  }

  function connect() {
    if (state.stopped || state.mode !== 'live') return;
    stopLive();
    const gen = live.gen;
    const ctrl = new AbortController();
    live.ctrl = ctrl;
    renderLiveStatus();
    run().catch((e) => streamDown(gen, String((e && e.message) || e)));

    function kick() {
      clearTimeout(live.watchdog);
      live.watchdog = setTimeout(() => {
        if (gen !== live.gen) return;
        ctrl.abort();
        streamDown(gen, 'no data from the server');
      }, WATCHDOG_MS);
    }

    async function run() {
      kick();
      const res = await fetch('/v1/board/stream', {
        headers: { ...authHeaders(), Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: ctrl.signal,
      });
      if (gen !== live.gen) return;
      if (res.status === 401 || res.status === 403) {
        showAuth(authProblem(res.status));
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      let evType = '';
      let data = [];
      const dispatch = () => {
        if (!data.length) {
          evType = '';
          return;
        }
        const type = evType || 'message';
        const payload = data.join('\n');
        evType = '';
        data = [];
        if (gen !== live.gen) return;
        let body;
        try {
          body = JSON.parse(payload);
        } catch (_) {
          return; // a frame we cannot read is skipped; the next snapshot re-syncs
        }
        if (type === 'snapshot') {
          applySnapshot(body);
          live.attempt = 0;
          setLiveStatus('live');
          clearInterval(live.resyncTimer);
          live.resyncTimer = setInterval(() => resync(gen), RESYNC_MS);
        } else if (type === 'change') {
          applyChange(body);
        }
      };
      const line = (l) => {
        if (l === '') return dispatch();
        if (l[0] === ':') return; // comment: keep-alive
        const i = l.indexOf(':');
        const field = i < 0 ? l : l.slice(0, i);
        let value = i < 0 ? '' : l.slice(i + 1);
        if (value[0] === ' ') value = value.slice(1);
        if (field === 'event') evType = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') live.lastEventId = value;
        // 'retry' and unknown fields are ignored: reconnection is ours.
      };
      for (;;) {
        const { value, done } = await reader.read();
        if (gen !== live.gen) {
          try {
            reader.cancel();
          } catch (_) {
            /* gone */
          }
          return;
        }
        if (done) break;
        kick();
        buf += decoder.decode(value, { stream: true });
        let start = 0;
        for (let i = 0; i < buf.length; i++) {
          const c = buf.charCodeAt(i);
          if (c !== 10 && c !== 13) continue;
          if (c === 13 && i === buf.length - 1) break; // maybe half of CRLF: wait for more
          line(buf.slice(start, i));
          if (c === 13 && buf.charCodeAt(i + 1) === 10) i++;
          start = i + 1;
        }
        buf = buf.slice(start);
      }
      // The stream ended cleanly (server shutting down, proxy timeout): reconnect.
      streamDown(gen, 'the server ended the stream');
    }
  }

  async function resync(gen) {
    if (gen !== live.gen || state.mode !== 'live' || live.status !== 'live') return;
    try {
      const board = await getJson('/v1/board');
      if (gen !== live.gen || state.mode !== 'live') return;
      if (!state.board || board.position >= state.board.position) applySnapshot(board);
    } catch (_) {
      /* the stream will tell if the server is gone */
    }
  }

  // ---------------------------------------------------------------- replay

  function stopReplayTimers() {
    clearInterval(replay.playTimer);
    replay.playTimer = null;
    clearTimeout(replay.debounce);
    clearInterval(replay.timelineTimer);
    replay.timelineTimer = null;
  }

  function setUrl() {
    const url = new URL(window.location.href);
    url.searchParams.delete('token');
    if (state.mode === 'replay') {
      url.searchParams.set('mode', 'replay');
      if (Number.isFinite(replay.t) && replay.t) url.searchParams.set('at', new Date(replay.t).toISOString().replace(/\.000Z$/, 'Z'));
    } else {
      url.searchParams.delete('mode');
      url.searchParams.delete('at');
    }
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }

  async function enterReplay(atMs) {
    if (state.stopped) return;
    state.mode = 'replay';
    stopLive();
    live.status = 'off';
    live.since = null;
    document.body.classList.add('mode-replay');
    $('replay').hidden = false;
    $('btn-replay').hidden = true;
    renderLiveStatus();
    renderSpeeds();
    replay.fetchedT = null;
    replay.t = Number.isFinite(atMs) ? atMs : NaN;
    updateReplayBanner();
    await loadTimeline();
    if (state.mode !== 'replay') return;
    if (!Number.isFinite(replay.t)) replay.t = replay.max || Date.now();
    drawTimeline();
    updateReplayBanner();
    setUrl();
    requestReplayBoard(true);
    clearInterval(replay.timelineTimer);
    replay.timelineTimer = setInterval(() => loadTimeline().then(drawTimeline), 30000);
  }

  function leaveReplay() {
    if (state.mode !== 'replay') return;
    pause();
    stopReplayTimers();
    state.mode = 'live';
    document.body.classList.remove('mode-replay');
    $('replay').hidden = true;
    $('btn-replay').hidden = false;
    replay.fetchedT = null;
    live.status = 'connecting';
    live.since = null;
    live.attempt = 0;
    setUrl();
    renderLiveStatus();
    connect();
  }

  async function loadTimeline() {
    try {
      const tl = await getJson('/v1/timeline?buckets=240');
      replay.timeline = tl;
      replay.error = null;
      const b = Array.isArray(tl.buckets) ? tl.buckets : [];
      const first = b.length ? parseTime(b[0].start) : parseTime(tl.first_recorded_at);
      const last = parseTime(tl.last_recorded_at);
      if (Number.isFinite(first) && Number.isFinite(last)) {
        replay.min = first;
        replay.max = last + 1000; // include the last event
      } else {
        replay.min = replay.max = Date.now();
      }
    } catch (e) {
      if (state.stopped) return;
      replay.error = `timeline unavailable: ${e.message || e}`;
      if (!replay.timeline) {
        replay.min = Number.isFinite(replay.t) ? replay.t - 24 * 3600 * 1000 : Date.now() - 24 * 3600 * 1000;
        replay.max = Date.now();
      }
    }
    updateReplayBanner();
  }

  function drawTimeline() {
    const box = $('timeline');
    const s = $('timeline-svg');
    const W = Math.max(200, box.clientWidth || 1600);
    const H = Math.max(40, s.clientHeight || 64);
    s.setAttribute('viewBox', `0 0 ${W} ${H}`);
    clear(s);
    const buckets = (replay.timeline && replay.timeline.buckets) || [];
    const span = Math.max(1, replay.max - replay.min);
    const xOf = (t) => ((t - replay.min) / span) * W;
    const maxEv = buckets.reduce((m, b) => Math.max(m, b.events || 0), 0);
    s.appendChild(svg('rect', { class: 'tl-bg', x: 0, y: 0, width: W, height: H }));
    const bars = svg('g', { class: 'tl-bars' });
    for (const b of buckets) {
      if (!b.events) continue;
      const x0 = xOf(parseTime(b.start));
      const x1 = Math.min(W, xOf(parseTime(b.end)));
      const h = Math.max(3, (Math.sqrt(b.events) / Math.sqrt(maxEv || 1)) * (H - 8));
      const r = svg('rect', { class: 'tl-bar', x: x0.toFixed(1), y: (H - h).toFixed(1), width: Math.max(3, x1 - x0 - 1).toFixed(1), height: h.toFixed(1) });
      const title = svg('title');
      title.textContent = `${b.events} event${b.events > 1 ? 's' : ''} ${fmtUtc(new Date(parseTime(b.start)))}–${fmtClock(new Date(parseTime(b.end)))} UTC`;
      r.appendChild(title);
      bars.appendChild(r);
    }
    s.appendChild(bars);
    // Hour ticks: the coarsest step that still gives a few of them.
    const HOUR = 3600 * 1000;
    const stepMs = [HOUR / 4, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 7 * 24 * HOUR].find((st) => span / st <= 12) || 30 * 24 * HOUR;
    const ticks = svg('g', { class: 'tl-ticks' });
    for (let t = Math.ceil(replay.min / stepMs) * stepMs; t < replay.max; t += stepMs) {
      const tx = xOf(t);
      if (tx < 40 || tx > W - 40) continue;
      ticks.appendChild(svg('line', { x1: tx.toFixed(1), y1: 0, x2: tx.toFixed(1), y2: H }));
      const d = new Date(t);
      const label = svg('text', { x: (tx + 4).toFixed(1), y: 13 });
      label.textContent = d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? `${pad(d.getUTCDate())} ${d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })}` : fmtClock(d);
      ticks.appendChild(label);
    }
    s.insertBefore(ticks, bars);
    // Decisions: a marker each, so that replay shows when the room decided what.
    const marks = svg('g', { class: 'tl-decisions' });
    for (const d of (replay.timeline && replay.timeline.decisions) || []) {
      const t = parseTime(d.recorded_at);
      if (!Number.isFinite(t) || t < replay.min || t > replay.max) continue;
      const dx = xOf(t);
      const m = svg('path', { class: d.redacted ? 'tl-decision tl-decision-redacted' : 'tl-decision', d: `M${dx.toFixed(1)} ${H - 14} l5 7 l-5 7 l-5 -7 z` });
      const title = svg('title');
      title.textContent = d.redacted
        ? `Decision on a restricted case, ${fmtUtc(new Date(t))} UTC`
        : `Decision ${fmtUtc(new Date(t))} UTC by ${d.decided_by}: ${d.decision}`;
      m.appendChild(title);
      marks.appendChild(m);
    }
    s.appendChild(marks);
    const x = Math.max(0, Math.min(W, xOf(replay.t)));
    s.appendChild(svg('rect', { class: 'tl-future', x: x.toFixed(1), y: 0, width: Math.max(0, W - x).toFixed(1), height: H }));
    s.appendChild(svg('line', { class: 'tl-head', x1: x.toFixed(1), y1: 0, x2: x.toFixed(1), y2: H }));
    s.appendChild(svg('circle', { class: 'tl-knob', cx: x.toFixed(1), cy: 6, r: 6 }));

    const labels = $('timeline-labels');
    clear(labels);
    if (replay.error) {
      labels.appendChild(el('span', 'tl-error', replay.error));
    } else if (!buckets.length) {
      labels.appendChild(el('span', 'tl-error', 'Nothing has been recorded yet.'));
    } else {
      labels.appendChild(el('span', 'tl-start', `${fmtUtc(new Date(replay.min))} UTC`));
      labels.appendChild(el('span', 'tl-mid', `${buckets.reduce((a, b) => a + (b.events || 0), 0)} events`));
      labels.appendChild(el('span', 'tl-end', `${fmtUtc(new Date(replay.max))} UTC`));
    }
    box.setAttribute('aria-valuetext', `${fmtUtc(new Date(replay.t), true)} UTC`);
  }

  function updateReplayBanner() {
    const t = replay.t;
    $('replay-time').textContent = Number.isFinite(t) ? `${fmtUtc(new Date(t), true)} UTC` : '…';
    let status = '';
    if (replay.error) status = replay.error;
    else if (replay.inflight || (replay.fetchedT !== null && replay.fetchedT !== replay.t)) status = 'loading…';
    else if (replay.boardError) status = replay.boardError;
    $('replay-status').textContent = status;
    $('btn-play').textContent = replay.playing ? '❚❚ Pause' : '▶ Play';
    $('btn-play').classList.toggle('active', replay.playing);
  }

  function setReplayTime(t, immediate) {
    if (!Number.isFinite(t)) return;
    replay.t = Math.round(Math.max(replay.min, Math.min(replay.max, t)));
    drawTimeline();
    updateReplayBanner();
    clearTimeout(replay.debounce);
    if (immediate) requestReplayBoard();
    else replay.debounce = setTimeout(() => requestReplayBoard(), 150);
  }

  // One request at a time; while one is out, only the latest wanted moment waits.
  async function requestReplayBoard(force) {
    if (state.mode !== 'replay' || !Number.isFinite(replay.t)) return;
    if (!force && replay.fetchedT === replay.t) return;
    replay.wantT = replay.t;
    if (replay.inflight) return;
    replay.inflight = true;
    updateReplayBanner();
    try {
      while (state.mode === 'replay' && replay.wantT !== null) {
        const t = replay.wantT;
        replay.wantT = null;
        const iso = new Date(t).toISOString();
        try {
          const board = await getJson(`/v1/board?as_of=${encodeURIComponent(iso)}`);
          if (state.mode !== 'replay') break;
          replay.fetchedT = t;
          replay.boardError = null;
          state.board = normalize(board);
          render();
        } catch (e) {
          if (state.stopped) return;
          replay.boardError = `could not load that moment: ${e.message || e}`;
        }
      }
    } finally {
      replay.inflight = false;
      updateReplayBanner();
      if (!replay.playing) setUrl();
    }
  }

  function play() {
    if (replay.playing) return;
    if (replay.t >= replay.max) setReplayTime(replay.min, true);
    replay.playing = true;
    let last = Date.now();
    replay.playTimer = setInterval(() => {
      const now = Date.now();
      const dt = (now - last) / 1000;
      last = now;
      const next = replay.t + dt * replay.speed * 1000;
      if (next >= replay.max) {
        setReplayTime(replay.max, true);
        pause();
        return;
      }
      setReplayTime(next, true);
    }, PLAY_TICK_MS);
    updateReplayBanner();
  }

  function pause() {
    replay.playing = false;
    clearInterval(replay.playTimer);
    replay.playTimer = null;
    updateReplayBanner();
    if (state.mode === 'replay') setUrl();
  }

  function renderSpeeds() {
    const box = $('speeds');
    clear(box);
    for (const s of SPEEDS) {
      const b = el('button', `btn btn-speed${s.seconds === replay.speed ? ' active' : ''}`, s.label);
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-checked', String(s.seconds === replay.speed));
      b.dataset.speed = String(s.seconds);
      b.addEventListener('click', () => {
        replay.speed = s.seconds;
        renderSpeeds();
      });
      box.appendChild(b);
    }
  }

  function step(dir) {
    pause();
    setReplayTime(replay.t + dir * replay.speed * 1000, false);
  }

  function wireTimeline() {
    const box = $('timeline');
    let dragging = false;
    const at = (ev) => {
      const r = box.getBoundingClientRect();
      const px = ev.clientX - r.left;
      // Within a few pixels of either end means the end itself: "now" is a common target.
      if (px >= r.width - 6) return replay.max;
      if (px <= 6) return replay.min;
      const f = Math.max(0, Math.min(1, px / Math.max(1, r.width)));
      return replay.min + f * (replay.max - replay.min);
    };
    box.addEventListener('pointerdown', (ev) => {
      dragging = true;
      pause();
      try {
        box.setPointerCapture(ev.pointerId);
      } catch (_) {
        /* synthetic pointer */
      }
      setReplayTime(at(ev), false);
    });
    box.addEventListener('pointermove', (ev) => {
      if (dragging) setReplayTime(at(ev), false);
    });
    const end = (ev) => {
      if (!dragging) return;
      dragging = false;
      setReplayTime(at(ev), true);
    };
    box.addEventListener('pointerup', end);
    box.addEventListener('pointercancel', () => {
      dragging = false;
    });
    window.addEventListener('resize', () => {
      if (state.mode === 'replay') drawTimeline();
      if (state.board) render();
    });
  }

  function wireControls() {
    $('btn-replay').addEventListener('click', () => enterReplay());
    $('btn-live').addEventListener('click', () => leaveReplay());
    $('btn-play').addEventListener('click', () => (replay.playing ? pause() : play()));
    $('btn-back').addEventListener('click', () => step(-1));
    $('btn-fwd').addEventListener('click', () => step(1));
    $('btn-start').addEventListener('click', () => {
      pause();
      setReplayTime(replay.min, true);
    });
    $('btn-end').addEventListener('click', () => {
      pause();
      setReplayTime(replay.max, true);
    });
    document.addEventListener('keydown', (ev) => {
      if (state.stopped || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (state.mode === 'live') {
        if (ev.key === 'r' || ev.key === 'R') enterReplay();
        return;
      }
      if (ev.key === 'Escape') leaveReplay();
      else if (ev.key === ' ') {
        ev.preventDefault();
        if (replay.playing) pause();
        else play();
      } else if (ev.key === 'ArrowLeft') step(-1);
      else if (ev.key === 'ArrowRight') step(1);
      else if (ev.key === 'Home') setReplayTime(replay.min, true);
      else if (ev.key === 'End') setReplayTime(replay.max, true);
    });
    window.addEventListener('online', () => {
      if (state.mode === 'live' && live.status !== 'live' && !state.stopped) {
        live.attempt = 0;
        connect();
      }
    });
    window.addEventListener('storage', (ev) => {
      if (ev.key === TOKEN_KEY) window.location.reload();
    });
  }

  // ---------------------------------------------------------------- start

  function start() {
    takeTokenFromUrl();
    try {
      state.countryNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch (_) {
      state.countryNames = null;
    }
    if (!state.token) {
      showAuth('No access token is stored on this screen.');
      return;
    }
    wireControls();
    wireTimeline();
    renderSpeeds();
    drawMapBase();
    loadWorld();
    tick();
    setInterval(tick, TICK_MS);
    const params = new URLSearchParams(window.location.search);
    if (params.get('mode') === 'replay') {
      const at = params.get('at');
      const t = at ? parseTime(at) : NaN;
      enterReplay(Number.isFinite(t) ? t : undefined);
    } else {
      connect();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
