// The world map: the countries (coloured by risk level) and a marker per open incident,
// the view fitted to the markers.

import { $, clear, countryName, shortCountryName, state, svg } from './common.js';
import { refreshFreshness, render } from './render.js';

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

export async function loadWorld() {
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

export function drawMapBase() {
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

export function renderMap(board, now) {
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
