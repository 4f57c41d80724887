// Converts Natural Earth 1:50m countries (npm package `world-atlas`, ISC licence; Natural Earth
// data is in the public domain) into the compact basemap the console loads from
// public/data/basemap.json: land polygons, land borders and country name label points.
// Run at development time (`npm run basemap`); the output is committed so the server
// serves it without node and the page never fetches anything from another origin.
//
// Encoding: every ring/line is a flat integer array [x0, y0, dx1, dy1, ...] in units of
// 1/SCALE degree (x = lon, y = lat), delta-encoded to keep the file small.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as topojson from 'topojson-client';

const require = createRequire(import.meta.url);
const SCALE = 100; // 0.01 deg ~ 1.1 km, matches the 1:50m source precision
const topo = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'));

function encode(coords) {
  const out = [];
  let px = 0;
  let py = 0;
  let first = true;
  for (const [lon, lat] of coords) {
    const x = Math.round(lon * SCALE);
    const y = Math.round(lat * SCALE);
    if (!first && x === px && y === py) continue;
    out.push(first ? x : x - px, first ? y : y - py);
    px = x;
    py = y;
    first = false;
  }
  return out;
}

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return a / 2;
}

function ringCentroid(ring) {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (a === 0) return ring[0];
  return [cx / (3 * a), cy / (3 * a)];
}

const land = topojson.merge(topo, topo.objects.countries.geometries);
const landRings = [];
for (const poly of land.coordinates) {
  for (const ring of poly) {
    const enc = encode(ring);
    if (enc.length >= 6) landRings.push(enc);
  }
}

const borders = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
const borderLines = borders.coordinates.map(encode).filter((l) => l.length >= 4);

const labels = [];
for (const f of topojson.feature(topo, topo.objects.countries).features) {
  const name = f.properties && f.properties.name;
  if (!name || !f.geometry) continue;
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  let best = null;
  let bestArea = 0;
  let total = 0;
  for (const p of polys) {
    const a = Math.abs(ringArea(p[0]));
    total += a;
    if (a > bestArea) {
      bestArea = a;
      best = p[0];
    }
  }
  if (!best) continue;
  const [lon, lat] = ringCentroid(best);
  labels.push({ name, lon: +lon.toFixed(2), lat: +lat.toFixed(2), area: +total.toFixed(1) });
}
labels.sort((a, b) => b.area - a.area);

const out = {
  attribution: 'Made with Natural Earth (public domain), 1:50m countries via world-atlas (ISC).',
  scale: SCALE,
  land: landRings,
  borders: borderLines,
  labels,
};
writeFileSync(new URL('../public/data/basemap.json', import.meta.url), JSON.stringify(out));
console.log(`basemap: ${landRings.length} land rings, ${borderLines.length} border lines, ${labels.length} labels`);
