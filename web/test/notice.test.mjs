// Advance notices (public/js/notice.js): their spans, routes and corridors, the words on the
// map, in the alert list (notice intrusions and crossings, which nobody acknowledges there),
// the styles, and the redraw key. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isNotice, hhmm, windowText, firstWords, noticeRoutes, noticeSpan, isLiveNotice, noticeLabel, routeLabel, waypointLabel, noticeSentence,
  noticeStyle, isNoticeIntrusion, noticeIntrusionText, crossingText, crossingId, crossingItems, noticeKey, routeSummary, CROSSING_REASON,
  DEFAULT_TIME_MARGIN_S,
} from '../public/js/notice.js';
import { alertGroup, ackParties, ackableSides, unackedFor, ackRefusal, pickAcknowledge, orderAlerts } from '../public/js/alert-groups.js';
import { PARTY } from '../public/js/palette.js';

const T0 = Date.UTC(2026, 0, 1, 14, 0, 0) / 1000; // 14:00 UTC
const BOX = { type: 'polygon', coordinates: [[37.6, 36.5], [38.0, 36.5], [38.0, 36.9], [37.6, 36.9]] };
const vol = (start, end, lower = 15000, upper = 20000) => ({ shape: BOX, lower_ft: lower, upper_ft: upper, start_time: start, end_time: end });
const wp = (lat, lon, alt, time) => ({ lat_deg: lat, lon_deg: lon, alt_ft: alt, time });

function notice(over = {}) {
  return {
    id: 'q-5', kind: 'notice', from: 'red', to: null, state: 'pending', version: 1,
    message: 'Strike package in the northern corridor, expect fast movers',
    volumes: [vol(T0, T0 + 7200)],
    routes: [
      { name: 'HAWK 1 ingress', waypoints: [wp(36, 37, 18000, T0 + 300), wp(36.3, 37.4, 20000, T0 + 900), wp(36.6, 37.8, 22000, T0 + 1500)], half_width_m: 4630, half_height_ft: 1000 },
      { waypoints: [wp(36.6, 37.8, 22000, T0 + 3000), wp(36, 37, 18000, T0 + 3600)], half_width_m: 4630, half_height_ft: 1000, time_margin_s: 120 },
    ],
    // The server's corridors: two legs of the first route, one of the second.
    route_volumes: [vol(T0, T0 + 1200, 17000, 21000), vol(T0 + 600, T0 + 1800, 19000, 23000), vol(T0 + 2700, T0 + 3900, 17000, 23000)],
    crossings: [{ reservation_id: 'r-3', party: 'blue', name: 'Blue CAP north', volume_index: 0, other_volume_index: 0, lower_ft: 15000, upper_ft: 20000, start_time: T0, end_time: T0 + 3600, area_m2: 1.2e9, geometry: { type: 'Polygon', coordinates: [[[37.6, 36.5], [38, 36.5], [38, 36.9], [37.6, 36.5]]] } }],
    ...over,
  };
}

test('a notice, its routes with their corridors, and its span', () => {
  const q = notice();
  assert.ok(isNotice(q) && !isNotice({ kind: 'vacate' }));
  const rs = noticeRoutes(q);
  assert.equal(rs.length, 2);
  assert.equal(rs[0].legs.length, 2);
  assert.equal(rs[1].legs.length, 1);
  assert.deepEqual([rs[0].start, rs[0].end, rs[1].start, rs[1].end], [T0, T0 + 1800, T0 + 2700, T0 + 3900]);
  // Without corridors from the server: the waypoints' times widened by the route's margin.
  const bare = noticeRoutes({ ...q, route_volumes: [] });
  assert.deepEqual([bare[0].start, bare[0].end], [T0 + 300 - DEFAULT_TIME_MARGIN_S, T0 + 1500 + DEFAULT_TIME_MARGIN_S]);
  assert.deepEqual([bare[1].start, bare[1].end], [T0 + 3000 - 120, T0 + 3600 + 120]);
  assert.deepEqual(noticeSpan(q), { start: T0, end: T0 + 7200 });
  assert.deepEqual(noticeSpan({ ...q, volumes: [], routes: [], route_volumes: [] }), null);
  assert.ok(isLiveNotice(q, T0 + 7199) && !isLiveNotice(q, T0 + 7200));
  // A notice that only links a reservation has no airspace of its own to draw.
  assert.ok(!isLiveNotice({ id: 'q-2', kind: 'notice', from: 'red', reservation_id: 'r-3' }, T0));
});

test('the map\'s words: the label, the route\'s label, the waypoints, the full sentence', () => {
  const q = notice();
  assert.equal(hhmm(T0 + 305), '14:05');
  assert.equal(windowText(T0, T0 + 7200), '14:00–16:00 UTC');
  assert.equal(firstWords('Strike package in the northern corridor, expect fast movers'), 'Strike package in the northern…');
  assert.equal(firstWords('Short one'), 'Short one');
  assert.equal(firstWords('Supercalifragilisticexpialidocious-and-then-some more', 5, 20), 'Supercalifragilisti…');
  assert.equal(firstWords(''), '');
  assert.equal(noticeLabel(q, q.volumes[0]), 'NOTICE · red: Strike package in the northern… · 14:00–16:00 UTC');
  assert.equal(noticeLabel({ ...q, message: '' }, q.volumes[0]), 'NOTICE · red · 14:00–16:00 UTC');
  const rs = noticeRoutes(q);
  assert.equal(routeLabel(q, rs[0]), 'NOTICE · red: HAWK 1 ingress · 14:05–14:25 UTC');
  assert.equal(routeLabel(q, rs[1]), 'NOTICE · red: Strike package in the northern… · 14:50–15:00 UTC');
  assert.equal(waypointLabel(q.routes[0].waypoints[0]), '14:05 FL180');
  assert.equal(waypointLabel(wp(36, 37, 4500, T0 + 900)), '14:15 4500ft');
  assert.equal(noticeSentence(q), "red's notice q-5 to everyone: Strike package in the northern corridor, expect fast movers · 1 volume, 2 routes · 14:00–16:00 UTC");
  assert.equal(noticeSentence({ id: 'q-2', kind: 'notice', from: 'red', to: 'blue', message: 'm', reservation_id: 'r-3' }), "red's notice q-2 to blue: m · reservation r-3");
  assert.equal(routeSummary(rs[0]), 'HAWK 1 ingress · 3 waypoints · 14:05–14:25 UTC · FL180–FL220');
  assert.equal(routeSummary(rs[1]), 'route 2 · 2 waypoints · 14:50–15:00 UTC · FL180–FL220');
});

test('styles: dotted volumes with a light fill, fainter corridors, a dash-dotted route line, in the sender\'s colour', () => {
  const v = noticeStyle('notice', PARTY.red);
  const c = noticeStyle('corridor', PARTY.red);
  const r = noticeStyle('route', PARTY.red);
  assert.equal(v.colour, PARTY.red);
  assert.deepEqual(v.dash, [2, 4]);
  assert.equal(v.hatch, null);
  assert.ok(parseInt(v.fillAlpha, 16) <= 0x10, 'a light fill');
  assert.ok(parseInt(c.fillAlpha, 16) < parseInt(v.fillAlpha, 16) && c.lineWidth < v.lineWidth, 'corridors fainter than volumes');
  assert.equal(r.dash.length, 4, 'the route dash-dotted');
  assert.equal(noticeStyle('whatever', '#fff').kind, 'notice');
});

test('a notice intrusion is an advisory in its own words, counting down', () => {
  const q = notice();
  const i = {
    id: 'i-9-1', track_id: 'AE1041', track_party: 'blue', reservation_id: 'q-5', reservation_name: 'Notice q-5', volume_party: 'red', purpose: 'notice',
    volume_index: 0, time_to_entry_s: 200, inside_now: false, level: 1, state: 'raised', raised_at: T0, updated_at: T0, track_state: { callsign: 'RAVEN51' }, acks: { blue: false },
  };
  assert.ok(isNoticeIntrusion(i));
  assert.ok(isNoticeIntrusion({ ...i, purpose: undefined }), 'known by its q- id');
  assert.ok(!isNoticeIntrusion({ ...i, purpose: 'exclusion', reservation_id: 'r-4' }));
  assert.equal(noticeIntrusionText(i, q, T0, 'RAVEN51'), "NOTICE · RAVEN51 predicted to cross red's notice q-5 in 3:20");
  assert.equal(noticeIntrusionText(i, q, T0 + 20, null), "NOTICE · RAVEN51 predicted to cross red's notice q-5 in 3:00");
  assert.equal(noticeIntrusionText({ ...i, inside_now: true }, null, T0, 'RAVEN51'), "NOTICE · RAVEN51 is crossing red's notice q-5 now");
  // No word of compliance or intrusion in it.
  assert.ok(!/COMPLIANCE|INSIDE|intrusion/i.test(noticeIntrusionText(i, q, T0, 'RAVEN51')));
});

test('crossings: advisory entries for the recipient, in words for whoever reads them, that nobody acknowledges in the list', () => {
  const q = notice();
  const c = q.crossings[0];
  assert.equal(crossingText(c, q, 'blue'), "NOTICE · your reservation r-3 (Blue CAP north) crosses red's notice q-5, 14:00–15:00 UTC, FL150–FL200");
  assert.equal(crossingText(c, q, 'red'), "NOTICE · blue's reservation r-3 (Blue CAP north) crosses your notice q-5, 14:00–15:00 UTC, FL150–FL200");
  assert.equal(crossingText(c, q, 'cell'), "NOTICE · blue's reservation r-3 (Blue CAP north) crosses red's notice q-5, 14:00–15:00 UTC, FL150–FL200");
  assert.equal(crossingId(q, c), 'q-5×r-3#0.0');
  const items = crossingItems(new Map([[q.id, q], ['q-1', { id: 'q-1', kind: 'vacate' }]]), T0 - 600);
  assert.equal(items.length, 1);
  assert.deepEqual({ kind: items[0].kind, level: items[0].level, t: items[0].t, from: items[0].item.from, notice: items[0].item.notice_id }, { kind: 'crossing', level: 1, t: 600, from: 'red', notice: 'q-5' });
  assert.deepEqual(crossingItems([q], T0 + 3600), [], 'gone when it ends');
  // The recipient's own group; nobody acknowledges it there, and A passes over it, saying why.
  const blue = { party: 'blue', role: 'party' };
  const cell = { party: 'cell', role: 'cell' };
  assert.equal(alertGroup(items[0].item, 'crossing', blue), 'own');
  assert.equal(alertGroup(items[0].item, 'crossing', cell), 'cross');
  assert.deepEqual(ackParties(items[0].item, 'crossing'), []);
  assert.deepEqual(ackableSides(items[0].item, 'crossing', cell), []);
  assert.equal(unackedFor(items[0].item, 'crossing', blue), false);
  assert.equal(unackedFor(items[0].item, 'crossing', cell), false);
  assert.equal(ackRefusal(items[0].item, 'crossing', blue), CROSSING_REASON);
  const pick = pickAcknowledge(orderAlerts(items, blue), blue);
  assert.equal(pick.reason, CROSSING_REASON);
});

test('the redraw key changes with what the map and list show of the notices, not otherwise', () => {
  const q = notice();
  const k = noticeKey([q], T0);
  assert.equal(noticeKey([{ ...q }], T0), k);
  assert.notEqual(noticeKey([{ ...q, version: 2 }], T0), k);
  assert.notEqual(noticeKey([{ ...q, crossings: [] }], T0), k);
  assert.equal(noticeKey([{ id: 'q-1', kind: 'vacate' }], T0), '');
  assert.notEqual(noticeKey([q], T0 + 7200), k, 'ended: no longer drawn');
});
