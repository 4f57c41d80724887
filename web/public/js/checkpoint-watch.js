// The console's watch on the cell's audit log (the judgement is js/checkpoint.js): every
// `audit_checkpoint` frame of the stream (and, when none has come for a while, GET
// /api/v1/audit/checkpoint) is checked for its signature (Ed25519, where the browser can) and
// judged against the checkpoint kept; a later one is kept only once GET
// /api/v1/audit/consistency says the log still extends the kept one. The kept checkpoint and
// any warning persist in localStorage per party (`deconflict.checkpoint.<party>`; localStorage
// is per server origin), so a reload keeps both. A warning stays until dismissed: later
// checkpoints are recorded but not judged until then, and dismissing it goes on from the newest.
// Subscribers: store.on('audit-watch', fn) after every change.

import { get } from './api.js';
import { store } from './store.js';
import {
  judge, judgeConsistency, badSignatureWarning, checkpointProblem, cleanCheckpoint, signedMessage,
  loadWatch, saveWatch, dismiss, storageKey,
} from './checkpoint.js';

/** With no checkpoint for this long, the console asks for the latest itself (e.g. while polling). */
const QUIET_MS = 90_000;
const CHECK_EVERY_MS = 30_000;

let party = null;
let state = { kept: null, warning: null, latest: null };
// Not stored: how the kept checkpoint was last confirmed ('first' | 'same' | 'extends'), its
// signature check (true, or why it was not checked), and the last check that could not be made.
let how = null;
let signature = null;
let note = '';
let lastSeenAt = 0;
let queue = Promise.resolve();
let started = false;

/** Starts the watch for the signed-in viewer (again for another party after a new sign-in). */
export function startCheckpointWatch(me) {
  party = (me && me.party) || 'unknown';
  state = loadWatch(localStorage, party);
  how = state.kept ? 'kept' : null;
  signature = null;
  note = '';
  lastSeenAt = Date.now();
  if (!started) {
    started = true;
    store.on('audit-checkpoint', (cp) => offer(cp));
    // Another tab of the same party and server shares the state.
    window.addEventListener('storage', (e) => {
      if (party && e.key === storageKey(party)) {
        state = loadWatch(localStorage, party);
        changed();
      }
    });
    setInterval(() => {
      if (party && store.me && Date.now() - lastSeenAt > QUIET_MS) {
        lastSeenAt = Date.now();
        get('/audit/checkpoint').then(offer, () => {});
      }
    }, CHECK_EVERY_MS);
  }
  changed();
}

/** `{kept, warning, latest, how, signature, note}` (copies). */
export function watchState() {
  const copy = (x) => (x ? JSON.parse(JSON.stringify(x)) : null);
  return { kept: copy(state.kept), warning: copy(state.warning), latest: copy(state.latest), how, signature, note };
}

/** The viewer has read the warning: the watch goes on from the newest good checkpoint. */
export function dismissWarning() {
  if (!state.warning) return;
  state = dismiss(state);
  how = 'kept';
  note = '';
  saveWatch(localStorage, party, state);
  changed();
}

function changed() {
  store.emit('audit-watch', watchState());
}

/** Checkpoints are judged one at a time, in the order they came. */
function offer(cp) {
  lastSeenAt = Date.now();
  queue = queue.then(() => consider(cp)).catch((e) => {
    note = `checkpoint not checked: ${e.message}`;
    changed();
  });
  return queue;
}

async function consider(raw) {
  if (!party || checkpointProblem(raw)) return;
  const cp = cleanCheckpoint(raw);
  // What another tab may have stored meanwhile.
  state = loadWatch(localStorage, party);
  const sig = await verifySignature(cp);
  if (sig === false) {
    if (!state.warning) {
      state.warning = badSignatureWarning(state.kept, cp, store.now());
      save();
    }
    return;
  }
  if (state.warning) {
    if (!state.latest || cp.seq >= state.latest.seq) {
      state.latest = cp;
      save();
    }
    return;
  }
  let verdict = judge(state.kept, cp, store.now());
  if (verdict.action === 'check') {
    let answer;
    try {
      answer = await get(`/audit/consistency?seq=${encodeURIComponent(verdict.kept.seq)}&head_hash=${encodeURIComponent(verdict.kept.head_hash)}`);
    } catch (e) {
      note = `could not ask whether the log extends checkpoint ${verdict.kept.seq} (${e.message}); asked again at the next checkpoint`;
      changed();
      return;
    }
    verdict = judgeConsistency(verdict.kept, verdict.incoming, answer, store.now());
  }
  switch (verdict.action) {
    case 'keep':
      state.kept = verdict.checkpoint;
      how = verdict.how;
      signature = sig;
      note = '';
      save();
      break;
    case 'warn':
      state.warning = verdict.warning;
      state.latest = cp;
      save();
      break;
    case 'retry':
      note = `${verdict.reason}; asked again at the next checkpoint`;
      changed();
      break;
    default:
      break;
  }
}

function save() {
  saveWatch(localStorage, party, state);
  changed();
}

let edKey = { hex: null, key: null };

/**
 * Whether the checkpoint's signature verifies with its key: true or false, or a short text
 * saying why it could not be checked here (no Web Crypto Ed25519 in this browser or context).
 */
async function verifySignature(cp) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return 'signature not checked: this page has no Web Crypto (not a secure context)';
  try {
    if (edKey.hex !== cp.public_key) {
      edKey = { hex: cp.public_key, key: await subtle.importKey('raw', fromHex(cp.public_key), { name: 'Ed25519' }, false, ['verify']) };
    }
  } catch (e) {
    edKey = { hex: null, key: null };
    // A browser without Ed25519 says NotSupportedError; a key that is not one, DataError.
    return e && e.name === 'NotSupportedError' ? 'signature not checked: this browser cannot check Ed25519 signatures' : false;
  }
  try {
    return await subtle.verify({ name: 'Ed25519' }, edKey.key, fromHex(cp.signature), new TextEncoder().encode(signedMessage(cp)));
  } catch {
    return false;
  }
}

function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
