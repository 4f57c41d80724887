// One mechanism for the console's heavy, repeated work (the map's frames, the alert list, the
// alarm banner, the details card): `Budgeted` runs a piece of work when asked, merges the
// requests that come while a run is waiting into that run, and keeps the work's share of the
// page's main thread to at most `share`: after a run that took D ms the next one starts no
// sooner than D × (1 / share − 1) ms later. Cheap work runs at once (on the next task); work
// that grows with the picture (4,000 alerts re-sorted for each of 80 alert events a second, a
// map frame of 190 ms at 100,000 aircraft) slows down instead of leaving the browser no time
// to read the live stream, so that the server does not drop the console as a slow client.
// No DOM; the clock and the scheduler can be injected for tests.

export class Budgeted {
  /**
   * `work()`: what to run. `share`: the most of the main thread it may take (0 < share ≤ 1).
   * `schedule(fn, ms)`: how to run `fn` after `ms` (default `setTimeout`); `now()`: a clock in
   * ms (default `performance.now`).
   */
  constructor(work, { share = 0.5, schedule = (fn, ms) => setTimeout(fn, ms), now = () => performance.now() } = {}) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`share ${share} is not in (0, 1]`);
    this.work = work;
    this.share = share;
    this.schedule = schedule;
    this.now = now;
    this.pending = false;
    // When the next run may start (the clock's ms), and what the last run cost.
    this.nextAt = -Infinity;
    this.startedAt = -Infinity;
    this.lastMs = 0;
    this.runs = 0;
  }

  /** Asks for a run: soon, or once the budget allows; one run however often it is asked. */
  request() {
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => this.run(), Math.max(0, this.nextAt - this.now()));
  }

  /** Runs the work now (a pending request is then served by this run). */
  run() {
    this.pending = false;
    const t0 = this.now();
    this.startedAt = t0;
    try {
      this.work();
    } finally {
      this.lastMs = this.now() - t0;
      this.nextAt = t0 + this.lastMs / this.share;
      this.runs += 1;
    }
  }

  /**
   * Books what the last run cost in all, `ms` from its start, when part of it came after the
   * work returned (a map frame's raster and paint follow its script): the next run then
   * starts no sooner than ms / share after the last one started. A smaller figure changes
   * nothing.
   */
  charge(ms) {
    if (!(ms > this.lastMs)) return;
    this.lastMs = ms;
    this.nextAt = this.startedAt + ms / this.share;
  }
}
