// Resolution guidance as the server sends it (docs/api.md, Guidance): what the console makes of
// the kinematic bands and the advice, defined once for the map's compass ring and the details
// card. Band levels are the server's names: `none` (clear over the look-ahead), `far` / `mid` /
// `near` (the manoeuvre leads to a loss of separation at the advisory / caution / warning level,
// drawn in those alert levels' colours) and `recovery` (nothing is clear; these manoeuvres
// regain separation soonest). Only reads what the server computed: nothing here guesses a band
// or an advice the server did not send. No DOM, so node can import it too.

import { ADVISORY, CAUTION, WARNING, levelColour, NO_LEVEL_COLOUR } from './levels.js';
import { GUIDANCE } from './palette.js';

/** Guidance older than this (seconds, server clock) is shown as stale. */
export const STALE_AFTER_S = 5;

/** Clear directions, and the recovery bands (drawn dashed), in the console's "ok" green. */
export const CLEAR_COLOUR = GUIDANCE.clear;
export const RECOVERY_COLOUR = GUIDANCE.recovery;

/** Every band level the server sends, least severe first, with its name and how it is drawn. */
export const BAND_LEVELS = Object.freeze({
  none: Object.freeze({ name: 'clear', colour: CLEAR_COLOUR, conflict: false, recovery: false }),
  recovery: Object.freeze({ name: 'recovery', colour: RECOVERY_COLOUR, conflict: false, recovery: true }),
  far: Object.freeze({ name: 'advisory', colour: levelColour(ADVISORY), conflict: true, recovery: false }),
  mid: Object.freeze({ name: 'caution', colour: levelColour(CAUTION), conflict: true, recovery: false }),
  near: Object.freeze({ name: 'warning', colour: levelColour(WARNING), conflict: true, recovery: false }),
});

/** How a band of `level` is drawn: colour, whether it is a conflict, recovery (dashed). */
export function bandStyle(level) {
  return BAND_LEVELS[level] || { name: String(level), colour: NO_LEVEL_COLOUR, conflict: false, recovery: false, unknown: true };
}

export function bandColour(level) {
  return bandStyle(level).colour;
}

/** Seconds since the guidance was computed, at server time `now`. */
export function guidanceAge(g, now) {
  if (!g || !Number.isFinite(g.time)) return Infinity;
  return Math.max(0, now - g.time);
}

export function isStale(g, now) {
  return guidanceAge(g, now) > STALE_AFTER_S;
}

/** "computed 1 s ago", "computed 3 min ago". */
export function ageText(ageS) {
  if (!Number.isFinite(ageS)) return 'computed at an unknown time';
  if (ageS < 90) return `computed ${Math.round(ageS)} s ago`;
  return `computed ${Math.round(ageS / 60)} min ago`;
}

/** Canvas angles (radians, clockwise from east as the canvas measures them) of a track band. */
export function trackArc(band) {
  const rad = (deg) => ((deg - 90) * Math.PI) / 180;
  let from = band.from_deg;
  let to = band.to_deg;
  // Clockwise from `from` to `to`; a band round the whole circle is 0 → 360.
  if (to - from >= 360) return [rad(0), rad(360)];
  from = ((from % 360) + 360) % 360;
  to = ((to % 360) + 360) % 360;
  if (to < from) to += 360;
  return [rad(from), rad(to)];
}

/** The middle of a track band, degrees true (clockwise from `from_deg`). */
export function trackBandMiddle(band) {
  let span = band.to_deg - band.from_deg;
  if (span < 0) span += 360;
  if (span > 360) span = 360;
  return (((band.from_deg + span / 2) % 360) + 360) % 360;
}

/** Width of a track band in degrees. */
export function trackBandSpan(band) {
  let span = band.to_deg - band.from_deg;
  if (span < 0) span += 360;
  return Math.min(360, span);
}

/** Lowest and highest value the bands cover ({from_key, to_key} names), or null. */
export function bandsExtent(bands, fromKey, toKey) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of bands || []) {
    if (Number.isFinite(b[fromKey])) lo = Math.min(lo, b[fromKey]);
    if (Number.isFinite(b[toKey])) hi = Math.max(hi, b[toKey]);
  }
  return lo < hi ? [lo, hi] : null;
}

/**
 * Position (0 bottom … 1 top) of vertical speed `v` on a strip from `min` to `max` ft/min.
 * When the range spans zero, zero is in the middle and each side is square-root scaled, as a
 * vertical-speed indicator is: a fighter's ±20,000 ft/min still shows a ±700 ft/min band.
 */
export function vsFraction(v, min, max) {
  if (!(max > min)) return 0.5;
  const x = Math.max(min, Math.min(max, v));
  if (min < 0 && max > 0) {
    return x >= 0 ? 0.5 + 0.5 * Math.sqrt(x / max) : 0.5 - 0.5 * Math.sqrt(x / min);
  }
  return (x - min) / (max - min);
}

/**
 * Scale marks of the vertical-speed strip (ft/min): the ends, zero, and the round values that
 * fall at least `gap` (a fraction of the strip) from every mark already taken, highest first.
 */
export function vsTicks(min, max, gap = 0.08) {
  const taken = [];
  const take = (v) => {
    if (v < min || v > max) return;
    const f = vsFraction(v, min, max);
    if (taken.some(([, g]) => Math.abs(g - f) < gap)) return;
    taken.push([v, f]);
  };
  take(max);
  take(min);
  take(0);
  for (const v of [1000, 5000, 10000, 2000, 500, 20000, 3000]) {
    take(v);
    take(-v);
  }
  return taken.map(([v]) => v).sort((a, b) => b - a);
}

/** "+5k", "−500", "0": a vertical speed in ft/min, short. */
export function vsLabel(v) {
  if (v === 0) return '0';
  const sign = v > 0 ? '+' : '−';
  const a = Math.abs(v);
  return `${sign}${a >= 1000 ? `${+(a / 1000).toFixed(1)}k` : Math.round(a)}`;
}

const ceilTo = (v, step) => Math.ceil(v / step - 1e-9) * step;
const floorTo = (v, step) => Math.floor(v / step + 1e-9) * step;
const deg3 = (d) => String(((Math.round(d) % 360) + 360) % 360).padStart(3, '0');
const thousands = (v) => Math.round(v).toLocaleString('en-US');

/**
 * The resolutions of one advice dimension ('track' | 'gs' | 'vs' | 'alt'), as the server gave
 * them, each rounded away from the conflict (still inside its clear band), preferred first:
 * [{ dir: 'right', text: 'right 111°', preferred: true }, …].
 */
export function resolutions(kind, dim) {
  if (!dim) return [];
  const out = [];
  const add = (dir, value, text) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.push({ dir, value, text, preferred: dim.preferred === dir || (dim.preferred === 'up' && (dir === 'faster')) || (dim.preferred === 'down' && dir === 'slower') });
  };
  switch (kind) {
    case 'track':
      add('right', dim.right_deg, `right ${deg3(ceilTo(dim.right_deg, 1))}°`);
      add('left', dim.left_deg, `left ${deg3(floorTo(dim.left_deg, 1))}°`);
      break;
    case 'gs':
      add('faster', dim.faster_kt, `faster ≥ ${ceilTo(dim.faster_kt, 1)} kt`);
      add('slower', dim.slower_kt, `slower ≤ ${floorTo(dim.slower_kt, 1)} kt`);
      break;
    case 'vs':
      add('up', dim.up_fpm, `climb ≥ ${thousands(ceilTo(dim.up_fpm, 10))} ft/min`);
      add('down', dim.down_fpm, `descend ≥ ${thousands(-floorTo(dim.down_fpm, 10))} ft/min`);
      break;
    case 'alt':
      add('up', dim.up_ft, `climb to ≥ ${thousands(ceilTo(dim.up_ft, 100))} ft`);
      add('down', dim.down_ft, `descend to ≤ ${thousands(floorTo(dim.down_ft, 100))} ft`);
      break;
    default:
      break;
  }
  out.sort((a, b) => Number(b.preferred) - Number(a.preferred));
  return out;
}

/**
 * The state of one advice dimension: 'no resolution' (nothing in it regains separation: no
 * clear and no recovery band, the server advises nothing), 'in recovery' (nothing is clear;
 * its resolutions regain separation soonest), or null (clear resolutions exist).
 */
export function dimensionState(kind, dim) {
  if (!dim) return 'no resolution';
  if (resolutions(kind, dim).length === 0) return 'no resolution';
  return dim.recovery ? 'in recovery' : null;
}

/** Names of the advice dimensions, in the order the server's text lists them. */
export const DIMENSIONS = Object.freeze([
  Object.freeze({ kind: 'track', name: 'Track' }),
  Object.freeze({ kind: 'gs', name: 'Speed' }),
  Object.freeze({ kind: 'vs', name: 'Vertical' }),
  Object.freeze({ kind: 'alt', name: 'Level' }),
]);

/**
 * The aircraft of a conflict whose guidance the viewer `me` ({party, role}) may be shown:
 * a party its own aircraft only, the cell and observers both (the server sends no more).
 */
export function guidanceViewerIds(conflict, me) {
  if (!conflict) return [];
  const sides = [[conflict.a, conflict.a_party], [conflict.b, conflict.b_party]];
  if (!me) return [];
  const all = me.role === 'cell' || me.role === 'observer';
  return sides.filter(([id, party]) => id && (all || (me.party && party === me.party))).map(([id]) => id);
}
