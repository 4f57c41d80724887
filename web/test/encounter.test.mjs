// Unit tests of js/encounter.js: the pair geometry against a slow, obviously-correct reference
// (stepping both aircraft along their tracks second by second), and the ticking times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pairGeometry, encounterTimes, encounterPhase, encounterText, mmss, metresPerDegree,
  uncertaintyM, LIVE_MAX_AGE_S, M_PER_NM,
} from '../public/js/encounter.js';

const NM = M_PER_NM;

// The demo's head-on: 30 NM apart at FL250, 480 kt east and 450 kt west.
function headOn(gapNm = 30) {
  const k = metresPerDegree(35);
  const half = (gapNm * NM) / 2 / k.lon;
  return [
    { lat_deg: 35, lon_deg: 38 - half, alt_ft: 25000, gs_kt: 480, trk_deg: 90, vs_fpm: 0 },
    { lat_deg: 35, lon_deg: 38 + half, alt_ft: 25000, gs_kt: 450, trk_deg: 270, vs_fpm: 0 },
  ];
}

/** Reference: step both aircraft 0.1 s at a time over a flat local frame, keep the minimum. */
function bruteForce(a, b, horizonS = 900) {
  const k = metresPerDegree((a.lat_deg + b.lat_deg) / 2);
  const pos = (s, t) => {
    const v = (s.gs_kt * NM) / 3600;
    const tr = (s.trk_deg * Math.PI) / 180;
    return [s.lon_deg * k.lon + v * Math.sin(tr) * t, s.lat_deg * k.lat + v * Math.cos(tr) * t];
  };
  let best = { t: 0, d: Infinity };
  for (let t = 0; t <= horizonS; t += 0.1) {
    const [ax, ay] = pos(a, t);
    const [bx, by] = pos(b, t);
    const d = Math.hypot(bx - ax, by - ay);
    if (d < best.d) best = { t, d };
  }
  return best;
}

test('metres per degree follow WGS-84 (1° of latitude is 110.574 km at the equator, 111.694 km at the pole)', () => {
  assert.ok(Math.abs(metresPerDegree(0).lat - 110574) < 2);
  assert.ok(Math.abs(metresPerDegree(90).lat - 111694) < 2);
  assert.ok(Math.abs(metresPerDegree(0).lon - 111320) < 2);
});

test('head-on: range, bearing, closure and the closest point', () => {
  const [a, b] = headOn(30);
  const g = pairGeometry(a, b);
  assert.ok(Math.abs(g.range_m / NM - 30) < 0.01, `range ${g.range_m / NM} NM`);
  assert.ok(Math.abs(g.bearing_deg - 90) < 0.1, `bearing ${g.bearing_deg}`);
  assert.ok(Math.abs(g.closure_kt - 930) < 0.5, `closure ${g.closure_kt}`);
  assert.ok(Math.abs(g.tcpa_s - (30 / 930) * 3600) < 0.5, `tcpa ${g.tcpa_s}`);
  assert.ok(g.dcpa_m < 1, `dcpa ${g.dcpa_m}`);
  assert.equal(g.vsep_ft, 0);
});

test('the closest point agrees with stepping the two aircraft (crossing geometries)', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 60; i++) {
    const a = { lat_deg: 40 + rnd(), lon_deg: 5 + rnd(), alt_ft: 30000, gs_kt: 200 + 400 * rnd(), trk_deg: 360 * rnd(), vs_fpm: 0 };
    const b = { lat_deg: 40 + rnd(), lon_deg: 5 + rnd(), alt_ft: 30000, gs_kt: 200 + 400 * rnd(), trk_deg: 360 * rnd(), vs_fpm: 0 };
    const g = pairGeometry(a, b);
    const ref = bruteForce(a, b);
    if (g.tcpa_s > 0 && g.tcpa_s < 890) {
      assert.ok(Math.abs(g.tcpa_s - ref.t) < 0.2, `tcpa ${g.tcpa_s} vs ${ref.t}`);
      assert.ok(Math.abs(g.dcpa_m - ref.d) < 2, `dcpa ${g.dcpa_m} vs ${ref.d}`);
    } else if (g.tcpa_s <= 0) {
      assert.ok(ref.t < 0.2, `passed: the reference's closest point is now (t=${ref.t})`);
      assert.ok(g.closure_kt <= 0.01, 'and they are opening');
    }
  }
});

test('after the closest point the pair is diverging and the encounter says it has passed', () => {
  const [a, b] = headOn(30);
  // The same aircraft 30 NM apart, each flying away from the other.
  const g = pairGeometry({ ...a, trk_deg: 270 }, { ...b, trk_deg: 90 });
  assert.ok(g.tcpa_s < 0 && g.closure_kt < 0);
  const times = encounterTimes({ t_in_s: 0, tcpa_s: 5, t_out_s: 20, updated_at: 100 }, 101);
  assert.equal(encounterPhase(times, g), 'passed');
  assert.equal(encounterText(times, 'passed'), 'passed CPA, diverging');
  // Without states, the predicted closest point having gone by says the same.
  assert.equal(encounterPhase(encounterTimes({ t_in_s: 0, tcpa_s: 5, updated_at: 100 }, 106), null), 'passed');
  assert.equal(encounterPhase(encounterTimes({ t_in_s: 0, tcpa_s: 5, updated_at: 100 }, 104), null), 'loss');
});

test('times count down from the latest prediction, one per second', () => {
  const c = { t_in_s: 60, tcpa_s: 80, dcpa_m: 100, vsep_cpa_ft: 0, updated_at: 1000 };
  const live = { time: 1010, t_in_s: 48, tcpa_s: 69, dcpa_m: 3900, vsep_cpa_ft: 0 };
  const t1 = encounterTimes(c, 1012, live);
  const t2 = encounterTimes(c, 1013, live);
  assert.equal(t1.live, true);
  assert.equal(t1.losS, 46);
  assert.equal(t1.losS - t2.losS, 1);
  assert.equal(encounterText(t1, 'approaching'), 'LoS in 0:46 · CPA in 1:07 · 2.1 NM / 0 ft');
  // A prediction older than LIVE_MAX_AGE_S gives way to the alert's record.
  const old = encounterTimes(c, 1010 + LIVE_MAX_AGE_S + 1, live);
  assert.equal(old.live, false);
  assert.equal(old.losS, 60 - (LIVE_MAX_AGE_S + 11));
  assert.equal(encounterText(encounterTimes(c, 1070), 'loss').split(' · ')[0], 'LOSS');
});

test('m:ss rounds up so the last second shown is 0:01', () => {
  assert.equal(mmss(58.2), '0:59');
  assert.equal(mmss(60), '1:00');
  assert.equal(mmss(0.4), '0:01');
  assert.equal(mmss(-3), '0:00');
});

test('uncertainty grows with the square of the time without data', () => {
  assert.equal(uncertaintyM(0), 0);
  assert.ok(uncertaintyM(20) === 4 * uncertaintyM(10));
  assert.ok(uncertaintyM(10) > 100 && uncertaintyM(10) < 1000);
});
