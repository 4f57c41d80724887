// An intruder the viewer's sharing rights hide is shown where it is now: the server's
// alert_tracks frames move it, it dead-reckons between them, and it leaves with its alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { store } from '../public/js/store.js';

const conflict = (state = 'raised') => ({
  id: 'c-1-1', a: 'AE1001', b: '150A21', a_party: 'blue', b_party: 'red', level: 2, state,
  acks: { blue: false, red: false },
  b_state: { id: '150A21', party: 'red', lat_deg: 36.0, lon_deg: 37.0, gs_kt: 450, trk_deg: 90, last_update: 1000 },
});
const red = (lon, t) => ({ id: '150A21', party: 'red', lat_deg: 36.0, lon_deg: lon, alt_ft: 25000, gs_kt: 450, trk_deg: 90, last_update: t });

test('alert tracks move a hidden intruder and drop it when the alert clears', () => {
  store.applySnapshot({ time: 1000, tracks: [{ id: 'AE1001', party: 'blue', lat_deg: 36.0, lon_deg: 38.0, gs_kt: 450, trk_deg: 270, last_update: 1000 }], conflicts: [conflict()], intrusions: [] });
  assert.equal(store.tracks.has('150A21'), false, 'not in blue\'s picture before any alert_tracks frame');
  store.applyAlertTracks({ type: 'alert_tracks', time: 1030, tracks: [red(37.2, 1030)] });
  const t = store.tracks.get('150A21');
  assert.ok(t && t.viaAlert, 'shown as a track known via the alert');
  assert.equal(t.lon_deg, 37.2, 'at its current position, not the one captured at alert time');
  // Dead-reckoned between frames like any track: 450 kt east for 10 s.
  const [lon] = store.position(t, 1040);
  assert.ok(lon > 37.2 + 0.015 && lon < 37.2 + 0.03, `dead-reckoned east: ${lon}`);
  store.applyAlertTracks({ type: 'alert_tracks', time: 1031, tracks: [red(37.21, 1031)] });
  assert.equal(store.tracks.get('150A21').lon_deg, 37.21);
  // An aircraft not in one of the viewer's alerts is never taken from such a frame.
  store.applyAlertTracks({ type: 'alert_tracks', time: 1032, tracks: [red(37.22, 1032), { ...red(40, 1032), id: 'OTHER' }] });
  assert.equal(store.tracks.has('OTHER'), false);
  // The alert clears: the intruder leaves at once, before the next (empty) alert_tracks frame.
  store.applyConflict('cleared', conflict('cleared'));
  assert.equal(store.tracks.has('150A21'), false);
  assert.equal(store.tracks.has('AE1001'), true, 'own aircraft stay');
  store.applyAlertTracks({ type: 'alert_tracks', time: 1033, tracks: [] });
  assert.equal(store.alertOnlyIds.size, 0);
});

test('an intruder that enters the picture is no longer marked as known via the alert', () => {
  store.applySnapshot({ time: 2000, tracks: [], conflicts: [conflict()], intrusions: [] });
  store.applyAlertTracks({ type: 'alert_tracks', time: 2001, tracks: [red(37.0, 2001)] });
  assert.ok(store.tracks.get('150A21').viaAlert);
  store.applyDelta({ time: 2002, upsert: [red(37.01, 2002)], remove: [] });
  assert.equal(store.tracks.get('150A21').viaAlert, false);
  store.applyAlertTracks({ type: 'alert_tracks', time: 2003, tracks: [] });
  assert.equal(store.tracks.has('150A21'), true, 'a picture track is not dropped with the alert tracks');
});
