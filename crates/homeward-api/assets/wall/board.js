// The board as the screen holds it: a snapshot, then change frames applied in order.

import { $, live, parseTime, state } from './common.js';
import { queueRender, render } from './render.js';

const FEED_MAX = 50;

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

export function normalize(board) {
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

export function applySnapshot(board) {
  state.board = normalize(board);
  const asOf = parseTime(board.as_of);
  if (Number.isFinite(asOf)) state.skewMs = asOf - Date.now();
  const last = lastChange(state.board);
  if (Number.isFinite(last) && !(live.lastChangeAt >= last)) live.lastChangeAt = last;
  render();
}

export function applyChange(change) {
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
