// Changing a reservation's volumes in the Reservations panel's form, as pure functions (no
// store, no DOM): every volume of the reservation is a row — its shape in words, its lower and
// upper level (typed as a flight level, "FL150", or in feet, "15000" / "15000 ft"), its start
// and end (UTC "YYYY-MM-DD HH:MM") — and the rows become the `volumes` of the update
// (PUT /reservations/{id}), each shape kept exactly as it was unless it was redrawn.

import { parseUtcInput, toUtcInput } from './util.js';

/**
 * A level typed by the operator, in feet: "FL150" / "fl 150" → 15000, "15000", "15,000 ft",
 * "15000ft" → 15000, "SFC" / "GND" → 0. NaN when it is neither.
 */
export function parseLevel(text) {
  const s = String(text ?? '').trim().replace(/,/g, '');
  if (/^(sfc|gnd)$/i.test(s)) return 0;
  let m = /^fl\s*(\d{1,3})$/i.exec(s);
  if (m) return Number(m[1]) * 100;
  m = /^(\d+(?:\.\d+)?)\s*(ft)?$/i.exec(s);
  if (m) return Number(m[1]);
  return NaN;
}

/** A level as the form shows it: "FL150" for whole hundreds from FL050, else "4500 ft" (reads back the same). */
export function levelText(ft) {
  if (!Number.isFinite(ft)) return '';
  if (ft >= 5000 && ft % 100 === 0) return `FL${String(ft / 100).padStart(3, '0')}`;
  return `${ft} ft`;
}

/** A polygon shape's ring, whether given flat ([[lon, lat], …]) or GeoJSON-nested ([[[lon, lat], …]]). */
export function shapeRing(shape) {
  const c = shape && shape.coordinates;
  if (!Array.isArray(c) || !c.length) return [];
  return Array.isArray(c[0][0]) ? c[0] : c;
}

/** The shape as the map's drawing tool takes it (a flat ring). */
export function draftShapeOf(shape) {
  if (!shape || shape.type === 'circle') return shape;
  return { type: 'polygon', coordinates: shapeRing(shape) };
}

/** A shape in words: "polygon, 4 corners, 36.50–36.90°N 37.60–38.00°E" / "circle 10.0 NM round 36.600°N 37.800°E". */
export function shapeSummary(shape) {
  if (!shape) return 'no shape';
  if (shape.type === 'circle') {
    const c = shape.center || {};
    return `circle ${(shape.radius_m / 1852).toFixed(1)} NM round ${Number(c.lat_deg).toFixed(3)}°N ${Number(c.lon_deg).toFixed(3)}°E`;
  }
  const ring = shapeRing(shape);
  const closed = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
  const pts = closed ? ring.slice(0, -1) : ring;
  if (!pts.length) return 'polygon';
  const lons = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  const f = (v) => v.toFixed(2);
  return `polygon, ${pts.length} corners, ${f(Math.min(...lats))}–${f(Math.max(...lats))}°N ${f(Math.min(...lons))}–${f(Math.max(...lons))}°E`;
}

/** A Volume as a row of the form: `{shape, lower, upper, start, end, redrawn: false}` (texts). */
export function rowOf(v) {
  return { shape: v.shape, lower: levelText(v.lower_ft), upper: levelText(v.upper_ft), start: toUtcInput(v.start_time), end: toUtcInput(v.end_time), redrawn: false };
}

/**
 * The rows read back: `{volumes}` (API Volumes, in order), or `{error: {index, field, message}}`
 * for the first row that is wrong, said so that the operator can act on it.
 */
export function readRows(rows) {
  const volumes = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const n = `Volume ${i + 1}`;
    const bad = (field, message) => ({ error: { index: i, field, message: `${n}: ${message}` } });
    if (!r.shape) return bad('shape', 'draw its shape on the map.');
    const lower = parseLevel(r.lower);
    const upper = parseLevel(r.upper);
    if (!Number.isFinite(lower)) return bad('lower', `the lower level "${r.lower}" is neither a flight level (FL150) nor feet (15000).`);
    if (!Number.isFinite(upper)) return bad('upper', `the upper level "${r.upper}" is neither a flight level (FL250) nor feet (25000).`);
    if (lower >= upper) return bad('upper', 'the lower level must be below the upper level.');
    const start = parseUtcInput(r.start);
    const end = parseUtcInput(r.end);
    if (!Number.isFinite(start)) return bad('start', 'enter the start as YYYY-MM-DD HH:MM (UTC).');
    if (!Number.isFinite(end)) return bad('end', 'enter the end as YYYY-MM-DD HH:MM (UTC).');
    if (end <= start) return bad('end', 'the end must be after the start.');
    volumes.push({ shape: r.shape, lower_ft: lower, upper_ft: upper, start_time: start, end_time: end });
  }
  if (!volumes.length) return { error: { index: -1, field: null, message: 'A reservation needs at least one volume.' } };
  return { volumes };
}

/**
 * Which volumes the rows change against the reservation's (`before`): indexes whose shape,
 * band or window differ. The form's inputs hold whole minutes: a time that the input shows as
 * the original's minute counts as unchanged (and is sent as the original time).
 */
export function changedIndexes(before, after) {
  const out = [];
  after.forEach((v, i) => {
    const b = before[i];
    if (!b || JSON.stringify(b.shape) !== JSON.stringify(v.shape) || b.lower_ft !== v.lower_ft || b.upper_ft !== v.upper_ft
      || b.start_time !== v.start_time || b.end_time !== v.end_time) out.push(i);
  });
  return out;
}

/**
 * The rows' volumes with the times the inputs did not change kept to the second (an input
 * shows whole minutes; a time typed as it was shown is the original time).
 */
export function keepUnchangedTimes(before, volumes) {
  return volumes.map((v, i) => {
    const b = before[i];
    if (!b) return v;
    const out = { ...v };
    if (toUtcInput(b.start_time) === toUtcInput(v.start_time)) out.start_time = b.start_time;
    if (toUtcInput(b.end_time) === toUtcInput(v.end_time)) out.end_time = b.end_time;
    return out;
  });
}
