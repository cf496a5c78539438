// Drawing the board: totals, incidents, evacuations, missed deadlines, welfare checks,
// the feed, risk levels and the footer; freshness marks and the clock tick.

import { $, ago, boardNow, clear, duration, el, fmtClock, fmtTimeOfDayOrDate, fmtUtc, parseTime, shortCountryName, state } from './common.js';
import { tokenExpiry } from './auth.js';
import { renderMap } from './map.js';
import { renderLiveStatus } from './live.js';

const FRESH_MS = 5 * 60 * 1000; // "NEW" / "UPDATED" fades over five minutes
const FLASH_MS = 4000; // a change frame makes its row flash this long

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

// A burst of change frames (a busy minute, a bulk import) is drawn once.
let renderTimer = null;
export function queueRender() {
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    render();
  }, 40);
}

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

export function render() {
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
export function refreshFreshness(now) {
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

export function tick() {
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
