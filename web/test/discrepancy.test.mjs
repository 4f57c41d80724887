// Position discrepancies (public/js/discrepancy.js): the words, the direction and distance, the
// marker's geometry, which copy of a record wins; and how the store, the alert list's order and
// who-acknowledges rules, and H take them. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  discrepancyText, discrepancyParts, compassPoint, gapVector, markerPositions, carried, independentSource,
  verticalText, isActive, isNewer, agedOut, fixText, CLEARED_KEEP_S, DISCREPANCY_LEVEL, DISCREPANCY_REASON,
} from '../public/js/discrepancy.js';
import { pairGeometry, M_PER_NM } from '../public/js/encounter.js';
import { CAUTION } from '../public/js/levels.js';
import { orderAlerts, unackedFor, ackableSides, ackRefusal, pickAcknowledge, alertGroup } from '../public/js/alert-groups.js';
import { homePoints } from '../public/js/views.js';
import { store } from '../public/js/store.js';
import * as P from '../public/js/palette.js';

const T0 = Date.UTC(2026, 0, 1, 12, 1, 5) / 1000; // 12:01:05 UTC
const NM_DEG = 1 / 60; // a nautical mile of latitude, near enough for building fixtures

/** A discrepancy as the server sends it: blue's EAGLE31 reported `nmSouth` NM south of where ADS-B hears it. */
function disc({ id = 'd-1796218296-1', nmSouth = 1.7, nmEast = 0, vertical = 0, state = 'raised', raised = T0, updated = T0, cleared = null, dtReport = 0 } = {}) {
  const lat = 35.2;
  const lon = 38.1;
  const cos = Math.cos((lat * Math.PI) / 180);
  const independent = { time: updated, lat_deg: lat, lon_deg: lon, alt_ft: 25000, gs_kt: 450, trk_deg: 90, vs_fpm: 0, feed: 'demo-adsb' };
  // The owner's report `dtReport` s earlier, where it would have been then (due east at 450 kt).
  const back = (450 * M_PER_NM / 3600) * dtReport / (111320 * cos);
  const reported = {
    time: updated - dtReport, lat_deg: lat - nmSouth * NM_DEG, lon_deg: lon + (nmEast * NM_DEG) / cos - back,
    alt_ft: 25000 + (vertical ?? 0), gs_kt: 450, trk_deg: 90, vs_fpm: 0, feed: 'telemetry-blue',
  };
  return {
    id, track_id: 'AE1011', party: 'blue', callsign: 'EAGLE31', state, raised_at: raised, updated_at: updated, cleared_at: cleared,
    horizontal_m: Math.hypot(nmSouth, nmEast) * M_PER_NM, vertical_ft: vertical, max_horizontal_m: Math.hypot(nmSouth, nmEast) * M_PER_NM,
    reported, independent,
  };
}

test('the sentence: who, how far and which way, whose surveillance, vertical, since when', () => {
  assert.equal(discrepancyText(disc()),
    'POSITION DISCREPANCY · EAGLE31 (blue) · reported 1.7 NM S of where civil ADS-B (demo-adsb) hears it · 0 ft · since 12:01:05 UTC');
  // Vertical only when compared; a level difference says which way.
  assert.equal(discrepancyText(disc({ vertical: null })),
    'POSITION DISCREPANCY · EAGLE31 (blue) · reported 1.7 NM S of where civil ADS-B (demo-adsb) hears it · since 12:01:05 UTC');
  assert.match(discrepancyText(disc({ nmSouth: 0.1, vertical: 400 })), /reported 0\.1 NM S of .* · 400 ft higher · /);
  assert.equal(verticalText(-350.4), '350 ft lower');
  assert.equal(verticalText(undefined), null);
  // North-east of it.
  assert.match(discrepancyText(disc({ nmSouth: -2, nmEast: 2 })), /reported 2\.8 NM NE of where/);
  // No callsign: the track id.
  assert.match(discrepancyText({ ...disc(), callsign: null }), /· AE1011 \(blue\) ·/);
  // Cleared: past tense, the time span.
  const c = disc({ state: 'cleared', cleared: T0 + 515, updated: T0 + 515 });
  assert.equal(discrepancyText(c),
    'POSITION DISCREPANCY CLEARED · EAGLE31 (blue) · reported 1.7 NM S of where civil ADS-B (demo-adsb) heard it · 0 ft · 12:01:05–12:09:40 UTC');
  assert.equal(discrepancyParts(disc()).distance, '1.7 NM');
  assert.equal(discrepancyParts(disc()).direction, 'S');
});

test('whose the independent surveillance is: the feed list when known, else the feed id', () => {
  assert.deepEqual(independentSource('demo-adsb'), { name: 'civil ADS-B', short: 'ADS-B' });
  assert.deepEqual(independentSource('radar-7'), { name: 'independent surveillance', short: 'SURV' });
  assert.deepEqual(independentSource('radar-7', { party: 'red', kind: 'asterix' }), { name: 'red surveillance', short: 'RED' });
  assert.deepEqual(independentSource('rx-1', { party: null, kind: 'beast' }), { name: 'civil ADS-B', short: 'ADS-B' });
  assert.deepEqual(independentSource('rx-1', { party: null, kind: 'json' }), { name: 'civil surveillance', short: 'SURV' });
  assert.match(discrepancyText({ ...disc(), independent: { ...disc().independent, feed: 'radar-7' } }, { party: 'red' }), /where red surveillance \(radar-7\) hears it/);
});

test('compass points and the gap vector agree with the encounter geometry', () => {
  assert.deepEqual([0, 22, 23, 90, 135, 180, 200, 270, 315, 337, 338, 360, -45].map(compassPoint),
    ['N', 'N', 'NE', 'E', 'SE', 'S', 'S', 'W', 'NW', 'NW', 'N', 'N', 'NW']);
  const d = disc({ nmSouth: 2.5 });
  const g = gapVector(d);
  assert.ok(Math.abs(g.bearing_deg - 180) < 0.5, `due south (${g.bearing_deg})`);
  assert.ok(Math.abs(g.distance_m / M_PER_NM - 2.5) < 0.05, `2.5 NM (${g.distance_m / M_PER_NM})`);
  const pg = pairGeometry(d.independent, { ...d.reported, gs_kt: 0 });
  assert.ok(Math.abs(pg.range_m - g.distance_m) < 5, 'the same local tangent plane as the encounter card');
  // The owner's report 4 s older than the fix is carried along its velocity first: still due south.
  const old = gapVector(disc({ nmSouth: 2.5, dtReport: 4 }));
  assert.ok(Math.abs(old.bearing_deg - 180) < 0.5 && Math.abs(old.distance_m / M_PER_NM - 2.5) < 0.05, `carried (${old.bearing_deg}°, ${old.distance_m} m)`);
  const moved = carried({ lat_deg: 0, lon_deg: 0, gs_kt: 3600, trk_deg: 0 }, 1);
  assert.ok(Math.abs(moved.lat_deg * 110574 - M_PER_NM) < 5, '1 NM north in one second at 3,600 kt');
  assert.deepEqual(carried({ lat_deg: 1, lon_deg: 2, gs_kt: null, trk_deg: null }, 10), { lat_deg: 1, lon_deg: 2 });
  assert.equal(gapVector({ ...d, independent: null }), null);
});

test('the marker keeps the last sample\'s gap from the aircraft as displayed now', () => {
  const d = disc({ nmSouth: 2.5 });
  // Where the aircraft is drawn now (moved on 30 s east of its report).
  const now = { lat_deg: d.reported.lat_deg, lon_deg: d.reported.lon_deg + 0.06 };
  const m = markerPositions(d, now);
  assert.deepEqual(m.reported, now);
  const g = pairGeometry({ ...m.independent, gs_kt: 0 }, { ...m.reported, gs_kt: 0 });
  assert.ok(Math.abs(g.range_m / M_PER_NM - 2.5) < 0.05 && Math.abs(g.bearing_deg - 180) < 0.5, `2.5 NM S of the marker (${g.range_m}, ${g.bearing_deg})`);
  // Without the aircraft: the recorded fixes.
  const r = markerPositions(d, null);
  assert.equal(r.independent.lat_deg, d.independent.lat_deg);
  assert.ok(Math.abs(r.reported.lat_deg - d.reported.lat_deg) < 1e-9);
});

test('which copy wins: later changes, and a clear over the raise it ends; cleared ones age out', () => {
  const raised = disc();
  const updated = disc({ state: 'updated', updated: T0 + 6, nmSouth: 2 });
  const cleared = disc({ state: 'cleared', updated: T0 + 30, cleared: T0 + 30 });
  assert.ok(isActive(raised) && isActive(updated) && !isActive(cleared));
  assert.ok(isNewer(updated, raised) && !isNewer(raised, updated));
  assert.ok(isNewer(cleared, updated) && !isNewer(updated, cleared));
  assert.ok(isNewer({ ...raised, state: 'cleared', cleared_at: T0 }, raised), 'a clear at the same time wins');
  assert.ok(!agedOut(raised, T0 + 10 * CLEARED_KEEP_S), 'an active one never ages out');
  assert.ok(!agedOut(cleared, T0 + 30 + CLEARED_KEEP_S - 1) && agedOut(cleared, T0 + 31 + CLEARED_KEEP_S));
  assert.match(fixText(raised.independent), /^35\.2000, 38\.1000 · FL250 · 450 kt · trk 090° · 12:01:05Z$/);
});

test('the store: frames, the list after a reconnect, a frame that overtook the list, clearing and ageing out', () => {
  store.discrepancies.clear();
  store.discrepancySeen.clear();
  store.clockOffsetS = T0 + 40 - Date.now() / 1000;
  const seen = [];
  const off = store.on('discrepancies', (e) => seen.push(e));
  store.applyDiscrepancy('raised', disc());
  assert.equal(store.discrepancies.size, 1);
  assert.equal(seen.at(-1).isNew, true);
  assert.equal(store.alertLevels().get('AE1011'), CAUTION, 'the aircraft is in alert at caution');
  assert.equal(DISCREPANCY_LEVEL, CAUTION);
  // An older copy (a list asked for before) does not undo a newer frame.
  store.applyDiscrepancy('updated', disc({ state: 'updated', updated: T0 + 6, nmSouth: 2 }));
  const asked = store.discrepancyFrames;
  store.replaceDiscrepancies([disc()], asked);
  assert.equal(store.discrepancies.get('d-1796218296-1').state, 'updated');
  // A frame after the list was asked for, not in it yet, stays; one the server no longer lists goes.
  const before = store.discrepancyFrames;
  store.applyDiscrepancy('raised', disc({ id: 'd-2', raised: T0 + 39, updated: T0 + 39 }));
  store.replaceDiscrepancies([disc({ state: 'updated', updated: T0 + 6, nmSouth: 2 })], before);
  assert.deepEqual([...store.discrepancies.keys()].sort(), ['d-1796218296-1', 'd-2']);
  store.replaceDiscrepancies([], store.discrepancyFrames);
  assert.equal(store.discrepancies.size, 0, 'the server lists none: none');
  // Cleared: kept (listed as cleared), no longer an alert level; gone after CLEARED_KEEP_S.
  store.applyDiscrepancy('raised', disc());
  store.applyDiscrepancy('cleared', { ...disc(), state: 'updated', updated_at: T0 + 30 });
  const c = store.discrepancies.get('d-1796218296-1');
  assert.equal(c.state, 'cleared');
  assert.ok(Number.isFinite(c.cleared_at));
  assert.equal(store.alertLevels().get('AE1011'), undefined);
  assert.equal(store.discrepanciesOf('AE1011').length, 1);
  assert.equal(store.pruneDiscrepancies(T0 + 31), false);
  assert.equal(store.pruneDiscrepancies(T0 + 31 + CLEARED_KEEP_S), true);
  assert.equal(store.discrepancies.size, 0);
  // The list drops what aged out too.
  store.replaceDiscrepancies([disc({ state: 'cleared', updated: T0 - 2 * CLEARED_KEEP_S, cleared: T0 - 2 * CLEARED_KEEP_S, raised: T0 - 3 * CLEARED_KEEP_S })]);
  assert.equal(store.discrepancies.size, 0);
  off();
  store.clockOffsetS = 0;
});

test('the alert list ranks a discrepancy with cautions, in the owner\'s group; nobody acknowledges it', () => {
  const blue = { party: 'blue', role: 'party' };
  const cell = { party: 'cell', role: 'cell' };
  const item = (raw, kind, level, t, viewer) => ({ kind, id: raw.id, level, t, unacked: unackedFor(raw, kind, viewer), item: raw });
  const conflict = (id, level, t, acks) => ({ id, a: `${id}a`, b: `${id}b`, a_party: 'blue', b_party: 'red', level, t_in_s: t, acks });
  for (const v of [blue, cell]) {
    const d = disc();
    const list = [
      item(conflict('adv', 1, 10, { blue: false, red: false }), 'conflict', 1, 10, v),
      item(d, 'discrepancy', DISCREPANCY_LEVEL, null, v),
      item(conflict('caut', 2, 30, { blue: false, red: false }), 'conflict', 2, 30, v),
      item(conflict('warn', 3, 50, { blue: true, red: true }), 'conflict', 3, 50, v),
      item(disc({ id: 'old', state: 'cleared', cleared: T0 }), 'discrepancy', 0, null, v),
    ];
    const ordered = orderAlerts(list, v);
    const own = ordered.filter((a) => a.group === ordered.find((x) => x.id === d.id).group).map((a) => a.id);
    // Within its group: after the cautions with a time to loss, before advisories; cleared last.
    assert.ok(own.indexOf('caut') < own.indexOf(d.id) || !own.includes('caut'), `${v.role}: ${own}`);
    assert.ok(own.indexOf(d.id) < own.indexOf('old'), `${v.role}: cleared last (${own})`);
    assert.equal(unackedFor(d, 'discrepancy', v), false);
    assert.deepEqual(ackableSides(d, 'discrepancy', v), []);
    assert.equal(ackRefusal(d, 'discrepancy', v), DISCREPANCY_REASON);
    // A picks the caution conflict, never the discrepancy.
    assert.equal(pickAcknowledge(ordered, v).item.id, 'caut');
    const alone = pickAcknowledge(orderAlerts([item(d, 'discrepancy', 2, null, v)], v), v);
    assert.equal(alone.item.id, d.id);
    assert.equal(alone.reason, DISCREPANCY_REASON, 'A says why instead');
  }
  assert.equal(alertGroup(disc(), 'discrepancy', blue), 'own');
  assert.equal(alertGroup(disc(), 'discrepancy', cell), 'same');
  assert.equal(alertGroup(disc(), 'discrepancy', { party: 'monitor', role: 'observer' }), 'same');
});

test('H takes an active discrepancy\'s aircraft, not a cleared one\'s', () => {
  const tracks = [{ id: 'AE1011', party: 'blue', lon_deg: 38.1, lat_deg: 35.17 }, { id: 'X', party: null, lon_deg: 2, lat_deg: 48 }];
  const cell = { party: 'cell', role: 'cell' };
  const home = homePoints(tracks, [{ kind: 'discrepancy', group: 'same', item: disc() }], cell);
  assert.deepEqual(home, { points: [[38.1, 35.17]], all: false });
  const cleared = homePoints(tracks, [{ kind: 'discrepancy', group: 'same', item: disc({ state: 'cleared', cleared: T0 }) }], cell);
  assert.equal(cleared.all, true);
});

test('the discrepancy marks and words are in the palette\'s contrast checks', () => {
  const names = P.TEXT_ON.map(([what]) => what);
  assert.ok(names.includes('discrepancy label') && names.includes('discrepancy heading'));
  for (const bg of [P.BASEMAP.sea, P.BASEMAP.land]) {
    assert.ok(P.contrastRatio(P.DISCREPANCY.label, bg) >= P.TEXT_CONTRAST_MIN);
    assert.ok(P.contrastRatio(P.DISCREPANCY.mark, bg) >= P.NON_TEXT_CONTRAST_MIN);
  }
  assert.equal(P.DISCREPANCY.mark, P.LEVEL.caution, 'ranked and coloured as a caution');
  assert.ok(P.colourDistance(P.DISCREPANCY.mark, P.LEVEL.warning) >= P.NEAR_DE00, 'not a warning red');
});
