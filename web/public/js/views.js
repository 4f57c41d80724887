// Where the map goes: the points `H` fits (the viewer's own aircraft and its alerts' aircraft,
// or everything), and the operator's saved views (name, centre, zoom), kept in localStorage
// per party. Pure functions over plain values and a Storage-like object, so they are tested
// without a browser.

/** A second `H` within this long fits every aircraft. */
export const SECOND_PRESS_MS = 2000;
/** At most this many saved views per party (Shift+1 … Shift+9 recall the first nine). */
export const MAX_SAVED_VIEWS = 20;

const position = (t) => (t && Number.isFinite(t.lon_deg) && Number.isFinite(t.lat_deg) ? [t.lon_deg, t.lat_deg] : null);

/**
 * The [lon, lat] points `H` fits for `viewer` ({party, role}), from `tracks` (Map or array of
 * tracks) and the alerts `alerts` (list items {kind, item, group} as the alert list orders
 * them; items in `skipGroups` are left out, e.g. collapsed civil–civil ones):
 * - a party: its own aircraft and both aircraft of each alert (an intrusion's or an active
 *   position discrepancy's aircraft);
 * - the cell and observers: the alerts' aircraft;
 * falling back to every aircraft when that gives nothing. `all` asks for every aircraft.
 * Returns {points, all} (`all`: every aircraft was taken).
 */
export function homePoints(tracks, alerts, viewer, { all = false, skipGroups = [] } = {}) {
  const list = tracks instanceof Map ? [...tracks.values()] : tracks;
  const byId = tracks instanceof Map ? tracks : new Map(list.map((t) => [t.id, t]));
  const everything = list.map(position).filter(Boolean);
  if (all) return { points: everything, all: true };
  const pts = [];
  if (viewer && viewer.role === 'party') {
    for (const t of list) if (t.party === viewer.party) pts.push(position(t));
  }
  for (const a of alerts) {
    if (skipGroups.includes(a.group)) continue;
    const x = a.item;
    if (a.kind === 'conflict') {
      pts.push(position(byId.get(x.a) || x.a_state), position(byId.get(x.b) || x.b_state));
    } else if (a.kind === 'discrepancy') {
      // An active position discrepancy: its aircraft (where the owner reports it).
      if (x.state !== 'cleared') pts.push(position(byId.get(x.track_id) || x.reported));
    } else {
      pts.push(position(byId.get(x.track_id) || x.track_state));
    }
  }
  const found = pts.filter(Boolean);
  return found.length ? { points: found, all: false } : { points: everything, all: true };
}

/**
 * Whether this `H` press fits everything: Shift+H, or a second press within SECOND_PRESS_MS of
 * a first that fitted the home view. `last` is the time of that first press (or null).
 */
export function fitsAll(nowMs, last, shift) {
  return shift || (last !== null && nowMs - last <= SECOND_PRESS_MS);
}

const key = (party) => `deconflict.views.${party || 'anonymous'}`;

/** The saved views of `party`: [{name, lon, lat, zoom}], in the order saved. */
export function loadViews(storage, party) {
  try {
    const list = JSON.parse(storage.getItem(key(party)) || '[]');
    return Array.isArray(list) ? list.filter((v) => v && typeof v.name === 'string' && [v.lon, v.lat, v.zoom].every(Number.isFinite)) : [];
  } catch {
    return [];
  }
}

function store(storage, party, list) {
  storage.setItem(key(party), JSON.stringify(list));
  return list;
}

/**
 * Saves `view` ({lon, lat, zoom}) under `name` (trimmed; a view of the same name is replaced
 * in place); returns the new list. Throws on an empty name or when the list is full.
 */
export function saveView(storage, party, name, view) {
  const n = String(name || '').trim();
  if (!n) throw new Error('give the view a name');
  const list = loadViews(storage, party);
  const entry = { name: n, lon: +view.lon.toFixed(5), lat: +view.lat.toFixed(5), zoom: +view.zoom.toFixed(3) };
  const i = list.findIndex((v) => v.name === n);
  if (i >= 0) list[i] = entry;
  else if (list.length >= MAX_SAVED_VIEWS) throw new Error(`at most ${MAX_SAVED_VIEWS} saved views; delete one first`);
  else list.push(entry);
  return store(storage, party, list);
}

/** Deletes the saved view `name`; returns the new list. */
export function deleteView(storage, party, name) {
  return store(storage, party, loadViews(storage, party).filter((v) => v.name !== name));
}
