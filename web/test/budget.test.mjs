// Unit tests of js/budget.js: the console's heavy work is merged and kept to its share of the
// main thread, so that a large picture slows the display down instead of starving the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Budgeted } from '../public/js/budget.js';

/** A fake clock and timer queue: `advance(ms)` runs what falls due, in time order. */
function fakeTime() {
  let now = 0;
  const timers = [];
  return {
    now: () => now,
    schedule: (fn, ms) => timers.push({ at: now + ms, fn }),
    spend: (ms) => { now += ms; },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        if (!timers.length || timers[0].at > end) break;
        const t = timers.shift();
        now = Math.max(now, t.at);
        t.fn();
      }
      // Work that ran may have spent past the end.
      now = Math.max(now, end);
    },
  };
}

test('requests that come while a run waits are served by that one run', () => {
  const clock = fakeTime();
  let runs = 0;
  const b = new Budgeted(() => { runs += 1; }, clock);
  for (let i = 0; i < 80; i++) b.request();
  assert.equal(runs, 0, 'nothing runs inside the asking task');
  clock.advance(0);
  assert.equal(runs, 1);
  b.request();
  clock.advance(0);
  assert.equal(runs, 2, 'cheap work runs again at once');
});

test('heavy work takes no more than its share of the time however often it is asked', () => {
  for (const share of [0.25, 0.5, 0.8]) {
    const clock = fakeTime();
    let busyMs = 0;
    const b = new Budgeted(() => { clock.spend(60); busyMs += 60; }, { ...clock, share });
    // Asked 80 times a second for 10 s.
    for (let ms = 0; ms < 10000; ms += 12.5) {
      b.request();
      clock.advance(12.5);
    }
    const got = busyMs / clock.now();
    assert.ok(got <= share + 0.01, `share ${share}: busy ${got.toFixed(3)}`);
    assert.ok(got >= share - 0.05, `share ${share}: it still runs as often as allowed (${got.toFixed(3)})`);
    assert.equal(b.lastMs, 60);
  }
});

test('a share outside (0, 1] is refused', () => {
  assert.throws(() => new Budgeted(() => {}, { share: 0 }), RangeError);
  assert.throws(() => new Budgeted(() => {}, { share: 1.5 }), RangeError);
});

test('a run that throws still books its time and lets the next request through', () => {
  const clock = fakeTime();
  let calls = 0;
  const b = new Budgeted(() => { calls += 1; clock.spend(10); throw new Error('boom'); }, clock);
  b.request();
  assert.throws(() => clock.advance(0), /boom/);
  assert.equal(b.nextAt, 20);
  b.request();
  clock.advance(5);
  assert.equal(calls, 1, 'not before its idle time');
  assert.throws(() => clock.advance(10), /boom/);
  assert.equal(calls, 2);
});

test('a run charged more than its script took waits in proportion to what it cost in all', () => {
  const clock = fakeTime();
  let runs = 0;
  const b = new Budgeted(() => { runs += 1; clock.spend(10); }, { ...clock, share: 0.5 });
  b.request();
  clock.advance(0);
  assert.equal(b.nextAt, 20, 'script alone: 10 ms on, 10 ms off');
  // Its raster and paint took the frame to 60 ms from its start.
  clock.spend(50);
  b.charge(60);
  assert.equal(b.nextAt, 120);
  b.charge(30);
  assert.equal(b.nextAt, 120, 'a smaller figure changes nothing');
  b.request();
  clock.advance(59);
  assert.equal(runs, 1);
  clock.advance(1);
  assert.equal(runs, 2);
});
