// The judgement of the cell's signed audit checkpoints (public/js/checkpoint.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  judge, judgeConsistency, badSignatureWarning, checkpointProblem, signedMessage, utcStamp, describeCheckpoint,
  quietTitle, parseStored, loadWatch, saveWatch, dismiss, storageKey,
} from '../public/js/checkpoint.js';

/** A Storage-like object over a Map, as localStorage behaves. */
function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

const KEY = '130a62bed4f74e6d05bcfaf73ea87cd9c4ecc8a60f00a76450cbfd4ad4ee007b';
const OTHER_KEY = 'ab'.repeat(32);
// 2025-12-02 12:01:05.25 UTC.
const T0 = Date.UTC(2025, 11, 2, 12, 1, 5) / 1000 + 0.25;
const hash = (c) => c.repeat(64);
const cp = (seq, h, time = T0, publicKey = KEY) => ({ seq, head_hash: h, time, public_key: publicKey, signature: 'cd'.repeat(64) });

// A checkpoint as `deconflict serve` signed it (its demo clock), to check the signed message.
const REAL = {
  seq: 10,
  head_hash: 'fe5eb07aa1cff2872b06bbad46c2d7d3ad41e54b92b80f7820a479c44c2390f6',
  time: 1796216431.3042665,
  public_key: KEY,
  signature: '5af0c9c3d2b9629a440db9f9a2f362b266020f781e67855d7da98fb7c0f9096daddeb524e737c1bdfe5e55d9c8f76d9fc2665a13d89f438d1e8daae1f5753c0d',
};

const hex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
async function verifies(c) {
  const key = await crypto.subtle.importKey('raw', hex(c.public_key), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, hex(c.signature), new TextEncoder().encode(signedMessage(c)));
}

test('nothing kept yet: the first checkpoint is kept as it is', () => {
  const v = judge(null, cp(12, hash('1')));
  assert.equal(v.action, 'keep');
  assert.equal(v.how, 'first');
  assert.deepEqual(v.checkpoint, cp(12, hash('1')));
  // Extra fields of a frame are not kept.
  assert.deepEqual(Object.keys(judge(null, { ...cp(1, hash('1')), extra: 1 }).checkpoint).sort(), ['head_hash', 'public_key', 'seq', 'signature', 'time']);
  // Something unreadable kept counts as nothing kept.
  assert.equal(judge({ seq: 'x' }, cp(3, hash('1'))).action, 'keep');
});

test('the same entry with the same hash is kept directly (the newer signing of it)', () => {
  const kept = cp(12, hash('1'));
  const again = cp(12, hash('1'), T0 + 60);
  const v = judge(kept, again);
  assert.equal(v.action, 'keep');
  assert.equal(v.how, 'same');
  assert.equal(v.checkpoint.time, T0 + 60);
  assert.equal(judge(again, kept).checkpoint.time, T0 + 60, 'an older copy does not replace a newer one');
});

test('a later entry: the server is asked whether the log still extends the kept one', () => {
  const kept = cp(12, hash('1'));
  const v = judge(kept, cp(20, hash('2'), T0 + 60));
  assert.equal(v.action, 'check');
  assert.deepEqual(v.kept, kept);
  assert.equal(v.incoming.seq, 20);
});

test('an earlier entry: the log went back, warned at once with the kept entry and its time', () => {
  const v = judge(cp(130, hash('1')), cp(120, hash('2'), T0 + 120), 1234);
  assert.equal(v.action, 'warn');
  const w = v.warning;
  assert.equal(w.kind, 'went-back');
  assert.equal(w.seq, 130);
  assert.equal(w.noticed_at, 1234);
  assert.match(w.title, /went back from entry 130 to 120/);
  assert.match(w.text, /^The cell's audit log went back from entry 130 to 120/);
  assert.match(w.text, /entry 130, signed 12:01:05 UTC/);
  assert.match(w.text, /Entries 121–130 are no longer in the log/);
  assert.match(judge(cp(5, hash('1')), cp(4, hash('2'))).warning.text, /Entry 5 is no longer in the log/);
});

test('the same entry with another hash: the log was rewritten', () => {
  const v = judge(cp(42, hash('1')), cp(42, hash('2'), T0 + 60));
  assert.equal(v.action, 'warn');
  assert.equal(v.warning.kind, 'rewritten');
  assert.equal(v.warning.title, 'AUDIT: the log was rewritten — entry 42 is not what the cell signed');
  assert.match(v.warning.text, /entry 42 is no longer the entry the cell signed/);
  assert.match(v.warning.text, /entry 42, signed 12:01:05 UTC/);
  assert.match(v.warning.text, /hash 111111111111…, now 222222222222…/);
});

test('another signing key is warned whatever the entry', () => {
  for (const seq of [10, 42, 50]) {
    const v = judge(cp(42, hash('1')), cp(seq, seq === 42 ? hash('1') : hash('2'), T0 + 60, OTHER_KEY));
    assert.equal(v.action, 'warn', `seq ${seq}`);
    assert.equal(v.warning.kind, 'key-changed');
    assert.match(v.warning.title, /signing key changed/);
    assert.match(v.warning.text, /^The cell's signing key changed/);
    assert.match(v.warning.text, /entry 42, signed 12:01:05 UTC/);
    assert.match(v.warning.text, /abababababab…/);
  }
});

test('a malformed checkpoint is ignored', () => {
  for (const bad of [null, {}, { ...cp(1, hash('1')), seq: -1 }, { ...cp(1, hash('1')), seq: 1.5 }, { ...cp(1, hash('1')), head_hash: 'xyz' },
    { ...cp(1, hash('1')), public_key: 'AB'.repeat(32) }, { ...cp(1, hash('1')), signature: 'cd' }, { ...cp(1, hash('1')), time: '12' }]) {
    assert.equal(judge(cp(1, hash('1')), bad).action, 'ignore', JSON.stringify(bad));
    assert.ok(checkpointProblem(bad));
  }
  assert.equal(checkpointProblem(REAL), null);
});

test('the consistency answer: keep when the log extends the kept checkpoint, else warn', () => {
  const kept = cp(12, hash('1'));
  const incoming = cp(20, hash('2'), T0 + 60);
  const ok = judgeConsistency(kept, incoming, { consistent: true, seq: 12, head_seq: 20 });
  assert.deepEqual(ok, { action: 'keep', checkpoint: incoming, how: 'extends' });

  const problem = `the log does not extend checkpoint 12: entry 12 has hash ${hash('3')}, not the signed ${hash('1')}: the log was rewritten`;
  const bad = judgeConsistency(kept, incoming, { consistent: false, seq: 12, head_seq: 20, problem }, 99);
  assert.equal(bad.action, 'warn');
  assert.equal(bad.warning.kind, 'rewritten');
  assert.equal(bad.warning.seq, 12);
  assert.equal(bad.warning.noticed_at, 99);
  assert.equal(bad.warning.title, 'AUDIT: the log was rewritten — entry 12 is not what the cell signed');
  assert.match(bad.warning.text, /entry 12, signed 12:01:05 UTC/);
  // The server's reason, hashes shortened and without repeating what the warning says.
  assert.ok(bad.warning.text.includes('The cell says: entry 12 has hash 333333333333…, not the signed 111111111111…: the log was rewritten.'), bad.warning.text);
  assert.deepEqual(bad.warning.incoming, incoming);

  const broken = judgeConsistency(kept, incoming, { consistent: false, seq: 12, head_seq: 20, problem: 'the log does not extend checkpoint 12: the log does not verify (hash mismatch at seq 9)' });
  assert.equal(broken.warning.kind, 'not-extended');
  assert.match(broken.warning.title, /no longer extends entry 12/);
  assert.match(broken.warning.text, /may have been changed or deleted\. The cell says: the log does not verify \(hash mismatch at seq 9\)\./);

  const shorter = judgeConsistency(kept, incoming, { consistent: false, seq: 12, head_seq: 7, problem: 'the log has 7 entries, fewer than the 12 signed' });
  assert.equal(shorter.warning.kind, 'went-back');
  assert.match(shorter.warning.title, /went back from entry 12 to 7/);
});

test('an answer that does not say is asked again, not warned', () => {
  const kept = cp(12, hash('1'));
  const incoming = cp(20, hash('2'));
  for (const a of [null, {}, { consistent: 'yes', seq: 12 }, { consistent: false, seq: 11 }]) {
    assert.equal(judgeConsistency(kept, incoming, a).action, 'retry', JSON.stringify(a));
  }
});

test('a checkpoint whose signature fails is warned and names what is still kept', () => {
  const w = badSignatureWarning(cp(12, hash('1')), cp(20, hash('2'), T0 + 60), 5);
  assert.equal(w.kind, 'bad-signature');
  assert.match(w.text, /entry 20, dated 12:02:05 UTC/);
  assert.match(w.text, /still holds the checkpoint it kept \(entry 12, signed 12:01:05 UTC\)/);
  assert.doesNotMatch(badSignatureWarning(null, cp(20, hash('2'))).text, /still holds/);
});

test('warning texts are whole sentences with no undefined or NaN in them', () => {
  const kept = cp(12, hash('1'));
  const texts = [
    judge(kept, cp(3, hash('2'))).warning,
    judge(kept, cp(12, hash('2'))).warning,
    judge(kept, cp(30, hash('2'), T0, OTHER_KEY)).warning,
    judgeConsistency(kept, cp(20, hash('2')), { consistent: false, seq: 12, head_seq: 20 }).warning,
    badSignatureWarning(kept, cp(20, hash('2'))),
  ];
  for (const w of texts) {
    assert.doesNotMatch(`${w.title} ${w.text}`, /undefined|NaN|null|\[object/);
    assert.match(w.title, /^AUDIT: /);
    assert.match(w.text, /\.$/);
    assert.match(w.text, /Report it|report it/);
  }
});

test('times are UTC HH:MM:SS, with the date when the kept checkpoint is from another day', () => {
  assert.equal(utcStamp(T0), '12:01:05');
  assert.equal(utcStamp(T0, T0 + 86400), '2025-12-02 12:01:05');
  assert.equal(describeCheckpoint(cp(7, hash('1')), T0 + 3600), 'entry 7, signed 12:01:05 UTC');
  assert.equal(describeCheckpoint(cp(7, hash('1')), T0 + 86400), 'entry 7, signed 2025-12-02 12:01:05 UTC');
  const w = judge(cp(130, hash('1')), cp(120, hash('2'), T0 + 86400)).warning;
  assert.match(w.text, /entry 130, signed 2025-12-02 12:01:05 UTC/);
});

test('the quiet indicator says which checkpoint and that it extends the one kept', () => {
  const kept = cp(123, hash('1'));
  assert.equal(quietTitle(kept, 'extends', true), 'audit log checkpoint 123 signed 12:01:05 UTC, extends the one you kept; signature verified');
  assert.equal(quietTitle(kept, 'first'), 'audit log checkpoint 123 signed 12:01:05 UTC, the first this console has kept');
  assert.match(quietTitle(kept, 'same', 'signature not checked: no Web Crypto'), /the same as the one you kept; signature not checked/);
});

test('the signed message is the one the cell signs: a real checkpoint verifies, a changed one does not', async () => {
  assert.equal(signedMessage(REAL), `deconflict audit checkpoint v1\n10\n${REAL.head_hash}\n1796216431.3042665`);
  assert.equal(signedMessage({ ...REAL, time: 1764680000 }).split('\n')[3], '1764680000.0', 'a whole second as the server writes it');
  assert.equal(await verifies(REAL), true);
  assert.equal(await verifies({ ...REAL, seq: 11 }), false);
  assert.equal(await verifies({ ...REAL, head_hash: hash('a') }), false);
  assert.equal(await verifies({ ...REAL, time: REAL.time + 1 }), false);
});

test('the watch state is stored per party and read back; a bare checkpoint reads as the kept one', () => {
  const s = memoryStorage();
  assert.equal(storageKey('blue'), 'deconflict.checkpoint.blue');
  assert.deepEqual(loadWatch(s, 'blue'), { kept: null, warning: null, latest: null });
  const w = judge(cp(12, hash('1')), cp(12, hash('2'))).warning;
  saveWatch(s, 'blue', { kept: cp(12, hash('1')), warning: w, latest: cp(12, hash('2')) });
  assert.deepEqual(loadWatch(s, 'blue'), { kept: cp(12, hash('1')), warning: w, latest: cp(12, hash('2')) });
  assert.equal(loadWatch(s, 'red').kept, null, "another party's is its own");
  s.setItem(storageKey('red'), JSON.stringify(cp(5, hash('5'))));
  assert.deepEqual(loadWatch(s, 'red').kept, cp(5, hash('5')));
  for (const junk of ['', 'not json', '[]', '{"kept":{"seq":"x"}}', 'null']) assert.equal(parseStored(junk).kept, null, junk);
  // Storage that throws (full, or refused) does not stop the watch.
  const refusing = { getItem: () => { throw new Error('no'); }, setItem: () => { throw new Error('full'); } };
  assert.deepEqual(loadWatch(refusing, 'blue'), { kept: null, warning: null, latest: null });
  saveWatch(refusing, 'blue', { kept: null, warning: null, latest: null });
});

test('dismissing a warning goes on from the newest good checkpoint, never from a forged one', () => {
  const kept = cp(12, hash('1'));
  const newer = cp(12, hash('2'), T0 + 60);
  const w = judge(kept, newer).warning;
  assert.deepEqual(dismiss({ kept, warning: w, latest: null }), { kept: newer, warning: null, latest: null });
  const latest = cp(30, hash('3'), T0 + 120);
  assert.deepEqual(dismiss({ kept, warning: w, latest }), { kept: latest, warning: null, latest: null });
  const forged = badSignatureWarning(kept, cp(40, hash('4')));
  assert.deepEqual(dismiss({ kept, warning: forged, latest: null }).kept, kept);
});
