// Homeward crisis-room wall display.
//
// One page, no build step, no third-party code. It reads the board through the API
// with a wall_display token (kept in localStorage, never in a requested URL), follows
// the live board over server-sent events read with fetch() (EventSource cannot send
// an Authorization header), and can replay history from /v1/board?as_of=.
//
// Everything that comes from the server is put on the page with textContent or SVG
// attributes, never as HTML.
//
// This is the entry module: it wires the controls and starts the screen. The parts are
// ES modules beside it, loaded by the browser itself: common.js (shared state and
// helpers), auth.js (the token), board.js (snapshot and change frames), render.js
// (drawing the board), map.js (the world map), live.js (the live stream) and
// replay.js (the timeline and replay).

import { $, live, parseTime, replay, state } from './common.js';
import { showAuth, takeTokenFromUrl, TOKEN_KEY } from './auth.js';
import { drawMapBase, loadWorld } from './map.js';
import { tick } from './render.js';
import { connect } from './live.js';
import { enterReplay, leaveReplay, pause, play, renderSpeeds, setReplayTime, step, wireTimeline } from './replay.js';

const TICK_MS = 2000; // "12 min ago" and freshness refresh

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
