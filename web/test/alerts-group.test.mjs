// The alert list's groups and order, who may acknowledge what, and what `A` picks
// (public/js/alert-groups.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertGroup, groupAlerts, orderAlerts, ackableSides, ackRefusal, unackedFor, pickAcknowledge,
  CIVIL_REASON, NOT_YOURS_REASON, DONE_REASON, OBSERVER_REASON,
} from '../public/js/alert-groups.js';

const cell = { party: 'cell', role: 'cell' };
const blue = { party: 'blue', role: 'party' };
const monitor = { party: 'monitor', role: 'observer' };

/** A raw conflict between parties pa and pb (null: civil), as the server sends it. */
function conflict(id, pa, pb, level, tIn, acks) {
  const sides = [pa, pb].filter((p, i, arr) => p && arr.indexOf(p) === i);
  return {
    id, a: `${id}-a`, b: `${id}-b`, a_party: pa, b_party: pb, level, t_in_s: tIn,
    cross_party: !!(pa && pb && pa !== pb),
    acks: acks ?? Object.fromEntries(sides.map((p) => [p, false])),
  };
}

/** A list item as the console builds it for `viewer`. */
function item(raw, viewer, kind = 'conflict') {
  return { kind, id: raw.id, level: raw.level, t: raw.t_in_s ?? raw.time_to_entry_s, unacked: unackedFor(raw, kind, viewer), item: raw };
}

// A civil–civil warning sooner than the cross-party one, civil ones of every level, a
// party–civil caution, and the cross-party blue–red warning.
const raws = () => [
  conflict('civ-warn', null, null, 3, 5),
  conflict('civ-adv', null, null, 1, 20),
  conflict('blue-civ', 'blue', null, 2, 40),
  conflict('blue-red', 'blue', 'red', 3, 30),
  conflict('red-civ', 'red', null, 1, 10),
  conflict('civ-caut', null, null, 2, 15),
];

test('for the cell, cross-party alerts come first and civil–civil last, urgency within each', () => {
  const ordered = orderAlerts(raws().map((r) => item(r, cell)), cell);
  assert.deepEqual(ordered.map((a) => a.id), ['blue-red', 'blue-civ', 'red-civ', 'civ-warn', 'civ-caut', 'civ-adv']);
  assert.deepEqual(ordered.map((a) => a.group), ['cross', 'party-civil', 'party-civil', 'civil', 'civil', 'civil']);
  const groups = groupAlerts(raws().map((r) => item(r, cell)), cell);
  assert.deepEqual(groups.map((g) => [g.key, g.items.length, !!g.muted]), [['cross', 1, false], ['party-civil', 2, false], ['civil', 3, true]]);
  // A civil–civil warning waits for nobody's acknowledgement: it never counts as unacknowledged.
  assert.equal(unackedFor(conflict('x', null, null, 3, 5), 'conflict', cell), false);
});

test('for a party, its own alerts come first, whatever the other side', () => {
  const list = [conflict('red-green', 'red', 'green', 3, 1), conflict('blue-civ', 'blue', null, 1, 50), conflict('blue-red', 'blue', 'red', 3, 30)];
  const ordered = orderAlerts(list.map((r) => item(r, blue)), blue);
  assert.deepEqual(ordered.map((a) => [a.id, a.group]), [['blue-red', 'own'], ['blue-civ', 'own'], ['red-green', 'cross']]);
  // The cell has no "own" group: a blue–blue alert is a same-party one, after cross-party.
  assert.equal(alertGroup(conflict('bb', 'blue', 'blue', 2, 1), 'conflict', cell), 'same');
  assert.equal(alertGroup(conflict('bb', 'blue', 'blue', 2, 1), 'conflict', blue), 'own');
  const cellOrder = orderAlerts([conflict('bb', 'blue', 'blue', 3, 1), conflict('br', 'blue', 'red', 1, 90)].map((r) => item(r, cell)), cell);
  assert.deepEqual(cellOrder.map((a) => a.id), ['br', 'bb']);
});

test('unacknowledged warnings first within a group, then level, then time to loss', () => {
  const list = [
    conflict('acked-warn', 'blue', 'red', 3, 5, { blue: true, red: true }),
    conflict('caution', 'blue', 'red', 2, 2),
    conflict('warn-late', 'blue', 'red', 3, 60),
    conflict('warn-soon', 'blue', 'red', 3, 20),
  ];
  assert.deepEqual(orderAlerts(list.map((r) => item(r, cell)), cell).map((a) => a.id), ['warn-soon', 'warn-late', 'acked-warn', 'caution']);
});

test('who may acknowledge what, and why not in plain words', () => {
  const br = conflict('br', 'blue', 'red', 3, 30);
  assert.deepEqual(ackableSides(br, 'conflict', cell), ['blue', 'red']);
  assert.deepEqual(ackableSides(br, 'conflict', blue), ['blue']);
  assert.deepEqual(ackableSides(br, 'conflict', monitor), []);
  assert.equal(ackRefusal(br, 'conflict', blue), null);
  assert.equal(ackRefusal(br, 'conflict', monitor), OBSERVER_REASON);
  assert.equal(ackRefusal(conflict('rg', 'red', 'green', 3, 30), 'conflict', blue), NOT_YOURS_REASON);
  const civil = conflict('cc', null, null, 3, 30);
  assert.deepEqual(civil.acks, {}, 'a civil–civil alert has no acks at all');
  assert.deepEqual(ackableSides(civil, 'conflict', cell), []);
  assert.equal(ackRefusal(civil, 'conflict', cell), CIVIL_REASON);
  assert.equal(ackRefusal(civil, 'conflict', monitor), CIVIL_REASON);
  const half = conflict('half', 'blue', 'red', 3, 30, { blue: true, red: false });
  assert.equal(ackRefusal(half, 'conflict', blue), DONE_REASON);
  assert.deepEqual(ackableSides(half, 'conflict', cell), ['red']);
  assert.equal(ackRefusal(conflict('both', 'blue', 'red', 3, 30, { blue: true, red: true }), 'conflict', cell), DONE_REASON);
  // Intrusions: the aircraft's owner (none for a civil aircraft) and the volume's owner.
  const intr = { id: 'i-1', track_party: null, volume_party: 'blue', level: 2, time_to_entry_s: 40, acks: { blue: false } };
  assert.equal(alertGroup(intr, 'intrusion', cell), 'party-civil');
  assert.deepEqual(ackableSides(intr, 'intrusion', cell), ['blue']);
});

test('A picks the most urgent alert the viewer can acknowledge, else says why', () => {
  const list = (rs, v) => orderAlerts(rs.map((r) => item(r, v)), v);
  // The cell names the first unacknowledged side, then the other.
  let pick = pickAcknowledge(list(raws(), cell), cell);
  assert.equal(pick.item.id, 'blue-red');
  assert.equal(pick.party, 'blue');
  const oneSide = raws().map((r) => (r.id === 'blue-red' ? { ...r, acks: { blue: true, red: false } } : r));
  pick = pickAcknowledge(list(oneSide, cell), cell);
  assert.deepEqual([pick.item.id, pick.party], ['blue-red', 'red']);
  // Both sides done: the next acknowledgeable one (party–civil), never a civil–civil one.
  const bothSides = raws().map((r) => (r.id === 'blue-red' ? { ...r, acks: { blue: true, red: true } } : r));
  pick = pickAcknowledge(list(bothSides, cell), cell);
  assert.equal(pick.item.id, 'blue-civ');
  // Only what nobody can acknowledge left: the reason for the most urgent one.
  const onlyCivil = [conflict('c1', null, null, 3, 9), conflict('c2', null, null, 1, 9)];
  pick = pickAcknowledge(list(onlyCivil, cell), cell);
  assert.deepEqual([pick.item.id, pick.reason], ['c1', CIVIL_REASON]);
  const doneAndCivil = [conflict('br', 'blue', 'red', 3, 30, { blue: true, red: true }), ...onlyCivil];
  pick = pickAcknowledge(list(doneAndCivil, cell), cell);
  assert.deepEqual([pick.item.id, pick.reason], ['br', DONE_REASON]);
  // A party acknowledges only its own side, without naming it.
  pick = pickAcknowledge(list([conflict('br', 'blue', 'red', 3, 30)], blue), blue);
  assert.deepEqual([pick.item.id, pick.party], ['br', null]);
  pick = pickAcknowledge(list([conflict('br', 'blue', 'red', 3, 30, { blue: true, red: false })], blue), blue);
  assert.equal(pick.reason, DONE_REASON);
  pick = pickAcknowledge(list([conflict('br', 'blue', 'red', 3, 30)], monitor), monitor);
  assert.equal(pick.reason, OBSERVER_REASON);
  assert.deepEqual(pickAcknowledge([], cell), { item: null, reason: null });
});
