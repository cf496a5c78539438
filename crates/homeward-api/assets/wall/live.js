// The live board: server-sent events read with fetch() (EventSource cannot send an
// Authorization header), reconnected with backoff, re-read every minute.

import { $, ago, fmtClock, live, state } from './common.js';
import { authHeaders, authProblem, getJson, showAuth } from './auth.js';
import { applyChange, applySnapshot } from './board.js';

const RESYNC_MS = 60 * 1000; // re-read the whole board (overdue tasks change with time alone)
const WATCHDOG_MS = 45 * 1000; // no byte for this long (keep-alives come every ~15 s): reconnect
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15000;

function setLiveStatus(status) {
  if (status === 'down' && live.status !== 'down') live.since = live.since || new Date();
  if (status === 'live') live.since = null;
  live.status = status;
  renderLiveStatus();
}

export function renderLiveStatus() {
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

export function stopLive() {
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

export function connect() {
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
