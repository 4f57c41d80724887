// The stream's binary picture (`/api/v1/stream?encoding=binary`, docs/api.md "Binary
// picture"): a binary WebSocket message is raw DEFLATE of a little-endian payload (header,
// dictionary of static fields by per-connection handle, fixed-width records of quantised
// fields, removed handles). `inflate` decompresses it with the browser's
// DecompressionStream('deflate-raw'); `BinaryPicture.decode` reads the payload with a DataView
// into the same Track objects as the JSON frames carry (within the documented quantisation).
// Pure apart from the decompression; no DOM.

export const MAGIC = 'DCB1';
export const VERSION = 1;
export const KIND_SNAPSHOT = 0;
export const KIND_DELTA = 1;
export const HEADER_BYTES = 28;
export const RECORD_BYTES = 31;
const NULL_STR = 0xffff;
const LATLON_UNIT_DEG = 1e-6;
const ALT_UNIT_FT = 5;
const GS_UNIT_KT = 0.1;
const TRK_UNIT_DEG = 360 / 65536;
const VS_UNIT_FPM = 4;
const F_ALT = 1;
const F_GS = 2;
const F_TRK = 4;
const F_VS = 8;
const F_SEL_ALT = 16;
const F_SEL_TIME = 32;
const F_ON_GROUND = 64;
const F_COASTING = 128;

/** Whether this browser can decode the binary picture. */
export function binarySupported() {
  if (typeof DecompressionStream !== 'function') return false;
  try {
    new DecompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

/**
 * Raw DEFLATE → bytes (an ArrayBuffer or Uint8Array in, a Uint8Array out). The message goes
 * into the decompressor as one chunk of an in-memory stream, so that the whole of it is
 * inflated within promise jobs: read from a Blob it came in 64 KiB reads, each a task of its
 * own queued behind whatever else the page does (a busy map frame), and a large picture then
 * took seconds to read.
 */
export async function inflate(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const source = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const out = source.pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await out.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0];
  const whole = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    whole.set(c, at);
    at += c.byteLength;
  }
  return whole;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * One connection's dictionary (handle → static fields); `decode(bytes)` reads one
 * decompressed payload into `{type: 'snapshot'|'delta', time, tracks|upsert, remove}` shaped
 * like the JSON frames (a snapshot resets the dictionary first). Throws on a malformed payload.
 */
export class BinaryPicture {
  constructor() {
    this.dict = new Map();
  }

  decode(bytes) {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    let at = 0;
    const need = (n) => {
      if (at + n > u8.byteLength) throw new Error('binary picture: truncated');
    };
    const u8at = () => { need(1); return dv.getUint8(at++); };
    const u16 = () => { need(2); const v = dv.getUint16(at, true); at += 2; return v; };
    const u32 = () => { need(4); const v = dv.getUint32(at, true); at += 4; return v; };
    const str = () => {
      const n = u16();
      if (n === NULL_STR) return null;
      need(n);
      const s = utf8.decode(u8.subarray(at, at + n));
      at += n;
      return s;
    };
    need(HEADER_BYTES);
    if (String.fromCharCode(u8[0], u8[1], u8[2], u8[3]) !== MAGIC) throw new Error('binary picture: bad magic');
    at = 4;
    const version = u8at();
    if (version !== VERSION) throw new Error(`binary picture: version ${version}`);
    const kind = u8at();
    if (kind !== KIND_SNAPSHOT && kind !== KIND_DELTA) throw new Error(`binary picture: kind ${kind}`);
    u16();
    const time = dv.getFloat64(at, true);
    at += 8;
    const nDict = u32();
    const nRec = u32();
    const nRem = u32();
    if (kind === KIND_SNAPSHOT) this.dict.clear();
    for (let i = 0; i < nDict; i++) {
      const h = u32();
      const id = str();
      const callsign = str();
      const party = str();
      const squawk = str();
      const n = u8at();
      const sources = [];
      for (let k = 0; k < n; k++) sources.push(str());
      this.dict.set(h, { id, callsign, party, squawk, sources });
    }
    need(nRec * RECORD_BYTES + nRem * 4);
    const upsert = [];
    for (let i = 0; i < nRec; i++) {
      const h = dv.getUint32(at, true);
      const lat = dv.getInt32(at + 4, true) * LATLON_UNIT_DEG;
      const lon = dv.getInt32(at + 8, true) * LATLON_UNIT_DEG;
      const age = dv.getInt32(at + 12, true) / 1000;
      const alt = dv.getInt16(at + 16, true) * ALT_UNIT_FT;
      const gs = dv.getUint16(at + 18, true) * GS_UNIT_KT;
      const trk = dv.getUint16(at + 20, true) * TRK_UNIT_DEG;
      const vs = dv.getInt16(at + 22, true) * VS_UNIT_FPM;
      const sel = dv.getInt16(at + 24, true) * ALT_UNIT_FT;
      const selAge = dv.getInt32(at + 26, true) / 1000;
      const f = dv.getUint8(at + 30);
      at += RECORD_BYTES;
      const s = this.dict.get(h);
      if (!s) continue; // never described on this connection: nothing to show it as
      upsert.push({
        id: s.id,
        callsign: s.callsign,
        party: s.party,
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: f & F_ALT ? alt : null,
        gs_kt: f & F_GS ? gs : null,
        trk_deg: f & F_TRK ? trk : null,
        vs_fpm: f & F_VS ? vs : null,
        on_ground: !!(f & F_ON_GROUND),
        coasting: !!(f & F_COASTING),
        last_update: time - age,
        sources: s.sources.slice(),
        squawk: s.squawk,
        selected_alt_ft: f & F_SEL_ALT ? sel : null,
        selected_alt_time: f & F_SEL_TIME ? time - selAge : null,
      });
    }
    const remove = [];
    for (let i = 0; i < nRem; i++) {
      const h = dv.getUint32(at, true);
      at += 4;
      const s = this.dict.get(h);
      if (s) {
        remove.push(s.id);
        this.dict.delete(h);
      }
    }
    if (kind === KIND_SNAPSHOT) return { type: 'snapshot', time, tracks: upsert, remove };
    return { type: 'delta', time, upsert, remove };
  }
}
