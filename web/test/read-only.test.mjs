// Observers read only (public/js/read-only.js and the API client's guard): what is said, which
// requests are writes, the reasons given, and that a refused write never reaches fetch.
// Run with `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isReadOnly, isMutating, refusal, refusalFor, READ_ONLY_TEXT } from '../public/js/read-only.js';
import { api, post, get, setWriteGuard, ApiError } from '../public/js/api.js';

test('an observer reads only; which methods write', () => {
  assert.equal(READ_ONLY_TEXT, 'observer — read-only');
  assert.ok(isReadOnly({ party: 'monitor', role: 'observer' }));
  assert.ok(!isReadOnly({ party: 'blue', role: 'party' }) && !isReadOnly({ party: 'cell', role: 'cell' }) && !isReadOnly(null));
  for (const m of ['POST', 'put', 'PATCH', 'DELETE']) assert.ok(isMutating(m), m);
  for (const m of ['GET', 'head', 'OPTIONS']) assert.ok(!isMutating(m), m);
});

test('the reasons, in words', () => {
  assert.equal(refusal('x'), 'observer — read-only: x');
  assert.equal(refusalFor('POST', '/conflicts/c-1/ack'), 'observer — read-only: observers acknowledge no alert; alerts are shown for awareness');
  assert.equal(refusalFor('POST', '/intrusions/i-1/ack'), 'observer — read-only: observers acknowledge no alert; alerts are shown for awareness');
  assert.equal(refusalFor('POST', '/requests/q-1/accept'), 'observer — read-only: only the addressee answers a request');
  assert.equal(refusalFor('POST', '/requests'), 'observer — read-only: observers send no request or notice');
  assert.equal(refusalFor('PUT', '/reservations/r-1'), 'observer — read-only: observers file, change and cancel no reservation');
  assert.equal(refusalFor('DELETE', '/reservations/r-1?version=2'), 'observer — read-only: observers file, change and cancel no reservation');
  assert.equal(refusalFor('POST', '/messages/4/read'), 'observer — read-only: observers send, mark and acknowledge no message');
  assert.equal(refusalFor('POST', '/audit/checkpoint'), 'observer — read-only: POST /audit/checkpoint is not sent');
});

test('with the guard set, a write is refused before fetch; reads go out', async () => {
  const sent = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    sent.push(`${init.method} ${url}`);
    return { status: 200, ok: true, text: async () => '{"ok":true}' };
  };
  try {
    setWriteGuard((method, path) => refusalFor(method, path));
    await assert.rejects(post('/conflicts/c-1/ack', {}), (e) => e instanceof ApiError && e.status === 403 && /observer — read-only/.test(e.message));
    await assert.rejects(api('DELETE', '/reservations/r-1?version=1'), (e) => e.status === 403);
    assert.deepEqual(await get('/tracks'), { ok: true });
    assert.deepEqual(sent, ['GET /api/v1/tracks']);
    setWriteGuard(null);
    await post('/messages', { body: 'x' });
    assert.deepEqual(sent, ['GET /api/v1/tracks', 'POST /api/v1/messages']);
  } finally {
    globalThis.fetch = realFetch;
    setWriteGuard(null);
  }
});
