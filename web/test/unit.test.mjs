// Unit tests of the console's pure modules (geodesy, formatting, the picture store, alert
// ordering), run with `node --test test/` (no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mercX, mercY, unmercX, unmercY, distanceM, destination, circleRing, volumeRings } from '../public/js/geo.js';
import { flText, fl3, countdown, parseUtcInput, toUtcInput, partyColour, firstInOrder } from '../public/js/util.js';
import { store } from '../public/js/store.js';
import { sortedAlerts, timeToLoss, ackSides } from '../public/js/panels/alerts.js';

test('mercator round trip', () => {
  for (const [lon, lat] of [[0, 0], [36.5, 35.2], [-120, -45], [179.9, 80]]) {
    assert.ok(Math.abs(unmercX(mercX(lon)) - lon) < 1e-9);
    assert.ok(Math.abs(unmercY(mercY(lat)) - lat) < 1e-9);
  }
  assert.equal(mercX(-180), 0);
  assert.equal(mercY(0), 0.5);
  assert.ok(mercY(60) < mercY(30), 'north is up (smaller y)');
});

test('distances and destinations agree', () => {
  // One degree of latitude is about 111.2 km on the sphere.
  assert.ok(Math.abs(distanceM(36, 35, 36, 36) - 111195) < 50);
  const [lon, lat] = destination(36, 35, 90, 50000);
  assert.ok(Math.abs(distanceM(36, 35, lon, lat) - 50000) < 1);
  const ring = circleRing(36, 35, 20000, 36);
  assert.equal(ring.length, 37);
  for (const [x, y] of ring) assert.ok(Math.abs(distanceM(36, 35, x, y) - 20000) < 1);
});

test('volume rings accept circles, single rings and GeoJSON polygon rings', () => {
  const circle = { shape: { type: 'circle', center: { lat_deg: 35, lon_deg: 36 }, radius_m: 1000 } };
  assert.equal(volumeRings(circle).length, 1);
  const single = { shape: { type: 'polygon', coordinates: [[36, 35], [37, 35], [37, 36], [36, 35]] } };
  assert.deepEqual(volumeRings(single), [single.shape.coordinates]);
  const nested = { shape: { type: 'polygon', coordinates: [[[36, 35], [37, 35], [37, 36], [36, 35]]] } };
  assert.deepEqual(volumeRings(nested), nested.shape.coordinates);
  assert.deepEqual(volumeRings({}), []);
});

test('flight levels, countdowns and UTC inputs', () => {
  assert.equal(flText(35000), 'FL350');
  assert.equal(flText(2500), '2500ft');
  assert.equal(flText(null), '---');
  assert.equal(fl3(9500), '095');
  assert.equal(countdown(75), '1:15');
  assert.equal(countdown(0), 'NOW');
  assert.equal(countdown(null), '—');
  const t = Date.UTC(2026, 10, 25, 10, 30) / 1000;
  assert.equal(toUtcInput(t), '2026-11-25 10:30');
  assert.equal(parseUtcInput('2026-11-25 10:30'), t);
  assert.equal(parseUtcInput('2026-11-25T10:30'), t);
  assert.equal(parseUtcInput(toUtcInput(t + 7200)), t + 7200);
  for (const bad of ['', '2026-11-25', '25/11/2026 10:30', '2026-13-01 10:00', '2026-11-25 24:00']) assert.ok(Number.isNaN(parseUtcInput(bad)), bad);
});

test('party colours: blue and red as named, others never mistaken for them, stable', () => {
  assert.equal(partyColour('blue'), '#4ea3ff');
  // Red's is a rose pink: pure red is the warnings' (palette.js).
  assert.equal(partyColour('red'), '#ff66c4');
  // Aircraft without a party are drawn as civil traffic.
  assert.equal(partyColour(null), partyColour('civil'));
  assert.equal(partyColour(undefined), partyColour('civil'));
  // The demo's parties and a third party are told apart on the map.
  const demo = ['blue', 'red', 'civil', 'cell', 'green'].map(partyColour);
  assert.equal(new Set(demo).size, demo.length, `distinct colours: ${demo}`);
  // A party's colour does not depend on how its id is written or on which party came first,
  // so every console shows it in the same colour.
  assert.equal(partyColour('Green'), partyColour('green'));
  assert.equal(partyColour('green'), '#55d68a');
  // No other party is drawn in blue's, red's or civil's colour.
  const reserved = new Set(['blue', 'red', 'civil'].map(partyColour));
  for (let i = 0; i < 200; i++) {
    const c = partyColour(`party-${i}`);
    assert.match(c, /^#[0-9a-f]{6}$/);
    assert.ok(!reserved.has(c), `party-${i} drawn as ${c}`);
  }
});

const track = (id, party, lon, extra = {}) => ({ id, party, callsign: id, lat_deg: 35, lon_deg: lon, alt_ft: 25000, gs_kt: 360, trk_deg: 90, vs_fpm: 0, last_update: 1000, ...extra });

test('store applies snapshots and deltas, keeps short trails and dead-reckons', () => {
  store.applySnapshot({ time: 1000, tracks: [track('A', 'blue', 36), track('B', 'red', 37)], conflicts: [], intrusions: [] });
  assert.equal(store.tracks.size, 2);
  for (let i = 1; i <= 20; i++) store.applyDelta({ time: 1000 + i, upsert: [track('A', 'blue', 36 + i * 0.01, { last_update: 1000 + i })], remove: [] });
  const a = store.tracks.get('A');
  assert.equal(a.trail.length, 24, 'trail keeps the last 12 positions');
  store.applyDelta({ time: 1021, upsert: [], remove: ['B'] });
  assert.ok(!store.tracks.has('B'));
  // 360 kt east for 10 s is 1852 m.
  const [lon, lat] = store.position(a, a.refTime + 10);
  assert.ok(Math.abs(distanceM(a.lon_deg, a.lat_deg, lon, lat) - 1852) < 5);
  // Dead reckoning stops after 20 s.
  const far = store.position(a, a.refTime + 600);
  assert.ok(distanceM(a.lon_deg, a.lat_deg, far[0], far[1]) < 3800);
  // Malformed tracks are ignored.
  store.applyDelta({ time: 1022, upsert: [{ id: 'X', lat_deg: 'north' }, { lat_deg: 1, lon_deg: 2 }], remove: [] });
  assert.ok(!store.tracks.has('X'));
});

test('pause queues picture updates and applies them on resume', () => {
  store.applySnapshot({ time: 2000, tracks: [track('A', 'blue', 36)], conflicts: [], intrusions: [] });
  store.setPaused(true);
  store.applyDelta({ time: 2001, upsert: [track('A', 'blue', 36.5), track('C', 'blue', 38)], remove: [] });
  assert.equal(store.tracks.get('A').lon_deg, 36);
  assert.ok(!store.tracks.has('C'));
  store.setPaused(false);
  assert.equal(store.tracks.get('A').lon_deg, 36.5);
  assert.ok(store.tracks.has('C'));
});

test('alerts sort unacknowledged warnings first, then level, then time to loss', () => {
  store.me = { party: 'blue', role: 'party' };
  const now = store.now();
  const c = (id, level, tIn, acks) => ({ id, a: `${id}a`, b: `${id}b`, a_party: 'blue', b_party: 'red', level, t_in_s: tIn, tcpa_s: tIn + 10, dcpa_m: 100, updated_at: now, acks, state: 'raised' });
  store.applySnapshot({
    time: now,
    tracks: [],
    conflicts: [c('acked-warning', 3, 10, { blue: true, red: false }), c('caution-soon', 2, 30, { blue: false }), c('caution-late', 2, 90, { blue: false }), c('warning', 3, 50, { blue: false }), c('gone', 3, 5, { blue: false })],
    intrusions: [{ id: 'i-1', track_id: 'T', level: 1, time_to_entry_s: 5, updated_at: now, state: 'raised' }],
  });
  store.applyConflict('cleared', { id: 'gone', state: 'cleared' });
  assert.deepEqual(sortedAlerts().map((x) => x.id), ['warning', 'acked-warning', 'caution-soon', 'caution-late', 'i-1']);
  assert.ok(Math.abs(timeToLoss({ t_in_s: 60, updated_at: store.now() - 15 }) - 45) < 0.5);
  assert.deepEqual([...store.alertTrackIds()].sort(), ['T', 'acked-warninga', 'acked-warningb', 'caution-latea', 'caution-lateb', 'caution-soona', 'caution-soonb', 'warninga', 'warningb']);
});

test('intrusion warnings acknowledged by the viewer sort after unacknowledged ones; ACK sides per role', () => {
  store.me = { party: 'red', role: 'party' };
  const now = store.now();
  const i = (id, acks) => ({ id, track_id: `${id}t`, track_party: 'red', volume_party: 'blue', level: 3, time_to_entry_s: id === 'i-acked' ? 5 : 50, updated_at: now, acks, state: 'raised' });
  store.applySnapshot({ time: now, tracks: [], conflicts: [], intrusions: [i('i-acked', { red: true, blue: false }), i('i-open', { red: false, blue: false })] });
  const list = sortedAlerts();
  assert.deepEqual(list.map((x) => [x.id, x.unacked]), [['i-open', true], ['i-acked', false]]);
  // Own side for an involved party, none for others and observers, every side for the cell.
  assert.deepEqual(ackSides(['red', 'blue']), ['red']);
  store.me = { party: 'green', role: 'party' };
  assert.deepEqual(ackSides(['red', 'blue']), []);
  store.me = { party: 'monitor', role: 'observer' };
  assert.deepEqual(ackSides(['red', 'blue']), []);
  store.me = { party: 'cell', role: 'cell' };
  assert.deepEqual(ackSides(['red', 'blue']), ['red', 'blue']);
  assert.deepEqual(ackSides([null, 'blue']), ['blue']);
});

test('the first rows of a table are those a full sort would list first, in the same order', () => {
  // A small deterministic generator: many equal keys, so the id decides often.
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 300; round++) {
    const n = rand(400);
    const list = Array.from({ length: n }, (_, i) => ({ id: `A${rand(1000)}-${i}`, v: rand(round % 3 === 0 ? 3 : 50) }));
    const dir = rand(2) ? 1 : -1;
    const cmp = (a, b) => (a.v < b.v ? -dir : a.v > b.v ? dir : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const k = [0, 1, 5, 250, n, n + 3][rand(6)];
    const want = [...list].sort(cmp).slice(0, k);
    assert.deepEqual(firstInOrder(list, cmp, k), want, `round ${round}: n ${n}, k ${k}`);
  }
});

test('a batch of alert frames leaves the store as the same frames one by one would, in one event', () => {
  const now = store.now();
  const c = (id, level, state = 'raised') => ({ id, a: `${id}a`, b: `${id}b`, a_party: 'blue', b_party: 'red', level, t_in_s: 30, tcpa_s: 40, dcpa_m: 100, updated_at: now, acks: {}, state });
  const frames = [
    { type: 'alert', event: 'raised', conflict: c('c-1', 2) },
    { type: 'alert', event: 'raised', conflict: c('c-2', 3) },
    { type: 'alert', event: 'updated', conflict: c('c-1', 3) },
    { type: 'alert', event: 'cleared', conflict: c('c-3', 2, 'cleared') },
    { type: 'alert', event: 'cleared', conflict: c('c-2', 3, 'cleared') },
    { type: 'message', message: {} },
  ];
  const start = () => store.applySnapshot({ time: now, tracks: [], conflicts: [c('c-3', 2)], intrusions: [] });
  const state = () => ({ conflicts: [...store.conflicts.entries()], alertIds: [...store.alertTrackIds()].sort() });
  start();
  for (const f of frames) if (f.type === 'alert') store.applyConflict(f.event, f.conflict);
  const oneByOne = state();
  start();
  let events = 0;
  const off = store.on('conflicts', (d) => { events += 1; assert.equal(d.batch, 5); });
  store.applyConflictBatch(frames);
  off();
  assert.deepEqual(state(), oneByOne);
  assert.deepEqual(oneByOne.conflicts.map(([id, x]) => [id, x.level]), [['c-1', 3]]);
  assert.equal(events, 1);
});
