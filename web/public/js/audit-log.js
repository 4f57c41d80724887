// The audit view's pure part: entries newest first, their times with seconds, the object an
// entry concerns, the actor and action filters, shortened hashes, and finding the newest
// sequence number when the API pages only forwards (GET /api/v1/audit?after=&limit=).

/** UTC "HH:MM:SSZ" for a time on the same UTC day as `nowS`, else "YYYY-MM-DD HH:MM:SSZ". */
export function auditTime(t, nowS) {
  if (t === null || t === undefined || Number.isNaN(Number(t))) return '—';
  const iso = new Date(Number(t) * 1000).toISOString();
  const today = new Date(nowS * 1000).toISOString().slice(0, 10);
  const day = iso.slice(0, 10);
  return day === today ? `${iso.slice(11, 19)}Z` : `${day} ${iso.slice(11, 19)}Z`;
}

/** Fields an entry may name its object by, in order of preference. */
const OBJECT_FIELDS = ['object', 'object_id', 'subject', 'target', 'alert_id', 'conflict_id', 'intrusion_id', 'reservation_id', 'request_id', 'message_id', 'region_id', 'exemption_id', 'token_id', 'party'];

/**
 * What an entry concerns: `{ id, kind }`, `id` from the entry's own object field when it has
 * one (null otherwise), `kind` the action without its verb (`reservation.file` →
 * `reservation`, `safety.exemption.declare` → `safety.exemption`).
 */
export function auditObject(e) {
  const action = String(e.action || '');
  const kind = action.includes('.') ? action.slice(0, action.lastIndexOf('.')) : action;
  for (const f of OBJECT_FIELDS) {
    const v = e[f];
    if (v !== undefined && v !== null && v !== '' && typeof v !== 'object') return { id: String(v), kind };
    if (v && typeof v === 'object' && (v.id !== undefined)) return { id: String(v.id), kind: v.kind || kind };
  }
  return { id: null, kind };
}

/** Entries sorted newest first (highest sequence number first). */
export function newestFirst(entries) {
  return [...entries].sort((a, b) => b.seq - a.seq);
}

/** The distinct values of a field, sorted (for the filter selects). */
export function distinct(entries, field) {
  return [...new Set(entries.map((e) => e[field]).filter((v) => v !== undefined && v !== null))].sort();
}

/** Entries matching the filters (`''` or missing matches all). */
export function filterEntries(entries, { actor = '', action = '' } = {}) {
  return entries.filter((e) => (!actor || e.actor === actor) && (!action || e.action === action));
}

/** The first characters of a hash with an ellipsis ("a0406d6a…"). */
export function shortHash(hash, chars = 8) {
  const s = String(hash || '');
  return s.length > chars ? `${s.slice(0, chars)}…` : s;
}

/**
 * The newest sequence number (0 for an empty log). `probe(after)` resolves to whether an entry
 * with a sequence number above `after` exists (GET /audit?after=…&limit=1). Sequence numbers
 * start at 1 without gaps, so doubling then halving finds it in about 2·log2(n) probes.
 * `start` is a sequence number known to exist (0 when none is known).
 */
export async function findNewestSeq(probe, start = 0) {
  // Invariant: an entry above `lo` exists, none above `hi`.
  if (start <= 0 && !(await probe(0))) return 0;
  let lo = start > 0 ? start - 1 : 0;
  let step = Math.max(256, start);
  let hi = lo + step;
  while (await probe(hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await probe(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
