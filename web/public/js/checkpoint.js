// Watching the cell's signed audit checkpoints, as Certificate Transparency monitors watch a log:
// the console keeps the latest checkpoint it has seen (the cell's Ed25519-signed statement that
// its audit log had `seq` entries, the last with hash `head_hash`) and warns when the log stops
// extending it. This module is the judgement alone — no DOM, no fetch — so node tests it
// (web/test/checkpoint.test.mjs); js/checkpoint-watch.js feeds it the stream's checkpoints and
// the server's consistency answers, and keeps its state in localStorage.
//
// For a checkpoint that arrives, given the one kept:
// - nothing kept yet, or the same entry with the same hash: keep the new one;
// - a later entry: ask the server whether the log still extends the kept one
//   (GET /api/v1/audit/consistency?seq=&head_hash=), and keep the new one if it does;
// - an earlier entry (the log went back), the same entry with another hash (rewritten), or
//   another signing key: warn at once.

/** localStorage key prefix; the key is per party (localStorage itself is per server origin). */
export const STORAGE_PREFIX = 'deconflict.checkpoint.';

/** The first line of the message the cell signs (its version). */
export const SIGNED_DOMAIN = 'deconflict audit checkpoint v1';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** The localStorage key of a party's kept checkpoint. */
export function storageKey(party) {
  return `${STORAGE_PREFIX}${party || 'unknown'}`;
}

/** Why `cp` is not a well-formed checkpoint, or null when it is one. */
export function checkpointProblem(cp) {
  if (!cp || typeof cp !== 'object') return 'not an object';
  if (!Number.isSafeInteger(cp.seq) || cp.seq < 0) return 'seq is not a whole number ≥ 0';
  if (typeof cp.head_hash !== 'string' || !HEX64.test(cp.head_hash)) return 'head_hash is not 64 hexadecimal digits';
  if (typeof cp.time !== 'number' || !Number.isFinite(cp.time)) return 'time is not a number';
  if (typeof cp.public_key !== 'string' || !HEX64.test(cp.public_key)) return 'public_key is not 64 hexadecimal digits';
  if (typeof cp.signature !== 'string' || !HEX128.test(cp.signature)) return 'signature is not 128 hexadecimal digits';
  return null;
}

/** Only the checkpoint's own fields (what is kept and compared). */
export function cleanCheckpoint(cp) {
  return { seq: cp.seq, head_hash: cp.head_hash, time: cp.time, public_key: cp.public_key, signature: cp.signature };
}

/**
 * The bytes the cell signs, as text: `"deconflict audit checkpoint v1\n" seq "\n" head_hash "\n"
 * time`, the time as the shortest decimal that gives the same number back, with ".0" when it is
 * whole (as the server writes a floating-point number).
 */
export function signedMessage(cp) {
  let t = String(cp.time);
  if (Number.isInteger(cp.time) && !/e/i.test(t)) t += '.0';
  return `${SIGNED_DOMAIN}\n${cp.seq}\n${cp.head_hash}\n${t}`;
}

/** "HH:MM:SS" UTC of UNIX seconds, with the date in front when it is not the day of `ref`. */
export function utcStamp(t, ref = t) {
  if (typeof t !== 'number' || !Number.isFinite(t)) return '—';
  const iso = new Date(t * 1000).toISOString();
  const day = iso.slice(0, 10);
  const refDay = typeof ref === 'number' && Number.isFinite(ref) ? new Date(ref * 1000).toISOString().slice(0, 10) : day;
  return day === refDay ? iso.slice(11, 19) : `${day} ${iso.slice(11, 19)}`;
}

const short = (hex) => `${String(hex).slice(0, 12)}…`;

/** "entry 123, signed 12:01:05 UTC" (the date too when `ref` is another day). */
export function describeCheckpoint(cp, ref) {
  return `entry ${cp.seq}, signed ${utcStamp(cp.time, ref)} UTC`;
}

const REPORT = 'Report it to the cell and your supervisor, and do not rely on the audit log until it is explained.';

function warning(kind, title, text, kept, incoming, now) {
  return {
    kind,
    title,
    text,
    seq: kept ? kept.seq : null,
    kept: kept ? cleanCheckpoint(kept) : null,
    incoming: incoming ? cleanCheckpoint(incoming) : null,
    noticed_at: now,
  };
}

/**
 * What to do with a checkpoint that arrives (`incoming`) given the one kept (`kept`, or null):
 * - `{action: 'keep', checkpoint, how}`: keep `checkpoint` (`how`: 'first' or 'same');
 * - `{action: 'check', kept, incoming}`: ask the server whether the log extends `kept`, then
 *   `judgeConsistency`;
 * - `{action: 'warn', warning}`: the log went back, was rewritten, or the key changed;
 * - `{action: 'ignore', reason}`: `incoming` is not a checkpoint.
 * `now` (UNIX seconds) is when the console noticed, recorded in a warning.
 */
export function judge(kept, incoming, now = Date.now() / 1000) {
  const bad = checkpointProblem(incoming);
  if (bad) return { action: 'ignore', reason: `malformed checkpoint: ${bad}` };
  if (!kept || checkpointProblem(kept)) return { action: 'keep', checkpoint: cleanCheckpoint(incoming), how: 'first' };
  const ref = incoming.time;
  const k = describeCheckpoint(kept, ref);
  if (incoming.public_key !== kept.public_key) {
    return {
      action: 'warn',
      warning: warning('key-changed', "AUDIT: the cell's signing key changed",
        `The cell's signing key changed: checkpoint ${incoming.seq} (signed ${utcStamp(incoming.time)} UTC) is signed with key `
        + `${short(incoming.public_key)}, not with key ${short(kept.public_key)} that signed the checkpoint this console kept `
        + `(${k}). The log can no longer be checked against what you kept. Unless the cell announced a new key, report it to the cell and your supervisor.`,
        kept, incoming, now),
    };
  }
  if (incoming.seq < kept.seq) {
    return {
      action: 'warn',
      warning: warning('went-back', `AUDIT: the log went back from entry ${kept.seq} to ${incoming.seq}`,
        `The cell's audit log went back from entry ${kept.seq} to ${incoming.seq}: the checkpoint this console kept (${k}) `
        + `vouched for ${kept.seq} entries, the cell's latest (signed ${utcStamp(incoming.time)} UTC) for only ${incoming.seq}. `
        + `${incoming.seq + 1 === kept.seq ? `Entry ${kept.seq} is` : `Entries ${incoming.seq + 1}–${kept.seq} are`} no longer in the log: records may have been deleted. ${REPORT}`,
        kept, incoming, now),
    };
  }
  if (incoming.seq === kept.seq) {
    if (incoming.head_hash === kept.head_hash) {
      // The same statement, signed again (e.g. after a snapshot): the newer copy is kept.
      return { action: 'keep', checkpoint: cleanCheckpoint(incoming.time >= kept.time ? incoming : kept), how: 'same' };
    }
    return {
      action: 'warn',
      warning: warning('rewritten', rewrittenTitle(kept.seq),
        `The cell's audit log was rewritten: entry ${kept.seq} is no longer the entry the cell signed for the checkpoint this `
        + `console kept (${k}; hash ${short(kept.head_hash)}, now ${short(incoming.head_hash)}). Records up to entry ${kept.seq} `
        + `may have been changed. ${REPORT}`,
        kept, incoming, now),
    };
  }
  return { action: 'check', kept: cleanCheckpoint(kept), incoming: cleanCheckpoint(incoming) };
}

/**
 * What the server's answer to the consistency question about `kept` (asked because `incoming`
 * is later) means: `{action: 'keep', checkpoint: incoming, how: 'extends'}` when the log still
 * extends `kept`, `{action: 'warn', warning}` when it does not, `{action: 'retry', reason}`
 * when the answer does not say (not about `kept`, malformed).
 */
export function judgeConsistency(kept, incoming, answer, now = Date.now() / 1000) {
  if (!answer || typeof answer !== 'object' || typeof answer.consistent !== 'boolean') {
    return { action: 'retry', reason: 'the server did not say whether the log extends the kept checkpoint' };
  }
  if (answer.seq !== kept.seq) {
    return { action: 'retry', reason: `the server answered about entry ${answer.seq}, not ${kept.seq}` };
  }
  if (answer.consistent) return { action: 'keep', checkpoint: cleanCheckpoint(incoming), how: 'extends' };
  const k = describeCheckpoint(kept, incoming && incoming.time);
  const problem = typeof answer.problem === 'string' ? tidyProblem(answer.problem) : '';
  const said = problem ? ` The cell says: ${problem}.` : '';
  let kind = 'not-extended';
  let title = `AUDIT: the log no longer extends entry ${kept.seq}`;
  let what = `The cell's audit log no longer extends the checkpoint this console kept (${k}): records up to entry ${kept.seq} may have been changed or deleted.`;
  if (Number.isSafeInteger(answer.head_seq) && answer.head_seq < kept.seq) {
    kind = 'went-back';
    title = `AUDIT: the log went back from entry ${kept.seq} to ${answer.head_seq}`;
    what = `The cell's audit log went back from entry ${kept.seq} to ${answer.head_seq}: it no longer extends the checkpoint this console kept (${k}), and records may have been deleted.`;
  } else if (/rewritten/.test(problem)) {
    kind = 'rewritten';
    title = rewrittenTitle(kept.seq);
    what = `The cell's audit log was rewritten: entry ${kept.seq} is no longer the entry the cell signed for the checkpoint this console kept (${k}). Records up to entry ${kept.seq} may have been changed.`;
  }
  return { action: 'warn', warning: warning(kind, title, `${what}${said} ${REPORT}`, kept, incoming, now) };
}

const rewrittenTitle = (seq) => `AUDIT: the log was rewritten — entry ${seq} is not what the cell signed`;

/** The server's problem text without what the warning says already, hashes shortened. */
function tidyProblem(text) {
  return text.replace(/^the log does not extend checkpoint \d+:\s*/, '').replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…').replace(/[.\s]+$/, '');
}

/** A checkpoint whose signature does not verify with its own key: never kept, always warned. */
export function badSignatureWarning(kept, incoming, now = Date.now() / 1000) {
  const still = kept ? ` This console still holds the checkpoint it kept (${describeCheckpoint(kept, incoming.time)}).` : '';
  return warning('bad-signature', `AUDIT: a checkpoint's signature does not verify`,
    `A checkpoint from the cell (entry ${incoming.seq}, dated ${utcStamp(incoming.time)} UTC) does not carry a valid signature `
    + `of key ${short(incoming.public_key)}: it was not signed by that key, or it was altered on the way. It was not kept.${still} ${REPORT}`,
    kept, incoming, now);
}

/** The tooltip of the quiet indicator while all is well. */
export function quietTitle(kept, how, signature = null) {
  const base = `audit log checkpoint ${kept.seq} signed ${utcStamp(kept.time)} UTC`;
  const why = how === 'extends' ? ', extends the one you kept'
    : how === 'same' ? ', the same as the one you kept'
      : how === 'first' ? ', the first this console has kept'
        : ', kept by this console';
  const sig = signature === true ? '; signature verified'
    : signature === false ? '' : signature ? `; ${signature}` : '';
  return `${base}${why}${sig}`;
}

/**
 * The watch's state as stored: `{kept, warning, latest}` (`latest`: the newest good checkpoint
 * seen while a warning stands, kept once the warning is dismissed). A bare checkpoint is read as
 * the kept one; anything unreadable as nothing kept.
 */
export function parseStored(text) {
  const empty = { kept: null, warning: null, latest: null };
  if (!text) return empty;
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return empty;
  }
  if (!v || typeof v !== 'object') return empty;
  if (!checkpointProblem(v)) return { ...empty, kept: cleanCheckpoint(v) };
  const okCp = (cp) => (cp && !checkpointProblem(cp) ? cleanCheckpoint(cp) : null);
  const w = v.warning && typeof v.warning === 'object' && typeof v.warning.text === 'string' ? v.warning : null;
  return { kept: okCp(v.kept), warning: w, latest: okCp(v.latest) };
}

/** A party's watch state from `storage` (localStorage or alike). */
export function loadWatch(storage, party) {
  try {
    return parseStored(storage.getItem(storageKey(party)));
  } catch {
    return parseStored(null);
  }
}

/** Stores a party's watch state. */
export function saveWatch(storage, party, state) {
  try {
    storage.setItem(storageKey(party), JSON.stringify({ kept: state.kept, warning: state.warning, latest: state.latest }));
  } catch {
    // Storage full or refused: the watch goes on in memory.
  }
}

/**
 * Dismissing a warning once read: the watch goes on from the newest good checkpoint seen (the
 * one the warning was about, or a later one), else from the kept one.
 */
export function dismiss(state) {
  const next = state.latest || (state.warning && state.warning.kind !== 'bad-signature' ? state.warning.incoming : null);
  return { kept: next || state.kept, warning: null, latest: null };
}
