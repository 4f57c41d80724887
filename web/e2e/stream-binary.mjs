// The console on the binary stream (`/api/v1/stream?encoding=binary`, js/stream-binary.js)
// shows the same aircraft as on JSON: two cell consoles side by side against one
// `deconflict serve --demo`, one left to its default (binary, Chromium has
// DecompressionStream) and one forced to JSON (localStorage `deconflict.stream-encoding`),
// hold the same ids with the same static fields, and positions, altitudes and speeds within
// the binary picture's quantisation plus what a second of flight moves them.
import { assert, launchBrowser, scenarios, signIn, sleep, startServer, waitFor } from './lib.mjs';

const server = await startServer();
const browser = await launchBrowser();
const t = scenarios();
try {
  await t.run('the binary stream shows the same aircraft, with the same fields, as JSON', async () => {
    const sockets = { binary: [], json: [] };
    const watch = (kind) => (p) => p.on('websocket', (ws) => {
      const s = { url: ws.url(), binaryFrames: 0, textFrames: 0 };
      sockets[kind].push(s);
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string') s.textFrames += 1;
        else s.binaryFrames += 1;
      });
    });
    const bin = await signIn(browser, server.base, server.tokens.cell, [], { onPage: watch('binary') });
    const json = await signIn(browser, server.base, server.tokens.cell, [], {
      onPage: watch('json'),
      initScript: () => localStorage.setItem('deconflict.stream-encoding', 'json'),
    });
    await waitFor(async () => sockets.binary[0]?.binaryFrames >= 3 && sockets.json[0]?.textFrames >= 3, { what: 'both streams to carry frames' });
    assert(/[?&]encoding=binary(&|$)/.test(sockets.binary[0].url), `binary console asked ${sockets.binary[0].url}`);
    assert(!/encoding=/.test(sockets.json[0].url), `JSON console asked ${sockets.json[0].url}`);
    assert(sockets.json[0].binaryFrames === 0, 'the JSON stream carried binary frames');
    const ids = (p) => p.evaluate(() => window.__deconflict.state.drawnTracks.map((x) => x.id).sort());
    // Both pictures settle on the same ids (a cycle apart at most).
    let a;
    let b;
    await waitFor(async () => {
      [a, b] = [await ids(bin), await ids(json)];
      return a.length > 10 && JSON.stringify(a) === JSON.stringify(b);
    }, { timeoutMs: 20000, intervalMs: 300, what: 'the same aircraft ids on both consoles' });
    await sleep(200);
    const fields = (p, list) => p.evaluate((l) => l.map((id) => window.__deconflict.track(id)), list);
    const [fa, fb] = [await fields(bin, a), await fields(json, a)];
    let compared = 0;
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [fa[i], fb[i]];
      if (!x || !y) continue;
      compared += 1;
      for (const k of ['id', 'callsign', 'party', 'squawk', 'on_ground']) assert(JSON.stringify(x[k]) === JSON.stringify(y[k]), `${x.id} ${k}: ${JSON.stringify(x[k])} vs ${JSON.stringify(y[k])}`);
      assert(JSON.stringify([...x.sources].sort()) === JSON.stringify([...y.sources].sort()), `${x.id} sources`);
      for (const k of ['alt_ft', 'gs_kt', 'trk_deg', 'vs_fpm', 'selected_alt_ft', 'selected_alt_time']) {
        assert((x[k] === null) === (y[k] === null), `${x.id} ${k} known on one console only: ${x[k]} vs ${y[k]}`);
      }
      // The two consoles may hold reports a cycle apart: same report → within quantisation.
      if (x.last_update !== null && Math.abs(x.last_update - y.last_update) < 0.001) {
        assert(Math.abs(x.lat_deg - y.lat_deg) <= 5e-7 + 1e-9 && Math.abs(x.lon_deg - y.lon_deg) <= 5e-7 + 1e-9, `${x.id} position ${x.lat_deg},${x.lon_deg} vs ${y.lat_deg},${y.lon_deg}`);
        if (x.alt_ft !== null) assert(Math.abs(x.alt_ft - y.alt_ft) <= 2.5, `${x.id} alt ${x.alt_ft} vs ${y.alt_ft}`);
        if (x.gs_kt !== null) assert(Math.abs(x.gs_kt - y.gs_kt) <= 0.05 + 1e-9, `${x.id} gs ${x.gs_kt} vs ${y.gs_kt}`);
        if (x.vs_fpm !== null) assert(Math.abs(x.vs_fpm - y.vs_fpm) <= 2, `${x.id} vs ${x.vs_fpm} vs ${y.vs_fpm}`);
        if (x.trk_deg !== null) {
          const d = Math.abs(x.trk_deg - y.trk_deg) % 360;
          assert(Math.min(d, 360 - d) <= 0.003, `${x.id} trk ${x.trk_deg} vs ${y.trk_deg}`);
        }
      }
    }
    assert(compared > 10, `only ${compared} aircraft compared`);
    assert(bin.errors.length === 0 && json.errors.length === 0, `page errors: ${bin.errors.concat(json.errors).join('; ')}`);
    const alerts = async (p) => (await p.evaluate(() => window.__deconflict.state.alerts.map((x) => x.id).sort())).join(',');
    await waitFor(async () => (await alerts(bin)) === (await alerts(json)), { timeoutMs: 10000, what: 'the same alerts on both consoles' });
    return `${a.length} aircraft, ${compared} compared field by field; binary stream ${sockets.binary[0].binaryFrames} binary frames`;
  });
} finally {
  t.summary(server);
  await browser.close();
  await server.stop();
}
