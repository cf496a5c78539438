#!/usr/bin/env node
// Generates crates/homeward-api/assets/wall/world.json, the wall display's world map.
//
// Source: the `world-atlas` npm package (countries-110m.json: Natural Earth 1:110m
// Admin 0 countries, public domain), converted from TopoJSON to GeoJSON with
// `topojson-client`. Each country becomes one feature whose properties carry its
// ISO 3166-1 alpha-2 code (mapped from the numeric code with `i18n-iso-countries`),
// its English name and a centroid (of its largest polygon, so that e.g. France's
// marker sits in Europe and not between Europe and French Guiana). Coordinates are
// quantized to 0.05 degrees (about 5 km, under a pixel on a 1920-pixel-wide map) and
// repeated points dropped, which keeps the file small.
//
// Usage (from this folder):  npm ci && node generate-world.js
// Writes ../../crates/homeward-api/assets/wall/world.json. Deterministic: the same
// package versions give byte-identical output.

'use strict';

const fs = require('fs');
const path = require('path');
const topojson = require('topojson-client');
const countries = require('i18n-iso-countries');

const OUT = path.join(__dirname, '..', '..', 'crates', 'homeward-api', 'assets', 'wall', 'world.json');
const STEP = 0.05; // degrees

const topology = require('world-atlas/countries-110m.json');

// Features that Natural Earth keeps apart but that have no numeric ISO code of their
// own: name -> alpha-2 code they are shown under. Kosovo gets the user-assigned code
// XK that most registries use; Somaliland and Northern Cyprus are drawn as parts of
// the ISO countries they belong to.
const BY_NAME = {
  Kosovo: 'XK',
  Somaliland: 'SO',
  'N. Cyprus': 'CY',
};

function code(geometry) {
  const name = geometry.properties && geometry.properties.name;
  if (geometry.id !== undefined && geometry.id !== null) {
    const a2 = countries.numericToAlpha2(String(geometry.id).padStart(3, '0'));
    if (a2) return a2;
  }
  if (name && BY_NAME[name]) return BY_NAME[name];
  throw new Error(`no ISO code for feature id=${geometry.id} name=${name}`);
}

function q(v) {
  return Math.round(v / STEP) * STEP;
}

function fix(v) {
  // Shortest decimal for a multiple of STEP.
  return Number(v.toFixed(2));
}

function quantizeRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [fix(q(x)), fix(q(y))];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  // Close the ring again if quantization merged its ends.
  if (out.length > 1) {
    const a = out[0];
    const b = out[out.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) out.push([a[0], a[1]]);
  }
  return out.length >= 4 ? out : null;
}

// Rings that cross the antimeridian jump from +180 to -180 and back; drawn as they
// are on a flat map they streak across the whole world. Unwrap them into one
// continuous run of longitudes, then cut them at 180 into a western and an eastern
// part (Sutherland-Hodgman against the line x = 180).
function crossesAntimeridian(ring) {
  for (let i = 1; i < ring.length; i++) if (Math.abs(ring[i][0] - ring[i - 1][0]) > 180) return true;
  return false;
}

function unwrap(ring) {
  const out = [];
  let offset = 0;
  for (let i = 0; i < ring.length; i++) {
    if (i > 0) {
      const d = ring[i][0] - ring[i - 1][0];
      if (d > 180) offset -= 360;
      else if (d < -180) offset += 360;
    }
    out.push([ring[i][0] + offset, ring[i][1]]);
  }
  return out;
}

function clipHalf(ring, keepWest) {
  const inside = (p) => (keepWest ? p[0] <= 180 : p[0] >= 180);
  const out = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i];
    const b = ring[i + 1];
    if (inside(a)) out.push(a);
    if (inside(a) !== inside(b)) {
      const t = (180 - a[0]) / (b[0] - a[0]);
      out.push([180, a[1] + t * (b[1] - a[1])]);
    }
  }
  if (out.length < 3) return null;
  out.push(out[0]);
  return keepWest ? out : out.map(([x, y]) => [x - 360, y]);
}

function splitAtAntimeridian(poly) {
  if (!poly.some(crossesAntimeridian)) return [poly];
  // Bring the ring onto the side where most of it lies: a run that starts east of 180.
  let rings = poly.map(unwrap);
  const minX = Math.min(...rings.flat().map((p) => p[0]));
  if (minX < -180) rings = rings.map((r) => r.map(([x, y]) => [x + 360, y]));
  const out = [];
  for (const west of [true, false]) {
    const parts = rings.map((r) => clipHalf(r, west));
    if (parts[0]) out.push(parts.filter(Boolean));
  }
  return out;
}

function polygons(geometry) {
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

// Planar area and centroid of a ring in lon/lat (good enough to place a marker).
function ringStats(ring) {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x0, y0] = ring[i];
    const [x1, y1] = ring[i + 1];
    const f = x0 * y1 - x1 * y0;
    a += f;
    cx += (x0 + x1) * f;
    cy += (y0 + y1) * f;
  }
  a /= 2;
  if (a === 0) return { area: 0, c: ring[0] };
  return { area: Math.abs(a), c: [cx / (6 * a), cy / (6 * a)] };
}

const object = topology.objects.countries;
const groups = new Map(); // alpha-2 -> { names: [], geometries: [] }
for (const g of object.geometries) {
  const a2 = code(g);
  if (!groups.has(a2)) groups.set(a2, { names: [], geometries: [] });
  const grp = groups.get(a2);
  grp.names.push(g.properties.name);
  grp.geometries.push(g);
}

const features = [];
for (const [a2, grp] of [...groups.entries()].sort((x, y) => x[0].localeCompare(y[0]))) {
  // Merge the pieces of one country (e.g. Somalia and Somaliland) along shared borders.
  const merged = grp.geometries.length > 1 ? topojson.merge(topology, grp.geometries) : topojson.feature(topology, grp.geometries[0]).geometry;
  const polys = [];
  let best = null;
  if (a2 === 'AQ') continue; // Antarctica: no consular crises, and the map stops at 60 S.
  for (const poly of polygons(merged).flatMap(splitAtAntimeridian)) {
    const rings = poly.map(quantizeRing).filter(Boolean);
    if (!rings.length) continue;
    polys.push(rings);
    const s = ringStats(poly[0]);
    if (!best || s.area > best.area) best = s;
  }
  if (!polys.length) continue;
  const name = countries.getName(a2, 'en', { select: 'official' }) || grp.names[0];
  const shortName = a2 === 'XK' ? 'Kosovo' : grp.names.find((n) => !BY_NAME[n]) || grp.names[0];
  features.push({
    type: 'Feature',
    id: a2,
    properties: {
      iso_a2: a2,
      name: shortName,
      official_name: name,
      centroid: [Number(best.c[0].toFixed(2)), Number(best.c[1].toFixed(2))],
    },
    geometry: polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys },
  });
}

const doc = {
  type: 'FeatureCollection',
  source: 'Natural Earth 1:110m Admin 0 countries (public domain), via world-atlas countries-110m.json',
  generator: 'tools/wall/generate-world.js',
  features,
};
const text = JSON.stringify(doc) + '\n';
fs.writeFileSync(OUT, text);
console.log(`wrote ${OUT}: ${features.length} countries, ${text.length} bytes`);
