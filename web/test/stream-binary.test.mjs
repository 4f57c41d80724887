// The binary picture's decoder (public/js/stream-binary.js) against the Rust encoder's test
// vector (test/fixtures/stream-binary.json, written by crates/server/src/wire/binary.rs):
// the same tracks as the Rust reference decoder reads, field for field. Run with
// `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { BinaryPicture, inflate, binarySupported } from '../public/js/stream-binary.js';

const vector = JSON.parse(readFileSync(new URL('./fixtures/stream-binary.json', import.meta.url), 'utf8'));
const bytesOf = (m) => new Uint8Array(Buffer.from(m.base64, 'base64'));

test('the Rust encoder\'s snapshot and delta decode to the reference tracks', async () => {
  assert.equal(binarySupported(), true);
  const pic = new BinaryPicture();
  for (const m of vector.messages) {
    const raw = await inflate(bytesOf(m));
    assert.deepEqual(raw, new Uint8Array(inflateRawSync(bytesOf(m))));
    const d = pic.decode(raw);
    assert.equal(d.type, m.kind);
    assert.equal(d.time, m.time);
    assert.deepEqual(m.kind === 'snapshot' ? d.tracks : d.upsert, m.upsert);
    assert.deepEqual(d.remove, m.remove);
  }
  // The delta removed one of the snapshot's three and added one.
  assert.deepEqual([...pic.dict.values()].map((s) => s.id).sort(), ['4b1805', 'B-EAGLE31', 'R-VIPER11']);
});

test('a snapshot resets the dictionary; a removal of an unknown handle is skipped', async () => {
  const [snap, delta] = vector.messages.map(bytesOf);
  const pic = new BinaryPicture();
  pic.decode(await inflate(snap));
  pic.decode(await inflate(delta));
  pic.decode(await inflate(snap));
  assert.equal(pic.dict.size, 3);
  // The delta describes both its aircraft (one new, one whose callsign changed): a decoder
  // given only the delta reads them, and skips the removal of a handle it was never told of.
  const fresh = new BinaryPicture();
  const d = fresh.decode(await inflate(delta));
  assert.deepEqual(d.upsert.map((t) => [t.id, t.callsign]), [['B-EAGLE31', 'EAGLE32'], ['4b1805', null]]);
  assert.deepEqual(d.remove, []);
});

test('malformed payloads throw rather than produce tracks', async () => {
  const raw = await inflate(bytesOf(vector.messages[0]));
  const pic = new BinaryPicture();
  assert.throws(() => pic.decode(raw.subarray(0, 10)), /truncated/);
  assert.throws(() => pic.decode(raw.subarray(0, raw.length - 3)), /truncated/);
  const bad = raw.slice();
  bad[0] = 0x58;
  assert.throws(() => pic.decode(bad), /magic/);
  const v2 = raw.slice();
  v2[4] = 2;
  assert.throws(() => pic.decode(v2), /version/);
});
