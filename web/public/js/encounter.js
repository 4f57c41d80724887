// An encounter as it is now: the geometry of a conflict's two aircraft from their current
// (dead-reckoned) states — range, bearing, closure, closest point — and its times counted down
// to this second from the latest prediction the server sent (`conflict_now` frames, at most a
// cycle old; the alert's own record otherwise). Pure: states and times are arguments, so node
// can test it and the card, the banner and the alert list all say the same.
//
// The geometry is straight-line relative motion in a local tangent plane at the pair's mid
// point, scaled with the WGS-84 radii of curvature there (meridian M and prime vertical N):
// within a few tens of nautical miles that is within a fraction of a percent of the geodesic,
// and the server's detector (WGS-84) stays the reference for alerting.

const WGS84_A_M = 6378137;
const WGS84_F = 1 / 298.257223563;
const WGS84_E2 = WGS84_F * (2 - WGS84_F);
const D2R = Math.PI / 180;
const KT_TO_MPS = 1852 / 3600;
const FPM_TO_FPS = 1 / 60;
export const M_PER_NM = 1852;

/** A `conflict_now` prediction older than this is not used; the alert's record is. */
export const LIVE_MAX_AGE_S = 5;
/** A track whose data is older than this is late: the map draws its age and uncertainty ring. */
export const LATE_AFTER_S = 3;
/**
 * Acceleration an aircraft may have applied unseen since its last report, m/s² (about a rate-one
 * turn at 450 kt): a dead-reckoned position is uncertain by ½·a·t² after t seconds without data.
 */
export const UNSEEN_MANOEUVRE_MPS2 = 5;

/** Metres per degree of latitude and of longitude at a latitude (WGS-84). */
export function metresPerDegree(latDeg) {
  const s = Math.sin(latDeg * D2R);
  const w = 1 - WGS84_E2 * s * s;
  const m = (WGS84_A_M * (1 - WGS84_E2)) / (w * Math.sqrt(w));
  const n = WGS84_A_M / Math.sqrt(w);
  return { lat: m * D2R, lon: n * Math.cos(latDeg * D2R) * D2R };
}

function velocity(s) {
  const v = (Number(s.gs_kt) || 0) * KT_TO_MPS;
  const t = (Number(s.trk_deg) || 0) * D2R;
  return [v * Math.sin(t), v * Math.cos(t)];
}

/**
 * The geometry of two aircraft now, from their states ({lat_deg, lon_deg, alt_ft, gs_kt,
 * trk_deg, vs_fpm}): `range_m`, `bearing_deg` (true, from `a` to `b`), `closure_kt` (positive
 * while closing), `tcpa_s` (negative once the closest point has passed), `dcpa_m` and
 * `vsep_cpa_ft` at the closest point ahead (now when it has passed), `vsep_ft` now. Null when a
 * state lacks a position.
 */
export function pairGeometry(a, b) {
  if (!a || !b || ![a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg].every(Number.isFinite)) return null;
  const k = metresPerDegree((a.lat_deg + b.lat_deg) / 2);
  let dLon = b.lon_deg - a.lon_deg;
  if (dLon > 180) dLon -= 360;
  if (dLon < -180) dLon += 360;
  const rx = dLon * k.lon;
  const ry = (b.lat_deg - a.lat_deg) * k.lat;
  const [ax, ay] = velocity(a);
  const [bx, by] = velocity(b);
  const vx = bx - ax;
  const vy = by - ay;
  const v2 = vx * vx + vy * vy;
  const range = Math.hypot(rx, ry);
  const tcpa = v2 > 1e-6 ? -(rx * vx + ry * vy) / v2 : 0;
  const ahead = Math.max(0, tcpa);
  const altA = Number(a.alt_ft) || 0;
  const altB = Number(b.alt_ft) || 0;
  const vsA = (Number(a.vs_fpm) || 0) * FPM_TO_FPS;
  const vsB = (Number(b.vs_fpm) || 0) * FPM_TO_FPS;
  const rangeRate = range > 0 ? (rx * vx + ry * vy) / range : 0;
  return {
    range_m: range,
    bearing_deg: ((Math.atan2(rx, ry) / D2R) + 360) % 360,
    closure_kt: -rangeRate / KT_TO_MPS,
    tcpa_s: tcpa,
    dcpa_m: Math.hypot(rx + vx * ahead, ry + vy * ahead),
    vsep_ft: Math.abs(altB - altA),
    vsep_cpa_ft: Math.abs(altB + vsB * ahead - (altA + vsA * ahead)),
  };
}

/**
 * The alert's times counted down to `nowS` (server clock, seconds): from `live` (its latest
 * `conflict_now` entry, `{time, t_in_s, tcpa_s, t_out_s, dcpa_m, vsep_cpa_ft}`) when that is at
 * most LIVE_MAX_AGE_S old, else from the alert as recorded at its last event (`updated_at`).
 * `losS`: seconds to loss of separation (≤ 0: lost); `cpaS`: to the closest point (< 0:
 * passed); `outS`: until separation is regained; `ageS`: how old the prediction is.
 */
export function encounterTimes(c, nowS, live = null) {
  const useLive = !!live && Number.isFinite(live.time) && nowS - live.time <= LIVE_MAX_AGE_S;
  const src = useLive ? live : c;
  const ref = useLive ? live.time : (c.updated_at || c.raised_at || nowS);
  const el = nowS - ref;
  const tick = (x) => (Number.isFinite(x) ? x - el : null);
  return {
    losS: tick(src.t_in_s ?? src.tcpa_s),
    cpaS: tick(src.tcpa_s),
    outS: tick(src.t_out_s),
    dcpa_m: Number.isFinite(src.dcpa_m) ? src.dcpa_m : null,
    vsep_cpa_ft: Number.isFinite(src.vsep_cpa_ft) ? src.vsep_cpa_ft : null,
    ageS: el,
    live: useLive,
  };
}

/**
 * Where the encounter is: 'passed' once the closest point is behind (the two aircraft's
 * current states say they are opening, or without them the predicted time of closest approach
 * has gone by), 'loss' while separation is lost before that, else 'approaching'.
 */
export function encounterPhase(times, geom) {
  const passed = geom ? geom.tcpa_s <= 0 && geom.closure_kt < 0 : times.cpaS !== null && times.cpaS < 0;
  if (passed) return 'passed';
  if (times.losS !== null && times.losS <= 0) return 'loss';
  return 'approaching';
}

/** "m:ss" of a positive number of seconds (whole seconds, rounded up so 0:01 is the last). */
export function mmss(s) {
  const t = Math.max(0, Math.ceil(s - 1e-9));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

/** Nautical miles with one decimal ("2.1 NM"). */
export function nmText(m) {
  return Number.isFinite(m) ? `${(m / M_PER_NM).toFixed(1)} NM` : '—';
}

/**
 * The encounter in one labelled line: "LoS in 0:58 · CPA in 1:19 · 2.1 NM / 0 ft",
 * "LOSS · CPA in 0:12 · 0.8 NM / 200 ft", or "passed CPA, diverging".
 */
export function encounterText(times, phase) {
  if (phase === 'passed') return 'passed CPA, diverging';
  const los = times.losS !== null && times.losS <= 0 ? 'LOSS' : `LoS in ${times.losS === null ? '—' : mmss(times.losS)}`;
  const cpa = times.cpaS === null ? 'CPA —' : `CPA in ${mmss(times.cpaS)}`;
  const miss = `${nmText(times.dcpa_m)} / ${Number.isFinite(times.vsep_cpa_ft) ? Math.round(times.vsep_cpa_ft) : '—'} ft`;
  return `${los} · ${cpa} · ${miss}`;
}

/** Radius of a dead-reckoned position's uncertainty after `ageS` without data, metres. */
export function uncertaintyM(ageS) {
  if (!(ageS > 0)) return 0;
  return 0.5 * UNSEEN_MANOEUVRE_MPS2 * ageS * ageS;
}

/** "0 s", "12 s", "2 min" — how old an aircraft's data is. */
export function ageTag(ageS) {
  if (!Number.isFinite(ageS) || ageS < 0) return '0 s';
  if (ageS < 120) return `${Math.round(ageS)} s`;
  return `${Math.round(ageS / 60)} min`;
}
