// Position discrepancies (docs/api.md "Position discrepancies"): the cell found that what a
// party reports of its own aircraft and independent surveillance of the same address (civil
// ADS-B, another party's radar) have disagreed for a while — by more than 1 NM or 300 ft for
// 5 s: a spoofed or wrong report, a transponder set to another aircraft's address, or a faulty
// navigator. This module holds their words and geometry as pure functions of the server's
// records (no store, no DOM), so that the alert list, the details card, the map and the tests
// say the same:
//
//   "POSITION DISCREPANCY · EAGLE31 (blue) · reported 1.7 NM S of where civil ADS-B
//    (demo-adsb) hears it · 0 ft · since 12:01:05 UTC"
//
// The direction is from the independent fix to the owner's report, the owner's report carried
// along its velocity to the independent fix's time (as the server compares them); the distance
// is the server's own `horizontal_m`. A discrepancy is ranked with cautions in the alert list
// and nobody acknowledges it (there is no acknowledgement route): it clears when the two
// sources agree again or one falls silent.

import { metresPerDegree, M_PER_NM } from './encounter.js';
import { CAUTION } from './levels.js';

/** The alert level a discrepancy is ranked and coloured with. */
export const DISCREPANCY_LEVEL = CAUTION;
/** A cleared discrepancy stays listed this long (the server's `retention.recent_cleared_s`). */
export const CLEARED_KEEP_S = 600;
/** Why `A` acknowledges no discrepancy, in plain words. */
export const DISCREPANCY_REASON = 'a position discrepancy is not acknowledged; it clears when the two sources agree again';

const D2R = Math.PI / 180;
const KT_TO_MPS = M_PER_NM / 3600;
const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

/** Whether the discrepancy still stands (not cleared). */
export function isActive(d) {
  return !!d && d.state !== 'cleared' && (d.cleared_at === null || d.cleared_at === undefined);
}

/** The eight-point compass direction of a bearing in degrees ("S", "NE"). */
export function compassPoint(deg) {
  if (!Number.isFinite(deg)) return '';
  const i = Math.round((((deg % 360) + 360) % 360) / 45) % 8;
  return COMPASS[i];
}

/** A fix's position `dt` seconds later along its ground velocity ({lat_deg, lon_deg}). */
export function carried(fix, dt) {
  if (!fix || !Number.isFinite(fix.lat_deg) || !Number.isFinite(fix.lon_deg)) return null;
  const gs = Number(fix.gs_kt);
  const trk = Number(fix.trk_deg);
  if (!Number.isFinite(dt) || !dt || !Number.isFinite(gs) || !Number.isFinite(trk) || fix.gs_kt === null || fix.trk_deg === null) {
    return { lat_deg: fix.lat_deg, lon_deg: fix.lon_deg };
  }
  const k = metresPerDegree(fix.lat_deg);
  const v = gs * KT_TO_MPS * dt;
  return {
    lat_deg: fix.lat_deg + (v * Math.cos(trk * D2R)) / k.lat,
    lon_deg: fix.lon_deg + (v * Math.sin(trk * D2R)) / k.lon,
  };
}

/**
 * The gap from the independent fix to the owner's report, the report carried to the fix's
 * time: `east_m`, `north_m`, `distance_m`, `bearing_deg` (true, from independent to
 * reported), `dlat_deg`, `dlon_deg` (reported minus independent). Null without both fixes.
 */
export function gapVector(d) {
  const i = d && d.independent;
  const r0 = d && d.reported;
  if (!i || !r0 || ![i.lat_deg, i.lon_deg, r0.lat_deg, r0.lon_deg].every(Number.isFinite)) return null;
  const dt = Number.isFinite(i.time) && Number.isFinite(r0.time) ? i.time - r0.time : 0;
  const r = carried(r0, dt);
  const k = metresPerDegree((i.lat_deg + r.lat_deg) / 2);
  let dLon = r.lon_deg - i.lon_deg;
  if (dLon > 180) dLon -= 360;
  if (dLon < -180) dLon += 360;
  const east = dLon * k.lon;
  const north = (r.lat_deg - i.lat_deg) * k.lat;
  return {
    east_m: east,
    north_m: north,
    distance_m: Math.hypot(east, north),
    bearing_deg: ((Math.atan2(east, north) / D2R) + 360) % 360,
    dlat_deg: r.lat_deg - i.lat_deg,
    dlon_deg: dLon,
  };
}

/** "1.7 NM" (one decimal). */
export function nm(m) {
  return Number.isFinite(m) ? `${(m / M_PER_NM).toFixed(1)} NM` : '— NM';
}

/** The vertical gap (reported minus independent, ft): "0 ft", "400 ft higher", "300 ft lower"; null when not compared. */
export function verticalText(ft) {
  if (ft === null || ft === undefined || !Number.isFinite(Number(ft))) return null;
  const v = Math.round(Number(ft));
  if (v === 0) return '0 ft';
  return `${Math.abs(v)} ft ${v > 0 ? 'higher' : 'lower'}`;
}

/** UTC "HH:MM:SS" of UNIX seconds. */
function hms(t) {
  return Number.isFinite(t) ? new Date(t * 1000).toISOString().slice(11, 19) : '—';
}

const ADSB_KINDS = new Set(['sbs', 'beast', 'avr']);

/**
 * Who the independent surveillance is, from its feed id and, when the viewer may list the
 * feeds (`GET /feeds`: the cell and observers), that feed's `{party, kind}`:
 * `{name, short}` — "civil ADS-B" / "ADS-B" for a civil receiver (a feed of no party whose
 * kind is a Mode S receiver format, or, unknown, whose id says ADS-B), "red surveillance" /
 * "RED" for a party's feed, else "independent surveillance" / "SURV".
 */
export function independentSource(feed, info = null) {
  const id = String(feed || '');
  const saysAdsb = /ads-?b|1090/i.test(id);
  if (info && info.party) return { name: `${info.party} surveillance`, short: String(info.party).toUpperCase().slice(0, 6) };
  if (info && (ADSB_KINDS.has(info.kind) || saysAdsb)) return { name: 'civil ADS-B', short: 'ADS-B' };
  if (info) return { name: 'civil surveillance', short: 'SURV' };
  if (saysAdsb) return { name: 'civil ADS-B', short: 'ADS-B' };
  return { name: 'independent surveillance', short: 'SURV' };
}

/**
 * The parts of the discrepancy's sentence, for the list, the card and the banner-like
 * headline: `title` ("POSITION DISCREPANCY", "… CLEARED"), `who` ("EAGLE31 (blue)"), `gap`
 * ("reported 1.7 NM S of where civil ADS-B (demo-adsb) hears it"), `vertical` ("0 ft", or null
 * when the altitudes were not compared), `since` ("since 12:01:05 UTC", or "12:01:05–12:09:40
 * UTC" once cleared), `direction` ("S"), `distance` ("1.7 NM"), `source` (independentSource).
 */
export function discrepancyParts(d, info = null) {
  const active = isActive(d);
  const g = gapVector(d);
  const direction = g && g.distance_m > 1 ? compassPoint(g.bearing_deg) : '';
  const src = independentSource(d.independent && d.independent.feed, info);
  const feed = d.independent && d.independent.feed ? ` (${d.independent.feed})` : '';
  const distance = nm(d.horizontal_m);
  const where = direction ? `${distance} ${direction} of` : `${distance} from`;
  return {
    title: active ? 'POSITION DISCREPANCY' : 'POSITION DISCREPANCY CLEARED',
    who: `${d.callsign || d.track_id} (${d.party})`,
    gap: `reported ${where} where ${src.name}${feed} ${active ? 'hears' : 'heard'} it`,
    vertical: verticalText(d.vertical_ft),
    since: active ? `since ${hms(d.raised_at)} UTC` : `${hms(d.raised_at)}–${hms(d.cleared_at ?? d.updated_at)} UTC`,
    direction,
    distance,
    source: src,
  };
}

/** The whole sentence: "POSITION DISCREPANCY · EAGLE31 (blue) · reported … · 0 ft · since 12:01:05 UTC". */
export function discrepancyText(d, info = null) {
  const p = discrepancyParts(d, info);
  return [p.title, p.who, p.gap, p.vertical, p.since].filter(Boolean).join(' · ');
}

/**
 * Where the map draws the independent fix now, for an aircraft displayed at `current`
 * ({lat_deg, lon_deg}, its dead-reckoned position, i.e. the owner's report): at the gap the
 * last sample measured from there (`current` minus the report-to-fix offset), so that the
 * marker stays with the aircraft between samples (the server sends one only when the gap grew
 * by a tenth) and shows the same distance and direction as the words. Without `current`, at
 * the recorded fixes. Returns `{independent, reported}` ({lat_deg, lon_deg} each) or null.
 */
export function markerPositions(d, current = null) {
  const g = gapVector(d);
  if (!g) return null;
  if (current && Number.isFinite(current.lat_deg) && Number.isFinite(current.lon_deg)) {
    return {
      reported: { lat_deg: current.lat_deg, lon_deg: current.lon_deg },
      independent: { lat_deg: current.lat_deg - g.dlat_deg, lon_deg: current.lon_deg - g.dlon_deg },
    };
  }
  const i = d.independent;
  return {
    reported: { lat_deg: i.lat_deg + g.dlat_deg, lon_deg: i.lon_deg + g.dlon_deg },
    independent: { lat_deg: i.lat_deg, lon_deg: i.lon_deg },
  };
}

/** When a record was last changed, for keeping the newer of two copies. */
function version(d) {
  return Math.max(Number(d.updated_at) || 0, Number(d.cleared_at) || 0, Number(d.raised_at) || 0);
}

/**
 * Whether `incoming` should replace `known` (same id): a later change, or at the same time a
 * cleared one over an active one. A list fetched before a stream event must not undo it.
 */
export function isNewer(incoming, known) {
  if (!known) return true;
  const a = version(incoming);
  const b = version(known);
  if (a !== b) return a > b;
  return !isActive(incoming) || isActive(known);
}

/** Whether a cleared discrepancy has aged out of the list at `nowS`. */
export function agedOut(d, nowS) {
  if (isActive(d)) return false;
  const t = Number(d.cleared_at ?? d.updated_at);
  return Number.isFinite(t) && nowS - t > CLEARED_KEEP_S;
}

/** A fix in words: "35.1234, 36.5678 · FL250 · 450 kt · trk 180° · 12:01:05Z" (`time: false`: without the time). */
export function fixText(f, { time = true } = {}) {
  if (!f) return '—';
  const parts = [`${Number(f.lat_deg).toFixed(4)}, ${Number(f.lon_deg).toFixed(4)}`];
  if (Number.isFinite(f.alt_ft)) parts.push(f.alt_ft >= 5000 ? `FL${String(Math.round(f.alt_ft / 100)).padStart(3, '0')}` : `${Math.round(f.alt_ft)} ft`);
  if (Number.isFinite(f.gs_kt)) parts.push(`${Math.round(f.gs_kt)} kt`);
  if (Number.isFinite(f.trk_deg)) parts.push(`trk ${String(Math.round(f.trk_deg) % 360).padStart(3, '0')}°`);
  if (time) parts.push(`${hms(f.time)}Z`);
  return parts.join(' · ');
}
