// Failing over to another node (public/js/failover.js): the order nodes are tried in, the
// session carried in the fragment, and the watch itself against a stubbed fetch — it stays
// while its node answers or the stream is live, and moves to the first other node that answers
// once its own has been silent long enough. Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidates, resumeToken, resumeUrl, watchNodes } from '../public/js/failover.js';

const A = 'http://10.0.0.1:8080';
const B = 'http://10.0.0.2:8080';
const C = 'http://10.0.0.3:8080';

test('the other nodes are tried after this one, wrapping round, without duplicates', () => {
  assert.deepEqual(candidates([A, B, C], A), [B, C]);
  assert.deepEqual(candidates([A, B, C], B), [C, A]);
  assert.deepEqual(candidates([A, `${B}/`, B, C], `${C}/`), [A, B]);
  assert.deepEqual(candidates([B, C], A), [B, C], 'an unlisted node tries every listed one');
  assert.deepEqual(candidates([], A), []);
  assert.deepEqual(candidates(undefined, A), []);
});

test('the session goes in the fragment and comes back out of it', () => {
  const t = 'tok/with+odd=chars&more';
  const url = resumeUrl(`${B}/`, t);
  assert.equal(url.startsWith(`${B}/#resume=`), true, url);
  assert.equal(resumeToken(new URL(url).hash), t);
  assert.equal(resumeToken(''), null);
  assert.equal(resumeToken('#resume='), null);
  assert.equal(resumeToken('#other=1'), null);
  assert.equal(resumeToken('#resume=%E0%A4%A'), null, 'a broken escape is no token');
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A stubbed fetch: `up` says which origins answer; calls are recorded. */
function stubFetch(up, calls) {
  return async (url) => {
    const u = String(url);
    calls.push(u);
    const origin = u.startsWith('/') ? A : new URL(u).origin;
    if (!up.has(origin)) throw new TypeError('connection refused');
    return { ok: true, json: async () => ({ ok: true, nodes: [A, B, C] }) };
  };
}

test('the watch moves to the next node that answers once its own is gone, not before', async () => {
  const realFetch = globalThis.fetch;
  const up = new Set([A, B, C]);
  const calls = [];
  globalThis.fetch = stubFetch(up, calls);
  const store = { connection: 'live', emit() {} };
  const went = [];
  const stop = watchNodes(store, () => 'T1', { go: (u) => went.push(u), origin: A, afterMs: 150, everyMs: 20 });
  try {
    await sleep(100);
    assert.deepEqual(store.nodes, [A, B, C], 'the node list comes from /health');
    // Live: nothing probed, nowhere to go.
    assert.equal(went.length, 0);
    // The stream drops but the node answers: stay (a stream blip is not a dead node).
    store.connection = 'polling';
    await sleep(250);
    assert.equal(went.length, 0, 'stays while its own node answers');
    // The node dies, and so does the next one in the list: the watch waits, then goes to C.
    up.delete(A);
    up.delete(B);
    await sleep(60);
    assert.equal(went.length, 0, 'waits before moving');
    await sleep(400);
    assert.deepEqual(went, [resumeUrl(C, 'T1')]);
    assert.ok(calls.some((u) => u.startsWith(B)), 'B was tried first');
    await sleep(100);
    assert.equal(went.length, 1, 'moves once');
  } finally {
    stop();
    globalThis.fetch = realFetch;
  }
});

test('a node that answers but is not well (a proxy\'s 502) is passed over', async () => {
  const realFetch = globalThis.fetch;
  let ownUp = true;
  const calls = [];
  globalThis.fetch = async (url) => {
    const u = String(url);
    calls.push(u);
    if (u.startsWith('/')) {
      if (!ownUp) throw new TypeError('connection refused');
      return { ok: true, json: async () => ({ ok: true, nodes: [A, B, C] }) };
    }
    if (u.startsWith(B)) return { ok: false, status: 502, json: async () => ({}) };
    return { ok: true, json: async () => ({ ok: true }) };
  };
  const store = { connection: 'live', emit() {} };
  const went = [];
  const stop = watchNodes(store, () => 'T1', { go: (u) => went.push(u), origin: A, afterMs: 50, everyMs: 10 });
  try {
    await sleep(50);
    ownUp = false;
    store.connection = 'offline';
    await sleep(300);
    assert.deepEqual(went, [resumeUrl(C, 'T1')], 'past B (502) to C');
    assert.ok(calls.some((u) => u.startsWith(B)), 'B was tried');
  } finally {
    stop();
    globalThis.fetch = realFetch;
  }
});

test('a single node never moves', async () => {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async () => { throw new TypeError('connection refused'); };
  const store = { connection: 'offline', emit() {} };
  const went = [];
  const stop = watchNodes(store, () => 'T1', { go: (u) => went.push(u), origin: A, afterMs: 30, everyMs: 10 });
  try {
    await sleep(200);
    assert.equal(went.length, 0);
  } finally {
    stop();
    globalThis.fetch = realFetch;
  }
});
