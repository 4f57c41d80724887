// Development-only stand-in for `deconflict serve --demo`: serves web/public and fakes the
// docs/api.md routes with a small moving picture, a scripted cross-party warning, reservations
// with rough (bounding-box) overlaps, requests and hotline. Not used by CI or the e2e tests,
// which run against the real server. Usage: node dev/mock-server.mjs [port]
import http from 'node:http';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const ROOT = fileURLToPath(new URL('../public/', import.meta.url));
const PORT = Number(process.argv[2] || 8099);
const DATA_DIR = process.argv[3];
const TOKENS = { 'blue-token': 'blue', 'red-token': 'red', 'cell-token': 'cell' };
const ROLES = { blue: 'party', red: 'party', cell: 'cell' };
const SHARING = { blue: 'full', red: 'alerts-only', civil: 'full' };
const t0 = Date.now() / 1000;
const now = () => Date.now() / 1000;

// ---- picture ----
let seed = 7;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const tracks = new Map();
function addTrack(id, callsign, party, lat, lon, alt, gs, trk) {
  tracks.set(id, { id, callsign, party, lat_deg: lat, lon_deg: lon, alt_ft: alt, gs_kt: gs, trk_deg: trk, vs_fpm: 0, on_ground: false, coasting: false, last_update: now(), sources: [`feed-${party}`], squawk: '7000' });
}
for (let i = 0; i < 12; i++) addTrack(`BLU${String(i + 1).padStart(3, '0')}`, `VIPER${i + 11}`, 'blue', 36 + rnd() * 1.5, 36.5 + rnd() * 3, 18000 + Math.round(rnd() * 100) * 100, 380 + rnd() * 60, rnd() * 360);
for (let i = 0; i < 12; i++) addTrack(`RED${String(i + 1).padStart(3, '0')}`, `KNIGHT${i + 1}`, 'red', 36 + rnd() * 1.5, 38 + rnd() * 3, 20000 + Math.round(rnd() * 100) * 100, 400 + rnd() * 60, rnd() * 360);
for (let i = 0; i < 40; i++) addTrack(`4${(0x40000 + i * 97).toString(16).toUpperCase()}`, `THY${100 + i}`, 'civil', 33 + rnd() * 5, 33 + rnd() * 9, 33000 + Math.round(rnd() * 40) * 100, 440 + rnd() * 40, rnd() * 360);
// Scripted encounter: BLU100 and RED100 head-on at FL250.
addTrack('BLU100', 'HAWK1', 'blue', 36.6, 37.4, 25000, 420, 90);
addTrack('RED100', 'FALCON7', 'red', 36.6, 38.2, 25000, 420, 270);

function step(dt) {
  for (const t of tracks.values()) {
    const d = (t.gs_kt * 1852 * dt) / 3600 / 111320;
    t.lat_deg += d * Math.cos((t.trk_deg * Math.PI) / 180);
    t.lon_deg += (d * Math.sin((t.trk_deg * Math.PI) / 180)) / Math.cos((t.lat_deg * Math.PI) / 180);
    if (t.id !== 'BLU100' && t.id !== 'RED100') t.trk_deg = (t.trk_deg + (rnd() - 0.5) * 4 + 360) % 360;
    t.last_update = now();
  }
}

const conflicts = new Map();
function updateConflict() {
  const a = tracks.get('BLU100');
  const b = tracks.get('RED100');
  const distM = Math.hypot((a.lat_deg - b.lat_deg) * 111320, (a.lon_deg - b.lon_deg) * 111320 * Math.cos((a.lat_deg * Math.PI) / 180));
  const closing = (a.gs_kt + b.gs_kt) * 1852 / 3600;
  const tcpa = distM / closing;
  const level = now() - t0 < 15 ? 0 : tcpa < 120 ? 3 : tcpa < 300 ? 2 : 1;
  const old = conflicts.get('c-1');
  if (level === 0 || a.lon_deg > b.lon_deg) {
    if (old) {
      conflicts.delete('c-1');
      return { event: 'cleared', conflict: { ...old, state: 'cleared', cleared_at: now() } };
    }
    return null;
  }
  const mid = { lat_deg: (a.lat_deg + b.lat_deg) / 2, lon_deg: (a.lon_deg + b.lon_deg) / 2 };
  const c = {
    id: 'c-1', a: 'BLU100', b: 'RED100', a_party: 'blue', b_party: 'red', level, tcpa_s: tcpa, dcpa_m: 150, vsep_cpa_ft: 0,
    t_in_s: Math.max(0, tcpa - 20), t_out_s: tcpa + 20, cross_party: true, state: old ? 'updated' : 'raised',
    raised_at: old ? old.raised_at : now(), updated_at: now(), cleared_at: null, acks: old ? old.acks : { blue: false, red: false },
    a_state: { ...a }, b_state: { ...b }, cpa_a: { lat_deg: mid.lat_deg + 0.001, lon_deg: mid.lon_deg - 0.001 }, cpa_b: { lat_deg: mid.lat_deg - 0.001, lon_deg: mid.lon_deg + 0.001 },
  };
  conflicts.set('c-1', c);
  return { event: old ? 'updated' : 'raised', conflict: c };
}

// A civil aircraft predicted to enter the hazard zone near Latakia.
addTrack('4CIV01', 'MEA402', 'civil', 35.0, 35.2, 31000, 450, 40);
function intrusions() {
  const t = tracks.get('4CIV01');
  return [{ id: 'i-1', track_id: t.id, track_party: 'civil', reservation_id: 'z-1', volume_party: 'cell', time_to_entry_s: 240 - ((now() - t0) % 240), entry_point: { lat_deg: 35.3, lon_deg: 35.5, alt_ft: 31000 }, level: 2, state: 'updated', raised_at: t0, updated_at: now() }];
}

function visible(party, t) {
  if (party === 'cell' || t.party === party) return true;
  if (SHARING[t.party] === 'alerts-only') return false;
  return true;
}
function conflictsFor(party) {
  return [...conflicts.values()].filter((c) => party === 'cell' || c.a_party === party || c.b_party === party);
}

// ---- strategic ----
const reservations = new Map();
const requests = new Map();
const messages = new Map();
const audit = [];
let nextId = 10;
function logAudit(actor, action) {
  audit.push({ seq: audit.length + 1, time: now(), actor, action, digest: 'ab'.repeat(32), prev_hash: '00'.repeat(32), hash: 'cd'.repeat(32) });
}
const vol = (coords, lo, hi, start, end) => ({ shape: { type: 'polygon', coordinates: coords }, lower_ft: lo, upper_ft: hi, start_time: start, end_time: end });
reservations.set('r-1', { id: 'r-1', party: 'red', purpose: 'operation', priority: 5, state: 'accepted', version: 1, name: 'RED OP NORTH', justification: null, created_at: t0, updated_at: t0,
  volumes: [vol([[37.0, 36.4], [38.6, 36.4], [38.6, 37.2], [37.0, 37.2], [37.0, 36.4]], 10000, 30000, t0 - 600, t0 + 4 * 3600)] });
reservations.set('r-2', { id: 'r-2', party: 'blue', purpose: 'training', priority: 4, state: 'active', version: 2, name: 'BLUE CAP', justification: null, created_at: t0 - 3600, updated_at: t0,
  volumes: [vol([[36.2, 36.0], [37.4, 36.0], [37.4, 36.8], [36.2, 36.8], [36.2, 36.0]], 15000, 28000, t0 - 3600, t0 + 2 * 3600)] });
reservations.set('z-1', { id: 'z-1', party: 'cell', purpose: 'hazard', priority: 10, state: 'active', version: 1, name: 'MEZ LATAKIA', justification: null, created_at: t0, updated_at: t0,
  volumes: [{ shape: { type: 'circle', center: { lat_deg: 35.52, lon_deg: 35.78 }, radius_m: 40000 }, lower_ft: 0, upper_ft: 60000, start_time: t0 - 60, end_time: t0 + 86400 }] });
requests.set('q-1', { id: 'q-1', kind: 'vacate', from: 'red', to: 'blue', reservation_id: 'r-1', volume: reservations.get('r-1').volumes[0], message: 'Keep clear of RED OP NORTH.', state: 'pending', reason: null, expires_at: t0 + 3600, created_at: t0, answered_at: null });
messages.set(1, { id: 1, from: 'cell', to: null, subject: 'Shift start', body: 'Cell on duty. Hotline open.', sent_at: t0, read: false, acks: [] });

function bbox(v) {
  if (v.shape.type === 'circle') {
    const r = v.shape.radius_m / 111320;
    const c = v.shape.center;
    return [c.lon_deg - r / Math.cos((c.lat_deg * Math.PI) / 180), c.lat_deg - r, c.lon_deg + r / Math.cos((c.lat_deg * Math.PI) / 180), c.lat_deg + r];
  }
  const xs = v.shape.coordinates.map((p) => p[0]);
  const ys = v.shape.coordinates.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
function overlapsFor(party, volumes) {
  const out = [];
  for (const r of reservations.values()) {
    if (r.party === party || r.state === 'cancelled') continue;
    r.volumes.forEach((ov, j) => volumes.forEach((v, i) => {
      const a = bbox(v);
      const b = bbox(ov);
      const box = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
      const lo = Math.max(v.lower_ft, ov.lower_ft);
      const hi = Math.min(v.upper_ft, ov.upper_ft);
      const st = Math.max(v.start_time, ov.start_time);
      const en = Math.min(v.end_time, ov.end_time);
      if (box[0] >= box[2] || box[1] >= box[3] || lo >= hi || st >= en) return;
      out.push({ reservation_id: r.id, party: r.party, volume_index: i, other_volume_index: j, area_m2: (box[2] - box[0]) * (box[3] - box[1]) * 111320 * 111320 * 0.8, lower_ft: lo, upper_ft: hi, start_time: st, end_time: en, priority: r.priority,
        geometry: { type: 'Polygon', coordinates: [[[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]] } });
    }));
  }
  return out;
}

// ---- http ----
const clients = new Set();
function broadcast(fn) {
  for (const c of clients) {
    const msg = fn(c.party);
    if (msg && c.ws.readyState === 1) c.ws.send(JSON.stringify(msg));
  }
}
function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}
function problem(res, status, detail, extra = {}) {
  send(res, status, { type: 'about:blank', title: http.STATUS_CODES[status], status, detail, ...extra }, 'application/problem+json');
}
async function readBody(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data ? JSON.parse(data) : {};
}
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/v1/')) {
    const file = normalize(join(ROOT, p === '/' ? 'index.html' : p));
    if (!file.startsWith(ROOT)) return problem(res, 404, 'not found');
    try {
      return send(res, 200, await readFile(file), MIME[extname(file)] || 'application/octet-stream');
    } catch {
      return problem(res, 404, 'not found');
    }
  }
  if (p === '/api/v1/health') return send(res, 200, { ok: true });
  const auth = (req.headers.authorization || '').replace(/^Bearer /, '');
  const party = TOKENS[auth];
  if (!party) return problem(res, 401, 'missing or unknown token');
  const m = req.method;
  let body = {};
  try {
    if (m === 'POST' || m === 'PUT') body = await readBody(req);
  } catch {
    return problem(res, 400, 'malformed JSON');
  }
  let mm;
  if (p === '/api/v1/me') return send(res, 200, { party, role: ROLES[party], name: `${party[0].toUpperCase()}${party.slice(1)} Force` });
  if (p === '/api/v1/tracks') return send(res, 200, { time: now(), tracks: [...tracks.values()].filter((t) => visible(party, t)) });
  if (p === '/api/v1/conflicts') return send(res, 200, { conflicts: conflictsFor(party) });
  if (p === '/api/v1/intrusions') return send(res, 200, { intrusions: intrusions() });
  // The mock raises no position discrepancies (the real demo does, for blue's EAGLE31).
  if (p === '/api/v1/discrepancies') return send(res, 200, { discrepancies: [] });
  if (p === '/api/v1/parties') return send(res, 200, { parties: ['blue', 'red', 'cell'].map((id) => ({ id, name: id, role: ROLES[id], sharing: { mode: SHARING[id] || 'full' } })) });
  if ((mm = p.match(/^\/api\/v1\/conflicts\/([^/]+)\/ack$/)) && m === 'POST') {
    const c = conflicts.get(mm[1]);
    if (!c) return problem(res, 404, `no conflict ${mm[1]}`);
    const side = party === 'cell' ? body.party : party;
    if (side !== c.a_party && side !== c.b_party) return problem(res, 403, 'not a party to this conflict');
    c.acks[side] = true;
    logAudit(party, 'conflict.ack');
    broadcast((pp) => (pp === 'cell' || pp === c.a_party || pp === c.b_party ? { type: 'alert', event: 'updated', conflict: c } : null));
    return send(res, 200, c);
  }
  if (p === '/api/v1/reservations' && m === 'GET') return send(res, 200, { reservations: [...reservations.values()] });
  if (p === '/api/v1/reservations/check' && m === 'POST') return send(res, 200, { overlaps: overlapsFor(party, body.volumes || []) });
  if (p === '/api/v1/reservations' && m === 'POST') {
    const ov = overlapsFor(party, body.volumes || []);
    if (ov.length && !body.justification) return problem(res, 409, `${ov.length} overlap(s): give a justification to file over them`, { overlaps: ov });
    const r = { id: `r-${nextId++}`, party, purpose: body.purpose, priority: body.priority, state: 'proposed', version: 1, volumes: body.volumes, name: body.name, justification: body.justification || null, created_at: now(), updated_at: now() };
    reservations.set(r.id, r);
    logAudit(party, 'reservation.file');
    broadcast(() => ({ type: 'reservation', reservation: r }));
    return send(res, 201, { reservation: r, overlaps: ov });
  }
  if ((mm = p.match(/^\/api\/v1\/reservations\/([^/]+)$/)) && m === 'PUT') {
    const r = reservations.get(mm[1]);
    if (!r) return problem(res, 404, 'unknown reservation');
    if (r.party !== party) return problem(res, 403, 'only the owner may change it');
    if (body.version !== r.version) return problem(res, 409, 'stale version', { current_version: r.version });
    Object.assign(r, { name: body.name, purpose: body.purpose, priority: body.priority, volumes: body.volumes, justification: body.justification || null, version: r.version + 1, updated_at: now() });
    broadcast(() => ({ type: 'reservation', reservation: r }));
    return send(res, 200, r);
  }
  if ((mm = p.match(/^\/api\/v1\/reservations\/([^/]+)$/)) && m === 'DELETE') {
    const r = reservations.get(mm[1]);
    if (!r) return problem(res, 404, 'unknown reservation');
    if (r.party !== party) return problem(res, 403, 'only the owner may cancel');
    if (Number(url.searchParams.get('version')) !== r.version) return problem(res, 409, 'stale version', { current_version: r.version });
    r.state = 'cancelled';
    r.version += 1;
    broadcast(() => ({ type: 'reservation', reservation: r }));
    return send(res, 200, r);
  }
  if (p === '/api/v1/requests' && m === 'GET') return send(res, 200, { requests: [...requests.values()].filter((q) => party === 'cell' || q.from === party || q.to === party || q.to === null) });
  if (p === '/api/v1/requests' && m === 'POST') {
    const q = { id: `q-${nextId++}`, kind: body.kind, from: party, to: body.to ?? null, reservation_id: body.reservation_id || null, volume: body.volume || null, message: body.message, state: 'pending', reason: null, expires_at: body.expires_at || now() + 3600, created_at: now(), answered_at: null };
    requests.set(q.id, q);
    logAudit(party, 'request.create');
    broadcast(() => ({ type: 'request', request: q }));
    return send(res, 201, q);
  }
  if ((mm = p.match(/^\/api\/v1\/requests\/([^/]+)\/(accept|decline|ack)$/)) && m === 'POST') {
    const q = requests.get(mm[1]);
    if (!q) return problem(res, 404, 'unknown request');
    if (q.to !== party && !(q.to === null && q.from !== party)) return problem(res, 403, 'only the addressee answers');
    if (q.state !== 'pending') return problem(res, 409, `request is ${q.state}`);
    q.state = { accept: 'accepted', decline: 'declined', ack: 'acknowledged' }[mm[2]];
    q.reason = body.reason || null;
    q.answered_at = now();
    logAudit(party, `request.${mm[2]}`);
    broadcast(() => ({ type: 'request', request: q }));
    return send(res, 200, q);
  }
  if (p === '/api/v1/messages' && m === 'GET') return send(res, 200, { messages: [...messages.values()].filter((x) => party === 'cell' || x.to === null || x.to === party || x.from === party) });
  if (p === '/api/v1/messages' && m === 'POST') {
    const x = { id: nextId++, from: party, to: body.to ?? null, subject: body.subject, body: body.body, sent_at: now(), read: false, acks: [] };
    messages.set(x.id, x);
    logAudit(party, 'message.send');
    broadcast(() => ({ type: 'message', message: x }));
    return send(res, 201, x);
  }
  if ((mm = p.match(/^\/api\/v1\/messages\/(\d+)\/(read|ack)$/)) && m === 'POST') {
    const x = messages.get(Number(mm[1]));
    if (!x) return problem(res, 404, 'unknown message');
    if (mm[2] === 'read') x.read = true;
    else if (!x.acks.includes(party)) x.acks.push(party);
    return send(res, 200, x);
  }
  if (p === '/api/v1/audit') return party === 'cell' ? send(res, 200, { entries: audit.filter((e) => e.seq > Number(url.searchParams.get('after') || 0)).slice(0, Number(url.searchParams.get('limit') || 100)) }) : problem(res, 403, 'cell only');
  if (p === '/api/v1/audit/verify') return party === 'cell' ? send(res, 200, { ok: true, entries: audit.length }) : problem(res, 403, 'cell only');
  return problem(res, 404, `no route ${m} ${p}`);
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const party = TOKENS[url.searchParams.get('token')];
  if (url.pathname !== '/api/v1/stream' || !party) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c = { ws, party };
    clients.add(c);
    ws.on('close', () => clients.delete(c));
    ws.send(JSON.stringify({ type: 'snapshot', time: now(), tracks: [...tracks.values()].filter((t) => visible(party, t)), conflicts: conflictsFor(party), intrusions: intrusions() }));
  });
});

setInterval(() => {
  step(1);
  const ev = updateConflict();
  broadcast((party) => ({ type: 'delta', time: now(), upsert: [...tracks.values()].filter((t) => visible(party, t)), remove: [] }));
  if (ev) broadcast((party) => (party === 'cell' || party === 'blue' || party === 'red' ? { type: 'alert', ...ev } : null));
}, 1000);

if (DATA_DIR) {
  await mkdir(DATA_DIR, { recursive: true });
  await writeFile(join(DATA_DIR, 'demo-tokens.json'), JSON.stringify({ blue: 'blue-token', red: 'red-token', cell: 'cell-token' }));
}
server.listen(PORT, '127.0.0.1', () => console.log(`mock console server on http://127.0.0.1:${PORT}/ (tokens: blue-token, red-token, cell-token)`));
