// Exclusions, compliance and contested volumes (public/js/exclusion.js): the words on the map,
// in the alert list, banner and card, the countdowns, when an intrusion reads as compliance,
// the requests' compliance status kept over frames, when to poll, the contested volumes and
// the map's styles. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isExclusion, exclusionLink, exclusionEnd, isLiveExclusion, deadlinePhase, untilText, inText, exclusionLabel, exclusionSentence,
  exclusionOfIntrusion, isCompliance, complianceText, intrusionText, mergeRequest, requestDeadline, needsCompliancePoll,
  complianceLines, isContested, contestedLabel, clip, volumeStyle, contestedKey, CONTESTED_REASON_MAX, COMPLIANCE_POLL_MS,
} from '../public/js/exclusion.js';
import { alertGroup, unackedFor } from '../public/js/alert-groups.js';
import { store } from '../public/js/store.js';
import { ZONE, PARTY, LEVEL, colourDistance, NEAR_DE00 } from '../public/js/palette.js';
import { partyColour } from '../public/js/util.js';

const T0 = Date.UTC(2026, 0, 1, 14, 0, 18) / 1000; // 14:00:18 UTC
const DEADLINE = T0 + 462; // 14:08:00 UTC: "in 7:42" at T0
const BOX = { type: 'polygon', coordinates: [[37.6, 36.5], [38.0, 36.5], [38.0, 36.9], [37.6, 36.9]] };

/** Red's exclusion r-4 that blue's acceptance of q-1 created. */
function exclusion({ deadline = DEADLINE, end = T0 + 18000, state = 'accepted' } = {}) {
  return {
    id: 'r-4', party: 'red', purpose: 'exclusion', priority: 5, state, version: 1, name: 'Exclusion: blue keeps out (q-1)',
    volumes: [{ shape: BOX, lower_ft: 15000, upper_ft: 25000, start_time: deadline, end_time: end }],
    exclusion: { request_id: 'q-1', watch_party: 'blue', deadline },
  };
}

/** The compliance alert on RAVEN51 as the server raises it at `at`: time to the deadline as time to entry. */
function intrusion({ at = T0, level = 1, inside = false, tte = DEADLINE - T0 } = {}) {
  return {
    id: 'i-1796-7', track_id: 'AE1041', track_party: 'blue', reservation_id: 'r-4', reservation_name: 'Exclusion: blue keeps out (q-1)',
    volume_party: 'red', purpose: 'exclusion', volume_index: 0, time_to_entry_s: tte, inside_now: inside,
    entry_point: { lat_deg: 36.68, lon_deg: 37.76, alt_ft: 16000 }, level, state: 'raised', raised_at: at, updated_at: at, cleared_at: null,
    track_state: { id: 'AE1041', callsign: 'RAVEN51', lat_deg: 36.68, lon_deg: 37.76, alt_ft: 16000 }, acks: { blue: false, red: false },
  };
}

/** Red's vacate request to blue: `state`, with its volume's window and, when accepted, its exclusion and status. */
function request({ id = 'q-1', state = 'accepted', start = DEADLINE, end = T0 + 18000, contested = false, reason = null, compliance, exclusion_id = 'r-4' } = {}) {
  return {
    id, kind: 'vacate', from: 'red', to: 'blue', reservation_id: 'r-3', message: 'Keep out', state, reason,
    volume: { shape: BOX, lower_ft: 15000, upper_ft: 25000, start_time: start, end_time: end },
    expires_at: T0 + 3600, created_at: T0 - 60, updated_at: T0, answered_at: state === 'pending' ? null : T0, answered_by: state === 'pending' ? null : 'blue',
    acks: [], version: 2, contested,
    ...(state === 'accepted' ? { exclusion_id } : {}),
    ...(compliance !== undefined ? { compliance } : {}),
  };
}

const STATUS = {
  exclusion_id: 'r-4', deadline: DEADLINE, compliant: false,
  aircraft: [{ track_id: 'AE1041', callsign: 'RAVEN51', inside_now: false, time_to_entry_s: 462, level: 1, expected_exit: null }],
};

test('an exclusion is known by its purpose; its link, end and whether it is live', () => {
  const r = exclusion();
  assert.ok(isExclusion(r));
  assert.ok(!isExclusion({ ...r, purpose: 'operation' }));
  assert.ok(!isExclusion(null));
  assert.deepEqual(exclusionLink(r), { request_id: 'q-1', watch_party: 'blue', deadline: DEADLINE });
  // Without its link the first volume's start is the deadline.
  assert.equal(exclusionLink({ ...r, exclusion: undefined }).deadline, DEADLINE);
  assert.equal(exclusionLink({ ...r, purpose: 'training' }), null);
  assert.equal(exclusionEnd(r), T0 + 18000);
  assert.ok(isLiveExclusion(r, T0));
  assert.ok(!isLiveExclusion(r, T0 + 18000), 'over at its end');
  assert.ok(!isLiveExclusion({ ...r, state: 'cancelled' }, T0));
});

test('countdowns: m:ss rounded up, h:mm:ss from an hour, then the words after', () => {
  assert.equal(untilText(462), '7:42');
  assert.equal(untilText(461.2), '7:42');
  assert.equal(untilText(5), '0:05');
  assert.equal(untilText(0), '0:00');
  assert.equal(untilText(-3), '0:00');
  assert.equal(untilText(3723), '1:02:03');
  assert.equal(inText(DEADLINE, T0), 'in 7:42');
  assert.equal(inText(DEADLINE, DEADLINE), 'in force');
  assert.equal(inText(DEADLINE, DEADLINE + 1, 'due now'), 'due now');
  assert.equal(deadlinePhase(DEADLINE, DEADLINE - 0.5), 'pending');
  assert.equal(deadlinePhase(DEADLINE, DEADLINE), 'in-force');
  assert.equal(deadlinePhase(null, T0), 'in-force');
});

test('the map label counts down to the deadline, then says in force', () => {
  const r = exclusion();
  assert.equal(exclusionLabel(r, T0), 'EXCLUSION · blue out by 14:08:00 UTC · in 7:42');
  assert.equal(exclusionLabel(r, T0 + 1), 'EXCLUSION · blue out by 14:08:00 UTC · in 7:41');
  assert.equal(exclusionLabel(r, DEADLINE - 0.4), 'EXCLUSION · blue out by 14:08:00 UTC · in 0:01');
  assert.equal(exclusionLabel(r, DEADLINE), 'EXCLUSION · blue out by 14:08:00 UTC · in force');
  assert.equal(exclusionLabel(r, DEADLINE + 600), 'EXCLUSION · blue out by 14:08:00 UTC · in force');
  assert.equal(exclusionLabel({ ...r, purpose: 'operation' }, T0), '');
  assert.equal(exclusionSentence(r, T0), "red's exclusion r-4: blue keeps its aircraft out from 14:08:00 UTC (in 7:42), accepted request q-1");
});

test('an intrusion on an exclusion before its deadline reads as compliance; after it, as an intrusion', () => {
  const x = exclusion();
  const i = intrusion();
  assert.ok(isCompliance(i, x, T0));
  assert.equal(complianceText(i, x, T0, 'RAVEN51'), "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 7:42)");
  assert.equal(complianceText(i, x, T0 + 402), "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 1:00)", 'the callsign from the alert');
  assert.equal(intrusionText(i, x, T0 + 402, 'RAVEN51'), "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 1:00)");
  // From the deadline the server says inside_now, level 3, and the usual words come back.
  const after = intrusion({ at: DEADLINE + 2, level: 3, inside: true, tte: 0 });
  assert.ok(!isCompliance(after, x, DEADLINE + 2));
  assert.equal(intrusionText(after, x, DEADLINE + 2, 'RAVEN51'), 'RAVEN51 INSIDE Exclusion: blue keeps out (q-1)');
  // One predicted to enter after the deadline: "entering … in m:ss", counting down from its update.
  const entering = intrusion({ at: DEADLINE + 10, level: 2, tte: 150 });
  assert.equal(intrusionText(entering, x, DEADLINE + 40, 'RAVEN51'), 'RAVEN51 entering Exclusion: blue keeps out (q-1) in 2:00');
  // An intrusion into anything else is never compliance.
  assert.ok(!isCompliance(i, { ...x, purpose: 'operation' }, T0));
  assert.ok(!isCompliance(i, null, T0));
});

test('the exclusion of an intrusion: the reservation, or the accepted request before its reservation frame comes', () => {
  const i = intrusion();
  const x = exclusion();
  assert.equal(exclusionOfIntrusion(i, new Map([['r-4', x]])), x);
  assert.equal(exclusionOfIntrusion(i, [x]), x);
  assert.equal(exclusionOfIntrusion({ ...i, reservation_id: 'r-1' }, new Map([['r-1', { ...x, id: 'r-1', purpose: 'hazard' }]])), null, 'a zone is no exclusion');
  const fromRequest = exclusionOfIntrusion(i, new Map(), new Map([['q-1', request()]]));
  assert.equal(fromRequest.id, 'r-4');
  assert.deepEqual(fromRequest.exclusion, { request_id: 'q-1', watch_party: 'blue', deadline: DEADLINE });
  assert.ok(isCompliance(i, fromRequest, T0));
  // Accepted after the volume's start: the acceptance is the deadline.
  const late = exclusionOfIntrusion(i, new Map(), [{ ...request({ start: T0 - 100 }), answered_at: T0 }]);
  assert.equal(late.exclusion.deadline, T0);
  assert.equal(exclusionOfIntrusion(i, new Map(), []), null);
});

test('a compliance alert is in both parties\' own group and waits for each one\'s ACK', () => {
  const i = intrusion();
  assert.equal(alertGroup(i, 'intrusion', { party: 'blue', role: 'party' }), 'own');
  assert.equal(alertGroup(i, 'intrusion', { party: 'red', role: 'party' }), 'own');
  assert.equal(alertGroup(i, 'intrusion', { party: 'cell', role: 'cell' }), 'cross');
  assert.ok(unackedFor(i, 'intrusion', { party: 'blue', role: 'party' }));
  assert.ok(!unackedFor({ ...i, acks: { blue: true, red: false } }, 'intrusion', { party: 'blue', role: 'party' }));
});

test('frames and answers keep the compliance status the last list gave', () => {
  const listed = request({ compliance: STATUS });
  const frame = request();
  assert.equal(frame.compliance, undefined);
  assert.deepEqual(mergeRequest(listed, frame).compliance, STATUS);
  // A newer status from a list replaces it.
  const newer = { ...STATUS, compliant: true, aircraft: [] };
  assert.deepEqual(mergeRequest(listed, request({ compliance: newer })).compliance, newer);
  // Not kept on a request that is no longer accepted, nor for another exclusion.
  assert.equal(mergeRequest(listed, request({ state: 'declined' })).compliance, undefined);
  assert.equal(mergeRequest(listed, request({ exclusion_id: 'r-9' })).compliance, undefined);
  assert.equal(mergeRequest(undefined, frame), frame);
  // The store does it for request frames.
  store.requests.clear();
  store.replace('requests', [listed]);
  store.upsert('requests', frame);
  assert.deepEqual(store.requests.get('q-1').compliance, STATUS);
  store.requests.clear();
});

test('the compliance status is polled while a deadline is ahead or aircraft are still listed', () => {
  const res = new Map([['r-4', exclusion()]]);
  assert.ok(COMPLIANCE_POLL_MS <= 5000, 'every few seconds');
  assert.equal(requestDeadline(request({ compliance: STATUS }), res), DEADLINE);
  assert.equal(requestDeadline(request(), res), DEADLINE, 'from the exclusion before a status came');
  assert.equal(requestDeadline(request({ state: 'pending' }), res), null);
  assert.ok(needsCompliancePoll([request({ compliance: STATUS })], res, T0), 'deadline ahead');
  assert.ok(needsCompliancePoll([request()], new Map(), T0), 'accepted, nothing known yet');
  assert.ok(needsCompliancePoll([request({ compliance: STATUS })], res, DEADLINE + 30), 'after the deadline, still listed');
  assert.ok(!needsCompliancePoll([request({ compliance: { ...STATUS, compliant: true, aircraft: [] } })], res, DEADLINE + 30), 'after the deadline, all out');
  assert.ok(!needsCompliancePoll([request({ compliance: STATUS })], new Map([['r-4', exclusion({ state: 'cancelled' })]]), T0), 'exclusion cancelled');
  assert.ok(!needsCompliancePoll([request({ state: 'pending' }), request({ state: 'declined', contested: true })], res, T0), 'nothing accepted');
  assert.ok(!needsCompliancePoll([], res, T0));
});

test('the compliance status in words: who is inside or predicted inside, and when each is expected out', () => {
  const c = complianceLines(STATUS, 'blue', T0);
  assert.equal(c.head, 'NOT COMPLIANT · 1 blue aircraft inside or predicted inside at 14:08:00 UTC');
  assert.equal(c.compliant, false);
  assert.deepEqual(c.aircraft.map((a) => [a.track_id, a.text, a.exit, a.exitText]), [
    ['AE1041', 'RAVEN51 predicted inside at the deadline · ADVISORY', null, 'not expected to leave on its current path before the exclusion ends'],
  ]);
  const exiting = complianceLines({ ...STATUS, aircraft: [{ ...STATUS.aircraft[0], level: 2, expected_exit: DEADLINE + 90, callsign: null }] }, 'blue', T0, (id) => (id === 'AE1041' ? 'RAVEN51' : null));
  assert.equal(exiting.aircraft[0].text, 'RAVEN51 predicted inside at the deadline · CAUTION');
  assert.equal(exiting.aircraft[0].exitText, 'expected out at 14:09:30 UTC on its current path');
  const inside = complianceLines({ ...STATUS, aircraft: [{ ...STATUS.aircraft[0], inside_now: true, level: 3, time_to_entry_s: 0 }] }, 'blue', DEADLINE + 5);
  assert.equal(inside.head, 'NOT COMPLIANT · 1 blue aircraft inside after the deadline');
  assert.equal(inside.aircraft[0].text, 'RAVEN51 inside now · WARNING');
  const ok = complianceLines({ ...STATUS, compliant: true, aircraft: [] }, 'blue', T0);
  assert.equal(ok.head, 'COMPLIANT · no blue aircraft inside or predicted inside at the deadline');
  assert.ok(ok.compliant);
  assert.equal(complianceLines(null, 'blue', T0), null);
});

test('contested volumes: declined or expired vacate requests until their volume ends, with the reason', () => {
  const declined = request({ id: 'q-3', state: 'declined', contested: true, reason: 'Package airborne, cannot vacate before 1400Z', start: T0 + 600, end: T0 + 3600 });
  assert.ok(isContested(declined, T0));
  assert.ok(!isContested(declined, T0 + 3600), 'gone when its volume ends');
  assert.ok(!isContested({ ...declined, contested: false }, T0), 'gone when the server says so');
  assert.ok(!isContested({ ...declined, kind: 'notice' }, T0));
  assert.ok(!isContested({ ...declined, volume: null }, T0));
  assert.equal(contestedLabel(declined, Infinity), "CONTESTED · red's request q-3 declined by blue: Package airborne, cannot vacate before 1400Z");
  assert.equal(contestedLabel(declined), "CONTESTED · red's request q-3 declined by blue: Package airborne, cannot vacate before 1400Z");
  const long = { ...declined, reason: 'We hold this airspace for a scheduled exercise agreed with the cell last week and cannot move' };
  const label = contestedLabel(long);
  assert.ok(label.endsWith('…') && label.length <= "CONTESTED · red's request q-3 declined by blue: ".length + CONTESTED_REASON_MAX, label);
  assert.equal(clip('  a   b  ', 10), 'a b');
  const expired = request({ id: 'q-5', state: 'expired', contested: true });
  assert.equal(contestedLabel(expired), "CONTESTED · red's request q-5 unanswered by blue (expired)");
  // The map redraws when the contested set changes, not when the list is merely reloaded.
  const k1 = contestedKey([declined, request()], T0);
  assert.equal(contestedKey([request(), { ...declined }], T0), k1);
  assert.notEqual(contestedKey([declined], T0 + 3600), k1);
  assert.notEqual(contestedKey([{ ...declined, reason: 'other' }], T0), k1);
  assert.equal(contestedKey([], T0), '');
});

test('the map\'s styles: exclusions cross-hatched in the requester\'s colour, contested dashed warm grey', () => {
  const red = partyColour('red');
  const ex = volumeStyle('exclusion', { colour: red, phase: 'pending' });
  assert.equal(ex.colour, PARTY.red);
  assert.equal(ex.hatch, 'cross');
  assert.ok(ex.dash.length > 0, 'dash-dotted until the deadline');
  const inForce = volumeStyle('exclusion', { colour: red, phase: 'in-force' });
  assert.deepEqual(inForce.dash, [], 'solid from it');
  assert.ok(inForce.lineWidth > ex.lineWidth - 1e-9);
  const plain = volumeStyle('reservation', { colour: red });
  assert.equal(plain.hatch, null);
  assert.deepEqual(plain.dash, []);
  assert.deepEqual(volumeStyle('reservation', { colour: red, proposed: true }).dash, [6, 4]);
  assert.equal(volumeStyle('hazard', { colour: ZONE.hazard }).hatch, 'diagonal');
  const co = volumeStyle('contested', { colour: ZONE.contested });
  assert.equal(co.hatch, null);
  assert.ok(co.dash.length === 2 && co.dash[0] > 0);
  // Four different looks.
  const looks = new Set([ex, plain, volumeStyle('hazard', { colour: ZONE.hazard }), co].map((s) => `${s.hatch}|${s.dash.join(',')}|${s.colour}`));
  assert.equal(looks.size, 4);
  // The contested colour is no alert colour and no party's.
  for (const c of [LEVEL.advisory, LEVEL.caution, LEVEL.warning, PARTY.blue, PARTY.red, ZONE.hazard]) {
    assert.ok(colourDistance(ZONE.contested, c) >= NEAR_DE00, `contested ${ZONE.contested} vs ${c}: ${colourDistance(ZONE.contested, c).toFixed(1)}`);
  }
});
