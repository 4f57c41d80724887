// Live updates: the WebSocket /api/v1/stream (snapshot, deltas, alert/intrusion/guidance/message/
// request/reservation/position-discrepancy events, signed audit checkpoints) with reconnect and
// exponential back-off; while the socket is down the picture is polled over REST so the display
// never goes stale silently. The snapshot carries no discrepancies: GET /discrepancies loads
// them after every snapshot (sign-in, reconnect), while polling, and with the slow refresh.
// The aircraft come in the binary encoding (js/stream-binary.js) when the browser has
// DecompressionStream('deflate-raw'), else as JSON (localStorage `deconflict.stream-encoding`
// = `json` forces JSON); both give the store the same snapshot and delta frames. Alert events
// come batched, one message per alert cycle (`alerts=batched`): a burst of thousands of alerts
// sent one message each kept the picture's deltas waiting behind them for tens of seconds.

import { get, getToken } from './api.js';
import { store } from './store.js';
import { BinaryPicture, binarySupported, inflate } from './stream-binary.js';

const POLL_INTERVAL_MS = 2000;
const SLOW_REFRESH_MS = 15000;
const MAX_BACKOFF_MS = 15000;

let ws = null;
let backoffMs = 1000;
let reconnectTimer = null;
let pollTimer = null;
let slowTimer = null;
let stopped = true;
let polling = false;

/** The stream encoding this console asks for: `binary` when it can decode it. */
export function streamEncoding() {
  let forced = null;
  try {
    forced = localStorage.getItem('deconflict.stream-encoding');
  } catch {
    /* no storage */
  }
  if (forced === 'json') return 'json';
  return binarySupported() ? 'binary' : 'json';
}

function handleFrame(msg) {
  switch (msg.type) {
    case 'snapshot':
      store.applySnapshot(msg);
      loadDiscrepancies();
      break;
    case 'discrepancy':
      store.applyDiscrepancy(msg.event, msg.discrepancy);
      if (store.feeds === null) loadFeeds();
      break;
    case 'delta':
      store.applyDelta(msg);
      break;
    case 'alert':
      store.applyConflict(msg.event, msg.conflict);
      break;
    case 'alerts':
      // One alert cycle's alert frames in one message (`alerts=batched`).
      store.applyConflictBatch(msg.frames);
      break;
    case 'alert_tracks':
      store.applyAlertTracks(msg);
      break;
    case 'conflict_now':
      store.applyConflictsNow(msg);
      break;
    case 'guidance':
      store.applyGuidance(msg);
      break;
    case 'intrusion':
      store.applyIntrusion(msg.event, msg.intrusion);
      break;
    case 'message':
      store.upsert('messages', msg.message);
      break;
    case 'request':
      store.upsert('requests', msg.request);
      break;
    case 'reservation':
      store.upsert('reservations', msg.reservation);
      break;
    case 'safety_region':
      store.emit('safety-regions');
      break;
    case 'audit_checkpoint':
      // The cell's signed audit checkpoint: judged by js/checkpoint-watch.js.
      store.emit('audit-checkpoint', msg.checkpoint);
      break;
    default:
      break;
  }
}

function connect() {
  if (stopped) return;
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const encoding = streamEncoding();
  const url = `${proto}://${location.host}/api/v1/stream?token=${encodeURIComponent(getToken())}&alerts=batched${encoding === 'binary' ? '&encoding=binary' : ''}`;
  let opened = false;
  let socket;
  try {
    socket = new WebSocket(url);
  } catch {
    scheduleReconnect();
    return;
  }
  ws = socket;
  socket.binaryType = 'arraybuffer';
  // Binary pictures are decompressed asynchronously: every frame goes through one queue so
  // that frames reach the store in the order they were sent.
  const picture = new BinaryPicture();
  let queue = Promise.resolve();
  // The snapshot's JSON part (`tracks_encoding: "binary"`), waiting for its binary picture.
  let snapshotHead = null;
  const onBinary = async (data) => {
    const frame = picture.decode(await inflate(data));
    if (socket !== ws) return;
    if (frame.type === 'snapshot') {
      const head = snapshotHead || { type: 'snapshot', conflicts: [], intrusions: [] };
      snapshotHead = null;
      handleFrame({ ...head, time: frame.time, tracks: frame.tracks });
    } else {
      handleFrame(frame);
    }
  };
  const onText = (text) => {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'snapshot' && msg.tracks_encoding === 'binary') {
      snapshotHead = msg;
      return;
    }
    handleFrame(msg);
  };
  store.setConnection(polling ? 'polling' : 'connecting');
  socket.onopen = () => {
    opened = true;
    backoffMs = 1000;
    stopPolling();
    store.setConnection('live');
  };
  socket.onmessage = (ev) => {
    const { data } = ev;
    queue = queue
      .then(() => (typeof data === 'string' ? onText(data) : onBinary(data)))
      .catch(() => {
        // A picture that cannot be read: start again from a fresh snapshot.
        if (socket === ws) socket.close();
      });
  };
  socket.onclose = () => {
    if (ws !== socket) return;
    ws = null;
    if (stopped) return;
    // The socket failed or dropped: keep the picture fresh over REST until it is back.
    startPolling();
    if (opened) backoffMs = 1000;
    scheduleReconnect();
  };
  socket.onerror = () => {
    /* onclose follows */
  };
}

function scheduleReconnect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(connect, backoffMs);
  backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
}

/**
 * GET /discrepancies into the store (the whole set, frames that overtook it kept); for the cell
 * and observers, once, GET /feeds too, to say whose the independent surveillance is.
 */
export async function loadDiscrepancies() {
  const askedAt = store.discrepancyFrames;
  try {
    const r = await get('/discrepancies');
    store.replaceDiscrepancies(r.discrepancies, askedAt);
    if (store.feeds === null && store.discrepancies.size) loadFeeds();
  } catch {
    // Asked again at the next snapshot, poll or slow refresh.
  }
}

let feedsAsked = false;
/** The feeds' parties and kinds (the cell and observers may list them; a party only its own). */
async function loadFeeds() {
  if (feedsAsked || !store.me || store.me.role === 'party') return;
  feedsAsked = true;
  try {
    const r = await get('/feeds');
    store.feeds = new Map((r.feeds || []).map((f) => [f.id, { party: f.party ?? null, kind: f.kind }]));
    store.emit('discrepancies', { feeds: true });
  } catch {
    feedsAsked = false;
  }
}

async function pollOnce() {
  try {
    const askedAt = store.discrepancyFrames;
    const [tracks, conflicts, intrusions, discrepancies] = await Promise.all([
      get('/tracks'),
      get('/conflicts'),
      get('/intrusions').catch(() => null),
      get('/discrepancies').catch(() => null),
    ]);
    if (!polling) return;
    store.replaceTracks(tracks.tracks, tracks.time);
    store.replaceConflicts(conflicts.conflicts);
    if (intrusions) store.replaceIntrusions(intrusions.intrusions);
    if (discrepancies) store.replaceDiscrepancies(discrepancies.discrepancies, askedAt);
    store.setConnection('polling');
  } catch (e) {
    store.setConnection('offline');
    // The token was revoked (or the party removed): back to the sign-in screen.
    if (e.status === 401) store.emit('unauthorized');
  }
}

function startPolling() {
  if (polling) return;
  polling = true;
  store.setConnection('polling');
  pollOnce();
  pollTimer = setInterval(pollOnce, POLL_INTERVAL_MS);
}

function stopPolling() {
  polling = false;
  clearInterval(pollTimer);
  pollTimer = null;
}

/** Reloads the slower-moving collections (reservations, requests, messages, discrepancies) over REST. */
export async function refreshStrategic() {
  const jobs = [
    get('/reservations').then((r) => store.replace('reservations', r.reservations)),
    get('/requests').then((r) => store.replace('requests', r.requests)),
    get('/messages').then((r) => store.replace('messages', r.messages)),
    loadDiscrepancies(),
  ];
  await Promise.allSettled(jobs);
}

export function startStream() {
  stopped = false;
  backoffMs = 1000;
  connect();
  refreshStrategic();
  slowTimer = setInterval(refreshStrategic, SLOW_REFRESH_MS);
}

export function stopStream() {
  stopped = true;
  clearTimeout(reconnectTimer);
  clearInterval(slowTimer);
  stopPolling();
  if (ws) ws.close();
  ws = null;
  store.setConnection('offline');
}

/** Forces the REST fallback (used by the keyboard shortcut and for diagnosing sockets). */
export function forceReconnect() {
  if (ws) ws.close();
  else connect();
}
