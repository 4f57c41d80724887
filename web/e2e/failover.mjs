// Browser test of a console whose node dies, against two real `deconflict serve --demo` nodes
// of one cell on PostgreSQL (the throwaway server scripts/test starts, DECONFLICT_TEST_PG):
// the first seeds the demo, the second joins; both list both console addresses
// (`cluster.nodes`). The cell's console, signed in on the first node, sees the alerts; the
// first node is `kill -9`ed; within seconds the console is on the second node's address,
// still signed in (no sign-in screen, the token out of the address bar), its stream live, and
// showing the same alert ids the second node's API lists. Screenshots go to
// web/test-output/failover-*.png. Started by e2e/run.mjs; without DECONFLICT_TEST_PG it says
// so and fails (there is no cluster to test).
import { spawnSync } from 'node:child_process';
import { api, assert, freePort, launchBrowser, screenshot, signIn, startServer, state, waitFor } from './lib.mjs';

function psql(url, sql) {
  const r = spawnSync('psql', [url, '-q', '-t', '-A', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}

async function main() {
  const pg = process.env.DECONFLICT_TEST_PG;
  if (!pg) throw new Error('DECONFLICT_TEST_PG is not set: run scripts/test, or start `scripts/pg-cluster start DIR` and export DECONFLICT_TEST_PG=postgres://postgres@127.0.0.1:PORT');
  const db = `e2e_failover_${process.pid}_${Date.now()}`;
  psql(`${pg}/postgres`, `CREATE DATABASE ${db}`);
  const url = `${pg}/${db}`;
  const ports = [await freePort(), await freePort()];
  const nodes = ports.map((p) => `http://127.0.0.1:${p}`);
  const config = (name) => `[cluster]\nnode_id = "${name}"\nnodes = [${nodes.map((n) => `"${n}"`).join(', ')}]\n`;
  const first = await startServer({ config: config('node-a'), port: ports[0], env: { DATABASE_URL: url } });
  const second = await startServer({ config: config('node-b'), port: ports[1], env: { DATABASE_URL: url }, joins: true });
  const browser = await launchBrowser();
  const T = first.tokens;
  try {
    const health = await (await fetch(`${second.base}/api/v1/health`)).json();
    assert(health.role === 'follower' && JSON.stringify(health.nodes) === JSON.stringify(nodes), `the second node follows and lists both: ${JSON.stringify(health)}`);
    const page = await signIn(browser, first.base, T.cell, []);
    await waitFor(async () => (await state(page)).connection === 'live', { what: 'the stream is live on the first node' });
    const crossParty = async (base) => (await api(base, T.cell, '/conflicts')).conflicts.filter((c) => c.cross_party && c.state !== 'cleared').map((c) => c.id).sort();
    const shownConflicts = async () => (await state(page)).alerts.filter((a) => a.kind === 'conflict').map((a) => a.id);
    const before = await waitFor(async () => {
      const listed = await crossParty(first.base);
      const shown = await shownConflicts();
      return listed.length && listed.every((id) => shown.includes(id)) ? listed : null;
    }, { timeoutMs: 60000, what: 'the cross-party alert on the first node' });
    await screenshot(page, 'on-first-node');

    const killedAt = Date.now();
    first.kill9();
    await waitFor(() => page.url().startsWith(second.base), { timeoutMs: 20000, intervalMs: 100, what: `the console moved to ${second.base} (at ${page.url()})` });
    const movedS = (Date.now() - killedAt) / 1000;
    await page.waitForSelector('#app:not([hidden])', { timeout: 15000 });
    assert(!page.url().includes('resume='), `the token left the address bar: ${page.url()}`);
    await waitFor(async () => (await state(page)).connection === 'live', { what: 'the stream is live on the second node' });
    await waitFor(async () => (await api(second.base, T.cell, '/health')).role === 'leader', { timeoutMs: 10000, what: 'the second node leads' });
    // The same cross-party alerts, by id, as before the kill and as the second node lists.
    const same = await waitFor(async () => {
      const listed = await crossParty(second.base);
      const shown = await shownConflicts();
      return listed.length && listed.every((id) => shown.includes(id)) ? listed : null;
    }, { timeoutMs: 15000, what: 'the console shows the alerts the second node lists' });
    const kept = before.filter((id) => same.includes(id));
    assert(kept.length > 0, `the alert ids went on across the failover: before ${before}, after ${same}`);
    await screenshot(page, 'on-second-node');
    assert(page.errors.length === 0, `no page errors: ${page.errors.join('; ')}`);
    console.log(`failover: console on ${second.base} ${movedS.toFixed(1)} s after the kill, ${same.length} cross-party alerts (${kept.length} with the ids they had before)`);
  } finally {
    await browser.close();
    await second.stop();
    await first.stop();
  }
}

main().then(() => console.log('e2e/failover: ok'), (e) => {
  console.error(`e2e/failover: FAILED: ${e.stack || e}`);
  process.exit(1);
});
