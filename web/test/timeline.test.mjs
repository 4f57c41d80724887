// The timeline (public/js/timeline.js): reservations' states at a time ahead (the server's
// rule), which volumes, exclusions, contested volumes and notices the map draws then, the
// coming changes and their words, the slider's times, keys and words. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  stateAt, volumesAt, spanOf, within, shownAt, changesWithin, clampTime, timeOfOffset, offsetText, clockText, viewingText,
  sliderValueText, keyTime, reservationKind, SPAN_S, KEY_STEP_S, FINE_STEP_S, PAGE_STEP_S,
} from '../public/js/timeline.js';

const NOW = Date.UTC(2026, 0, 1, 12, 25, 0) / 1000; // 12:25:00 UTC
const H = 3600;
const BOX = { type: 'polygon', coordinates: [[37.6, 36.5], [38.0, 36.5], [38.0, 36.9], [37.6, 36.9]] };
const vol = (start, end, lower = 15000, upper = 25000) => ({ shape: BOX, lower_ft: lower, upper_ft: upper, start_time: start, end_time: end });

/** Blue's "Operation X" r-4, accepted, 14:00–16:00 UTC. */
const opX = (over = {}) => ({ id: 'r-4', party: 'blue', name: 'Operation X', purpose: 'operation', priority: 5, state: 'accepted', version: 1, volumes: [vol(NOW + 95 * 60, NOW + 215 * 60)], ...over });
/** Red's exclusion r-7 (blue out) from 12:38:20 to 17:25. */
const DEADLINE = NOW + 13 * 60 + 20;
const excl = (over = {}) => ({
  id: 'r-7', party: 'red', name: 'Exclusion: blue keeps out (q-1)', purpose: 'exclusion', priority: 5, state: 'accepted', version: 1,
  volumes: [vol(DEADLINE, NOW + 5 * H)], exclusion: { request_id: 'q-1', watch_party: 'blue', deadline: DEADLINE }, ...over,
});
const zone = { id: 'r-1', party: 'cell', name: 'Latakia MEZ', purpose: 'hazard', priority: 10, state: 'active', version: 1, volumes: [{ shape: { type: 'circle', center: { lat_deg: 35.52, lon_deg: 35.85 }, radius_m: 27780 }, lower_ft: 0, upper_ft: 30000, start_time: NOW - 600, end_time: NOW + 30 * H }] };
const contested = { id: 'q-4', kind: 'vacate', from: 'red', to: 'blue', state: 'declined', reason: 'CAP on station', contested: true, volume: vol(NOW - 60, NOW + 2 * H) };
const notice = {
  id: 'q-5', kind: 'notice', from: 'red', to: null, state: 'pending', version: 1, message: 'Strike package in the northern corridor, expect traffic',
  volumes: [vol(NOW + 2 * H, NOW + 3 * H, 18000, 30000)],
  routes: [{ name: 'HAWK 1 ingress', waypoints: [{ lat_deg: 36, lon_deg: 37, alt_ft: 18000, time: NOW + 2 * H }, { lat_deg: 36.5, lon_deg: 37.5, alt_ft: 22000, time: NOW + 2 * H + 600 }], half_width_m: 4630, half_height_ft: 1000 }],
  route_volumes: [vol(NOW + 2 * H - 300, NOW + 2 * H + 900, 17000, 23000)],
};

test('a reservation\'s state ahead follows the server: accepted → active at its first start, ended after its last end', () => {
  const r = opX();
  assert.equal(stateAt(r, NOW), 'accepted');
  assert.equal(stateAt(r, NOW + 95 * 60 - 1), 'accepted');
  assert.equal(stateAt(r, NOW + 95 * 60), 'active');
  assert.equal(stateAt(r, NOW + 215 * 60 - 1), 'active');
  assert.equal(stateAt(r, NOW + 215 * 60), 'ended');
  assert.equal(stateAt({ ...r, state: 'proposed' }, NOW + 100 * 60), 'active');
  assert.equal(stateAt({ ...r, state: 'cancelled' }, NOW + 100 * 60), 'cancelled');
  // Two volumes: active from the earlier start, ended after the later end.
  const two = opX({ volumes: [vol(NOW + H, NOW + 2 * H), vol(NOW + 3 * H, NOW + 4 * H)] });
  assert.equal(stateAt(two, NOW + 2.5 * H), 'active');
  assert.equal(stateAt(two, NOW + 4 * H), 'ended');
  assert.deepEqual(spanOf(two.volumes), { start: NOW + H, end: NOW + 4 * H });
  assert.equal(spanOf([]), null);
});

test('only the volumes whose window [start, end) holds the time are drawn', () => {
  const vs = [vol(NOW + H, NOW + 2 * H), vol(NOW + 2 * H, NOW + 3 * H)];
  assert.deepEqual(volumesAt(vs, NOW), []);
  assert.deepEqual(volumesAt(vs, NOW + H), [0]);
  assert.deepEqual(volumesAt(vs, NOW + 2 * H - 1), [0]);
  assert.deepEqual(volumesAt(vs, NOW + 2 * H), [1]);
  assert.deepEqual(volumesAt(vs, NOW + 3 * H), []);
  assert.ok(within(1, 2, 1) && !within(1, 2, 2) && !within(NaN, 2, 1));
});

test('at a time ahead the map shows each kind as it will be then', () => {
  const reservations = [opX(), excl(), zone];
  const requests = [contested, notice];
  const kinds = (t) => shownAt(reservations, requests, t).map((x) => `${x.kind}:${x.id}:${x.state}:${x.volumes.join(',')}${x.routes ? `/${x.routes.join(',')}` : ''}`);
  // Just before the exclusion's deadline: zone and contested volume only.
  assert.deepEqual(kinds(DEADLINE - 1), ['hazard:r-1:active:0', 'contested:q-4:declined:0']);
  // From the deadline: the exclusion in force.
  assert.deepEqual(kinds(DEADLINE), ['exclusion:r-7:in-force:0', 'hazard:r-1:active:0', 'contested:q-4:declined:0']);
  // At 14:00 Operation X is active, at 14:25 the notice's volume and route are there; the contested volume has ended.
  assert.deepEqual(kinds(NOW + 2 * H), ['reservation:r-4:active:0', 'exclusion:r-7:in-force:0', 'hazard:r-1:active:0', 'notice:q-5:pending:0/0']);
  // The route's corridor starts 5 min before its first waypoint, the notice volume at it.
  assert.deepEqual(kinds(NOW + 2 * H - 60).slice(-1), ['notice:q-5:pending:/0']);
  // After Operation X ended, before the exclusion ends.
  assert.deepEqual(kinds(NOW + 4 * H), ['exclusion:r-7:in-force:0', 'hazard:r-1:active:0']);
  // Cancelled or ended reservations never show.
  assert.deepEqual(shownAt([opX({ state: 'cancelled' })], [], NOW + 2 * H), []);
  assert.equal(reservationKind(zone), 'hazard');
  assert.equal(reservationKind(excl()), 'exclusion');
});

test('the coming changes in the next 24 h, sorted, in words', () => {
  const reservations = [opX(), excl(), zone, opX({ id: 'r-9', name: 'Old', state: 'cancelled' })];
  const ch = changesWithin(reservations, [contested, notice], NOW);
  assert.deepEqual(ch.map((c) => c.text), [
    '12:38 UTC exclusion r-7 in force: blue out',
    '14:00 UTC r-4 Operation X (blue) becomes active',
    '14:20 UTC notice q-5 (red) HAWK 1 ingress starts: Strike package in the northern…',
    '14:25 UTC contested q-4 ends',
    '14:25 UTC notice q-5 (red) window starts: Strike package in the northern…',
    '14:40 UTC notice q-5 (red) HAWK 1 ingress ends',
    '15:25 UTC notice q-5 (red) window ends',
    '16:00 UTC r-4 Operation X (blue) ends',
    '17:25 UTC exclusion r-7 ends',
  ]);
  const times = ch.map((c) => c.time_s);
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'sorted by time');
  const texts = ch.map((c) => c.text);
  assert.ok(texts.includes('12:38 UTC exclusion r-7 in force: blue out'));
  assert.ok(texts.includes('14:00 UTC r-4 Operation X (blue) becomes active'));
  assert.ok(texts.includes('16:00 UTC r-4 Operation X (blue) ends'));
  assert.ok(texts.includes('14:25 UTC contested q-4 ends'));
  assert.ok(texts.includes('14:25 UTC notice q-5 (red) window starts: Strike package in the northern…'));
  assert.ok(texts.includes('15:25 UTC notice q-5 (red) window ends'));
  assert.ok(texts.includes('14:20 UTC notice q-5 (red) HAWK 1 ingress starts: Strike package in the northern…'));
  assert.ok(texts.includes('17:25 UTC exclusion r-7 ends'));
  // The exclusion's entry has its exact time (the slider goes there).
  assert.equal(ch.find((c) => c.what === 'in-force').time_s, DEADLINE);
  // The zone ends beyond 24 h: not listed; the cancelled reservation neither; the contested volume began already.
  assert.ok(!ch.some((c) => c.id === 'r-1' || c.id === 'r-9' || c.what === 'contested-starts'));
  // An active reservation lists only its end; a two-volume one its volumes' own starts and ends.
  const two = opX({ id: 'r-5', name: 'Two', volumes: [vol(NOW + H, NOW + 2 * H), vol(NOW + 3 * H, NOW + 4 * H, 20000, 26000)] });
  assert.deepEqual(changesWithin([two], [], NOW).map((c) => c.text), [
    '13:25 UTC r-5 Two (blue) becomes active',
    '14:25 UTC r-5 Two (blue) volume 1 of 2 ends',
    '15:25 UTC r-5 Two (blue) volume 2 of 2 starts (20000–26000 ft)',
    '16:25 UTC r-5 Two (blue) ends',
  ]);
  assert.deepEqual(changesWithin([{ ...opX(), state: 'active', volumes: [vol(NOW - H, NOW + H)] }], [], NOW).map((c) => c.what), ['ends']);
  // Zones are named so; a pending vacate request's expiry is a change too.
  assert.deepEqual(changesWithin([{ ...zone, volumes: [{ ...zone.volumes[0], end_time: NOW + H }] }], [{ id: 'q-1', kind: 'vacate', from: 'red', to: 'blue', state: 'pending', expires_at: NOW + 1800, volume: vol(NOW + 480, NOW + 5 * H) }], NOW).map((c) => c.text), [
    '12:55 UTC vacate request q-1 (red → blue) expires unanswered',
    '13:25 UTC zone r-1 Latakia MEZ (cell) ends',
  ]);
  // A span shorter than 24 h leaves the later ones out.
  assert.ok(changesWithin(reservations, [], NOW, H).every((c) => c.time_s <= NOW + H));
});

test('the slider picks whole minutes from now to 24 h ahead; its words and keys', () => {
  assert.equal(clampTime(NOW - 5, NOW), NOW);
  assert.equal(clampTime(NOW + SPAN_S + 5, NOW), NOW + SPAN_S);
  assert.equal(timeOfOffset(2 * H + 10 * 60 + 20, NOW + 7), NOW + 2 * H + 10 * 60);
  assert.equal(timeOfOffset(0, NOW + 10), NOW + 10, 'never before now');
  assert.equal(offsetText(2 * H + 10 * 60), '+2:10');
  assert.equal(offsetText(7 * 60 + 40), '+0:08');
  assert.equal(offsetText(-5), '+0:00');
  assert.equal(clockText(Date.UTC(2026, 0, 1, 14, 35, 0) / 1000), '14:35');
  assert.equal(clockText(DEADLINE), '12:38:20');
  assert.equal(viewingText(Date.UTC(2026, 0, 1, 14, 35, 0) / 1000, NOW), 'VIEWING 14:35 UTC (+2:10) — aircraft are live');
  assert.equal(sliderValueText(null, NOW), 'live, now');
  assert.equal(sliderValueText(NOW + 2 * H + 600, NOW), '14:35 UTC, 2 h 10 min ahead');
  assert.equal(keyTime('ArrowRight', false, null, NOW), NOW + KEY_STEP_S);
  assert.equal(keyTime('ArrowRight', true, NOW + H, NOW), NOW + H + FINE_STEP_S);
  assert.equal(keyTime('ArrowLeft', false, NOW + 60, NOW), null, 'back to now is live');
  assert.equal(keyTime('PageUp', false, NOW + H, NOW), NOW + H + PAGE_STEP_S);
  assert.equal(keyTime('PageDown', false, NOW + H, NOW), null);
  assert.equal(keyTime('End', false, null, NOW), NOW + SPAN_S);
  assert.equal(keyTime('PageUp', false, NOW + SPAN_S - 60, NOW), NOW + SPAN_S, 'kept within 24 h');
  // From a time between minutes, to whole minutes.
  assert.equal(keyTime('ArrowRight', false, null, NOW + 7), NOW + KEY_STEP_S);
  assert.equal(keyTime('ArrowRight', true, NOW + 600 + 40, NOW), NOW + 600 + 2 * FINE_STEP_S);
  assert.equal(keyTime('End', false, null, NOW + 7), NOW + SPAN_S);
  assert.equal(keyTime('Home', false, NOW + H, NOW), null);
  assert.equal(keyTime('x', false, NOW + H, NOW), undefined);
});
