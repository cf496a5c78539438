// Replay: the timeline of the whole history, the board at a chosen moment
// (/v1/board?as_of=), playing it back at a chosen speed.

import { $, clear, el, fmtClock, fmtUtc, live, pad, parseTime, replay, state, svg } from './common.js';
import { getJson } from './auth.js';
import { normalize } from './board.js';
import { render } from './render.js';
import { connect, renderLiveStatus, stopLive } from './live.js';

const SPEEDS = [
  { label: '1 min/s', seconds: 60 },
  { label: '10 min/s', seconds: 600 },
  { label: '1 h/s', seconds: 3600 },
  { label: '6 h/s', seconds: 6 * 3600 },
];
const PLAY_TICK_MS = 250;

export function stopReplayTimers() {
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

export async function enterReplay(atMs) {
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

export function leaveReplay() {
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

export function setReplayTime(t, immediate) {
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

export function play() {
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

export function pause() {
  replay.playing = false;
  clearInterval(replay.playTimer);
  replay.playTimer = null;
  updateReplayBanner();
  if (state.mode === 'replay') setUrl();
}

export function renderSpeeds() {
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

export function step(dir) {
  pause();
  setReplayTime(replay.t + dir * replay.speed * 1000, false);
}

export function wireTimeline() {
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
