// What every part of the wall display shares: the page's state (live, replay), the
// small DOM helpers, and how times and countries are written.

export const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';

export const state = {
  token: null,
  mode: 'live', // or 'replay'
  board: null,
  skewMs: 0, // server clock minus this screen's clock
  flashes: new Map(), // incident id or report id -> client ms of the change frame
  world: null, // { features, byCode }
  countryNames: null,
  stopped: false, // auth failed: nothing runs any more
};

export const live = {
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

export const replay = {
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

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
  return e;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function pad(n) {
  return String(n).padStart(2, '0');
}

export function fmtUtc(d, seconds) {
  const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${s}:${pad(d.getUTCSeconds())}` : s;
}

export function fmtClock(d, seconds) {
  const s = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${s}:${pad(d.getUTCSeconds())}` : s;
}

export function fmtTimeOfDayOrDate(ms, nowMs) {
  const d = new Date(ms);
  const sameDay = Math.abs(nowMs - ms) < 20 * 3600 * 1000;
  return sameDay ? fmtClock(d) : `${pad(d.getUTCDate())} ${d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' })} ${fmtClock(d)}`;
}

export function ago(ms) {
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

export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

export function parseTime(s) {
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : NaN;
}

// The moment the board shows: the server's now when live, the replay moment in replay.
export function boardNow() {
  if (state.mode === 'replay') return replay.fetchedT !== null ? replay.fetchedT : replay.t;
  return Date.now() + state.skewMs;
}

export function countryName(code) {
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

export function shortCountryName(code) {
  const n = countryName(code);
  return n
    .replace(/^Democratic Republic of the Congo$/, 'DR Congo')
    .replace(/^Congo - Kinshasa$/, 'DR Congo')
    .replace(/^Congo - Brazzaville$/, 'Congo')
    .replace(/^United States$/, 'USA')
    .replace(/^United Kingdom$/, 'UK')
    .replace(/^Myanmar \(Burma\)$/, 'Myanmar');
}
