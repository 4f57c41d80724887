// Small helpers shared by the console modules: DOM building, formatting of units and times,
// party and reservation colours (from palette.js). Alert levels are in levels.js.

import { PARTY, PARTY_HASHED, ZONE } from './palette.js';

/** Creates an element: h('div', {class: 'x', dataset: {testid: 'y'}, onclick}, ...children). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'testid') el.dataset.testid = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

// Named parties' colours, and the hashed palette for the others: all clear of the alert
// colours, red's a rose pink so that pure red stays the warnings' (palette.js).
const PARTY_COLOURS = PARTY;
const PALETTE = PARTY_HASHED;
const assigned = new Map();

/** A stable colour for a party id (blue and red are what their names say). */
export function partyColour(party) {
  if (!party) return PARTY_COLOURS.civil;
  const key = String(party).toLowerCase();
  if (Object.hasOwn(PARTY_COLOURS, key)) return PARTY_COLOURS[key];
  if (!assigned.has(key)) {
    let hash = 0;
    for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
    assigned.set(key, PALETTE[hash % PALETTE.length]);
  }
  return assigned.get(key);
}

/** Hazard areas and closures are drawn in one violet whoever filed them (clear of caution amber). */
export const HAZARD_COLOUR = ZONE.hazard;

/** Hazard areas and closures: zones that are facts, not claims of one party. */
export function isHazard(r) {
  return r.purpose === 'hazard' || r.purpose === 'closure';
}

/** Colour of a reservation or zone on the map and in the lists. */
export function reservationColour(r) {
  return isHazard(r) ? HAZARD_COLOUR : partyColour(r.party);
}

/** Flight level text from feet, e.g. 35000 -> "FL350"; below 5000 ft shows feet. */
export function flText(altFt) {
  if (altFt === null || altFt === undefined || Number.isNaN(altFt)) return '---';
  if (altFt < 5000) return `${Math.round(altFt / 100) * 100}ft`;
  return `FL${String(Math.round(altFt / 100)).padStart(3, '0')}`;
}

export function fl3(altFt) {
  if (altFt === null || altFt === undefined || Number.isNaN(altFt)) return '---';
  return String(Math.max(0, Math.round(altFt / 100))).padStart(3, '0');
}

export function num(v, digits = 0) {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(digits);
}

/** UTC "HH:MM:SS" from UNIX seconds. */
export function utcTime(t) {
  if (!t && t !== 0) return '—';
  return new Date(t * 1000).toISOString().slice(11, 19);
}

/** UTC "YYYY-MM-DD HH:MM" from UNIX seconds. */
export function utcDateTime(t) {
  if (!t && t !== 0) return '—';
  return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** "m:ss" countdown (negative shows as "now"). */
export function countdown(s) {
  if (s === null || s === undefined || Number.isNaN(s)) return '—';
  if (s <= 0) return 'NOW';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${m}:${String(sec).padStart(2, '0')}`;
}

export function altBand(lowerFt, upperFt) {
  return `${flText(lowerFt)}–${flText(upperFt)}`;
}

export function metresToNm(m) {
  return m / 1852;
}

/** "YYYY-MM-DD HH:MM" (or with a "T") read as UTC, in UNIX seconds; NaN when malformed. */
export function parseUtcInput(value) {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?\s*Z?\s*$/.exec(value || '');
  if (!m) return NaN;
  const [, y, mo, d, hh, mm, ss] = m.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59) return NaN;
  return Date.UTC(y, mo - 1, d, hh, mm, ss || 0) / 1000;
}

/** UNIX seconds as "YYYY-MM-DD HH:MM" (UTC, 24 h), the format of the time inputs. */
export function toUtcInput(t) {
  return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * The first `k` items of `list` in the order a full sort by `cmp` would give them (`cmp` a
 * total order), in O(n + k·log k·m) for m items that enter the running best k: each item is
 * compared once with the worst kept so far and most are turned away there. A table that lists
 * the first 250 of 100,000 aircraft every second sorts 250, not 100,000.
 */
export function firstInOrder(list, cmp, k) {
  const best = [];
  if (k <= 0) return best;
  for (const item of list) {
    if (best.length === k && cmp(item, best[k - 1]) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(item, best[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    best.splice(lo, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}
