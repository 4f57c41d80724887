// One conflict's encounter as the console shows it this second, for every view that shows it
// (the alert list, the banner, the details card): the times counted down from the latest
// prediction, the geometry of both aircraft as the map draws them, and the phase.

import { store } from './store.js';
import { pairGeometry, encounterTimes, encounterPhase, encounterText } from './encounter.js';

/** An aircraft's state with the position the map draws now, or null. */
export function stateNow(id) {
  const t = store.tracks.get(id) || store.alertOnlyState(id);
  const d = store.displayed(id);
  if (!t || !d) return null;
  return { ...t, lat_deg: d.lat_deg, lon_deg: d.lon_deg, age_s: d.age_s, via_alert: d.via_alert };
}

/** {times, geom, phase, text} of a conflict now (geometry from `a`'s side to `b`'s). */
export function encounterNow(c, own = c.a) {
  const other = own === c.a ? c.b : c.a;
  const so = stateNow(own);
  const sx = stateNow(other);
  const geom = pairGeometry(so, sx);
  const times = encounterTimes(c, store.now(), store.conflictNow.get(c.id));
  const phase = encounterPhase(times, geom);
  return { times, geom, phase, text: encounterText(times, phase), own, other, so, sx };
}
