// Browser tests of what the duty officer looks at, against a real `deconflict serve --demo`:
// the "in view only" filter of blue's aircraft table lists exactly what the map draws in the
// view (no Paris traffic while looking at Syria) and follows the map; `H` as blue fits blue's
// aircraft and its alerts, not Paris, and a second `H` fits everything; a saved view survives a
// reload and is recalled with Shift+1; the cell's alert list puts the scripted cross-party
// warning (blue VIPER11 / red SOKOL21) first and collapses the civil–civil alerts to their
// count; `A` acknowledges what the viewer may acknowledge (the cell one side at a time, as the
// API records) and, when nothing is left, or for the observer, says why in plain words instead
// of an API error; aerodromes are drawn round Paris at zoom 9 (LFPG among them, fetched per
// tile, not every frame) and range rings round a selected aircraft. Screenshots of every step
// go to web/test-output/view-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, screenshot, scenarios, signIn, sleep, startServer, state, waitFor } from './lib.mjs';
import { WARNING } from '../public/js/levels.js';
import { CIVIL_REASON, DONE_REASON, OBSERVER_REASON } from '../public/js/alert-groups.js';
import { RING_RADII_NM } from '../public/js/map/layers/range-rings.js';
import { destination } from '../public/js/geo.js';

// The demo's scripted head-on: blue VIPER11 (AE1001) and red SOKOL21 (150A21), a warning about
// 37 s after the server starts, closest point about 115 s after it.
const SCRIPTED_PAIR = ['150A21', 'AE1001'];
/** West of this longitude is the demo's Paris traffic; east of it the Levant scenario. */
const PARIS_MAX_LON = 10;

/** The map's size in CSS pixels. */
function mapBox(page) {
  return page.evaluate(() => {
    const r = document.querySelector('[data-testid=map-canvas]').getBoundingClientRect();
    return { width: r.width, height: r.height };
  });
}

/** Screen positions of the given aircraft ([{id, lon_deg, lat_deg}]) on the map now. */
function projectAll(page, list) {
  return page.evaluate((l) => l.map((t) => ({ ...t, xy: window.__deconflict.project(t.lon_deg, t.lat_deg) })), list);
}

/** Aircraft of the hook's drawnTracks with a position (those known via an alert may have none). */
const placed = (list) => list.filter((t) => Number.isFinite(t.lon_deg) && Number.isFinite(t.lat_deg));
const inside = (xy, box) => xy[0] >= 0 && xy[1] >= 0 && xy[0] <= box.width && xy[1] <= box.height;

/** Presses a key with the map focused (no text field takes it). */
async function mapKey(page, key) {
  await page.focus('[data-testid=map-canvas]');
  await page.keyboard.press(key);
}

/** The toast's text once it shows something other than `previous`. */
async function nextToast(page, previous = null) {
  return waitFor(async () => {
    const el = await page.$('[data-testid=toast]:not([hidden])');
    const text = el ? (await el.textContent()).trim() : '';
    return text && text !== previous ? text : null;
  }, { timeoutMs: 5000, what: 'a message in the status area' });
}

const server = await startServer();
const t0 = server.startedAt;
// A page served by the test counts as public to Chromium, which then blocks its WebSocket to
// loopback: the check is off when the files come from disk.
const browser = await launchBrowser();
const requests = [];
const pages = [];
const s = scenarios();
try {
  const blue = await signIn(browser, server.base, server.tokens.blue, requests);
  const cell = await signIn(browser, server.base, server.tokens.cell, requests);
  const monitor = await signIn(browser, server.base, server.tokens.monitor, requests);
  pages.push(blue, cell, monitor);
  for (const p of pages) await waitFor(async () => (await state(p)).tracks > 0, { what: 'a picture' });

  await s.run('"in view only" lists exactly the aircraft the map draws in the view, and follows the map', async () => {
    const all = await state(blue);
    const paris = all.drawnTracks.filter((t) => t.lon_deg < PARIS_MAX_LON);
    assert(paris.length >= 20, `blue's picture has the Paris traffic (${paris.length})`);
    await blue.evaluate(() => window.__deconflict.view(37.0, 35.6, 8));
    await sleep(600);
    const rowsBefore = await blue.$$eval('[data-testid=aircraft-row]', (r) => r.map((x) => x.dataset.id));
    const byId = new Map(all.drawnTracks.map((t) => [t.id, t]));
    assert(rowsBefore.some((id) => byId.get(id) && byId.get(id).lon_deg < PARIS_MAX_LON), 'unfiltered, the table lists Paris aircraft');
    await blue.check('[data-testid=aircraft-in-view]');
    // What the map draws and what the table lists, read at the same moment (aircraft move).
    const seen = await waitFor(async () => {
      const r = await blue.evaluate(() => ({
        rows: [...document.querySelectorAll('[data-testid=aircraft-row]')].map((x) => x.dataset.id),
        count: document.querySelector('[data-testid=aircraft-count]').textContent,
        inView: Number(document.querySelector('[data-testid=aircraft-count]').dataset.inView),
        drawn: window.__deconflict.state.drawn,
        tracks: window.__deconflict.state.drawnTracks,
      }));
      return r.inView === r.drawn && r.rows.length === r.drawn ? r : null;
    }, { what: 'the table count to match what the map draws in view' });
    const pos = new Map(seen.tracks.map((t) => [t.id, t]));
    const listedParis = seen.rows.filter((id) => pos.get(id) && pos.get(id).lon_deg < PARIS_MAX_LON);
    assert(listedParis.length === 0, `no Paris aircraft listed while looking at Syria (got ${listedParis.join(', ')})`);
    assert(seen.rows.length > 0 && seen.rows.length < all.drawnTracks.length, `some aircraft, not all (${seen.rows.length} of ${all.drawnTracks.length})`);
    assert(/^\d+ of \d+ in view/.test(seen.count), `count line says "N of M in view" (got "${seen.count}")`);
    const box = await mapBox(blue);
    const projected = await projectAll(blue, placed(seen.rows.map((id) => pos.get(id)).filter(Boolean)));
    const far = projected.filter((t) => t.xy[0] < -30 || t.xy[1] < -30 || t.xy[0] > box.width + 30 || t.xy[1] > box.height + 30);
    assert(far.length === 0, `every listed aircraft is in the map's view (${far.map((t) => t.id).join(', ')})`);
    await screenshot(blue, 'blue-in-view-syria');
    // The map moves to Paris: the table follows without a click.
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 8));
    const moved = await waitFor(async () => {
      const ids = await blue.$$eval('[data-testid=aircraft-row]', (r) => r.map((x) => x.dataset.id));
      const st = await state(blue);
      const p = new Map(st.drawnTracks.map((t) => [t.id, t]));
      return ids.length && ids.every((id) => p.get(id) && p.get(id).lon_deg < PARIS_MAX_LON) ? ids : null;
    }, { what: 'the table to list the Paris aircraft once the map looks there' });
    await screenshot(blue, 'blue-in-view-paris');
    return `${seen.rows.length} in view over Syria (${seen.count}), ${moved.length} over Paris`;
  });

  await s.run('H as blue fits its own aircraft and alerts, not Paris; a second H fits everything', async () => {
    const st = await state(blue);
    const own = st.drawnTracks.filter((t) => t.party === 'blue');
    assert(own.length >= 2, `blue has aircraft (${own.length})`);
    assert(own.every((t) => t.lon_deg > PARIS_MAX_LON), 'none of them near Paris (the check below would be vacuous)');
    const paris = st.drawnTracks.filter((t) => t.lon_deg < PARIS_MAX_LON);
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 8));
    await sleep(300);
    const box = await mapBox(blue);
    await mapKey(blue, 'h');
    const firstAt = Date.now();
    await sleep(300);
    // Read the view once, in the page (the second press must follow within 2 s on a busy machine).
    const now = await blue.evaluate(() => JSON.parse(JSON.stringify(window.__deconflict.state)));
    const seenHome = await projectAll(blue, placed(now.drawnTracks));
    await mapKey(blue, 'h');
    const secondAfterMs = Date.now() - firstAt;
    assert(secondAfterMs < 2000, `the test pressed H again within 2 s (${secondAfterMs} ms)`);
    await sleep(400);
    const allNow = await projectAll(blue, placed((await state(blue)).drawnTracks.filter((t) => t.lon_deg < PARIS_MAX_LON || t.party === 'blue')));
    const projectedAt = new Map(seenHome.map((t) => [t.id, t]));
    const ownNow = now.drawnTracks.filter((t) => t.party === 'blue' && projectedAt.has(t.id)).map((t) => projectedAt.get(t.id));
    const out = ownNow.filter((t) => !inside(t.xy, box));
    assert(out.length === 0, `every blue aircraft in view after H (outside: ${out.map((t) => t.id).join(', ')})`);
    // Both aircraft of blue's alerts too (red's SOKOL21 is known to blue only through it).
    const alertIds = new Set(now.alerts.filter((a) => a.kind === 'conflict').flatMap((a) => [a.a, a.b]));
    const alertAc = now.drawnTracks.filter((t) => alertIds.has(t.id) && projectedAt.has(t.id)).map((t) => projectedAt.get(t.id));
    assert(alertAc.every((t) => inside(t.xy, box)), `the aircraft of blue's alerts in view (${alertAc.map((t) => t.id).join(', ')})`);
    const parisNow = now.drawnTracks.filter((t) => t.lon_deg < PARIS_MAX_LON && projectedAt.has(t.id)).map((t) => projectedAt.get(t.id));
    assert(parisNow.length > 0 && parisNow.every((t) => !inside(t.xy, box)), 'no Paris aircraft in the view');
    const missing = allNow.filter((t) => !inside(t.xy, box));
    assert(!missing.length, `the second H within 2 s shows Paris and blue together (outside: ${missing.slice(0, 5).map((t) => `${t.id} ${t.xy.map(Math.round)}`).join('; ')})`);
    await screenshot(blue, 'blue-h-all');
    // Later, H is the home view again; Shift+H is everything at once.
    await sleep(2300);
    await mapKey(blue, 'h');
    await sleep(300);
    assert((await projectAll(blue, paris.slice(0, 5))).every((t) => !inside(t.xy, box)), 'H after 2 s: home again');
    await screenshot(blue, 'blue-h-home');
    await mapKey(blue, 'Shift+H');
    await sleep(300);
    assert((await projectAll(blue, paris.slice(0, 5))).every((t) => inside(t.xy, box)), 'Shift+H: everything');
    return `${own.length} blue aircraft and ${alertIds.size} alert aircraft fitted, ${paris.length} Paris aircraft left out`;
  });

  await s.run('a saved view survives a reload and Shift+1 recalls it', async () => {
    const near = (a, b) => Math.abs(a.lon - b.lon) < 0.01 && Math.abs(a.lat - b.lat) < 0.01 && Math.abs(a.zoom - b.zoom) < 0.02;
    const latakia = { lon: 35.95, lat: 35.52, zoom: 9.5 };
    const parisView = { lon: 2.45, lat: 48.9, zoom: 8 };
    for (const [name, v] of [['Latakia', latakia], ['Paris', parisView]]) {
      await blue.evaluate((x) => window.__deconflict.view(x.lon, x.lat, x.zoom), v);
      await blue.click('[data-testid=views-button]');
      await blue.fill('[data-testid=view-name]', name);
      await blue.click('[data-testid=view-save]');
      await blue.click('[data-testid=views-button]');
    }
    await blue.click('[data-testid=views-button]');
    const listed = await blue.$$eval('[data-testid=view-item]', (l) => l.map((x) => x.dataset.name));
    assert(listed.join() === 'Latakia,Paris', `both views listed (got ${listed})`);
    await screenshot(blue, 'blue-views-menu');
    await blue.evaluate(() => window.__deconflict.view(40, 30, 5));
    await blue.reload();
    await blue.waitForSelector('#app:not([hidden])', { timeout: 15000 });
    await waitFor(async () => (await state(blue)).tracks > 0, { what: 'blue picture after the reload' });
    await sleep(800);
    assert(await blue.isChecked('[data-testid=aircraft-in-view]'), 'the in-view filter is still on after the reload');
    await mapKey(blue, 'Shift+Digit1');
    await sleep(300);
    const v1 = (await state(blue)).mapView;
    assert(near(v1, latakia), `Shift+1 recalls Latakia (got ${JSON.stringify(v1)})`);
    await screenshot(blue, 'blue-view-recalled');
    await mapKey(blue, 'Shift+Digit2');
    await sleep(300);
    assert(near((await state(blue)).mapView, parisView), 'Shift+2 recalls Paris');
    await blue.click('[data-testid=views-button]');
    await blue.click('[data-testid=view-item][data-name=Paris] [data-testid=view-delete]');
    const left = await blue.$$eval('[data-testid=view-item]', (l) => l.map((x) => x.dataset.name));
    assert(left.join() === 'Latakia', `Paris deleted (left: ${left})`);
    await blue.click('[data-testid=views-button]');
    return 'saved two, recalled both after a reload, deleted one';
  });

  await s.run('the cell sees the cross-party warning first and the civil–civil alerts collapsed to their count', async () => {
    const first = await waitFor(async () => {
      const el = await cell.$('[data-testid=alert-item]');
      if (!el) return null;
      const pair = [await el.getAttribute('data-a'), await el.getAttribute('data-b')].sort();
      const level = await el.getAttribute('data-level');
      return pair.join() === SCRIPTED_PAIR.join() && level === String(WARNING) ? { id: await el.getAttribute('data-alert-id'), afterS: (Date.now() - t0) / 1000 } : null;
    }, { timeoutMs: Math.max(5000, t0 + 90_000 - Date.now()), intervalMs: 200, what: 'the scripted warning at the top of the cell\'s list' });
    const conflicts = (await api(server.base, server.tokens.cell, '/conflicts')).conflicts;
    const civil = conflicts.filter((c) => !c.a_party && !c.b_party);
    assert(civil.length > 0, 'the demo has civil–civil alerts now (else nothing to mute)');
    assert(civil.every((c) => Object.keys(c.acks || {}).length === 0), 'civil–civil alerts have no acks');
    const head = await cell.$('[data-testid=alert-group][data-group=civil]');
    assert(head, 'a civil–civil group line');
    assert(await head.getAttribute('data-collapsed') === 'true', 'collapsed');
    const shownCount = Number(await head.getAttribute('data-count'));
    assert(Math.abs(shownCount - civil.length) <= 1, `its count (${shownCount}) is the API's civil–civil alerts (${civil.length})`);
    const civilItems = await cell.$$eval('[data-testid=alert-item]', (l) => l.filter((x) => [x.dataset.aParty, x.dataset.bParty].every((p) => !p || p === 'null') && x.dataset.kind === 'conflict').length);
    assert(civilItems === 0, `no civil–civil alert listed while collapsed (got ${civilItems})`);
    await screenshot(cell, 'cell-cross-party-first');
    // Shown: listed after the cross-party warning, lighter; the choice outlives a reload.
    await cell.check('[data-testid=alerts-show-civil]');
    const order = await cell.$$eval('[data-testid=alert-item]', (l) => l.map((x) => ({ id: x.dataset.alertId, civil: [x.dataset.aParty, x.dataset.bParty].every((p) => !p || p === 'null') && x.dataset.kind === 'conflict', cls: x.className })));
    assert(order[0].id === first.id, 'the cross-party warning stays first');
    assert(order.some((o) => o.civil), `civil–civil alerts listed once shown (${JSON.stringify(order)}; ${JSON.stringify((await state(cell)).alerts.map((a) => [a.id, a.group]))})`);
    const firstCivil = order.findIndex((o) => o.civil);
    assert(order.slice(firstCivil).every((o) => o.civil), 'civil–civil alerts come last');
    assert(order.filter((o) => o.civil).every((o) => o.cls.includes('civil')), 'drawn with less weight');
    const opacity = await cell.$eval('[data-testid=alert-item].civil', (el) => Number(getComputedStyle(el).opacity));
    assert(opacity < 0.8, `civil–civil entries are faded (opacity ${opacity})`);
    await screenshot(cell, 'cell-civil-shown');
    await cell.reload();
    await cell.waitForSelector('#app:not([hidden])', { timeout: 15000 });
    await cell.waitForSelector('[data-testid=alert-item]', { timeout: 10000 });
    assert(await cell.isChecked('[data-testid=alerts-show-civil]'), '"show civil–civil" kept over a reload');
    await cell.uncheck('[data-testid=alerts-show-civil]');
    await cell.waitForSelector('[data-testid=alert-group][data-group=civil][data-collapsed=true]');
    return `warning first ${first.afterS.toFixed(0)} s after the start; ${civil.length} civil–civil alerts collapsed`;
  });

  await s.run('A acknowledges what the viewer may, one side at a time for the cell, then says why not — never an API error', async () => {
    const w = (await api(server.base, server.tokens.cell, '/conflicts')).conflicts.find((c) => [c.a, c.b].sort().join() === SCRIPTED_PAIR.join());
    assert(w && w.level === WARNING, 'the scripted warning is active');
    // The observer acknowledges nothing: A says so and sends nothing.
    const acksBefore = requests.filter((r) => r.method === 'POST' && r.url.includes('/ack')).length;
    await mapKey(monitor, 'a');
    const said = await nextToast(monitor);
    assert(said.includes(OBSERVER_REASON), `the observer is told why ("${said}")`);
    assert(requests.filter((r) => r.method === 'POST' && r.url.includes('/ack')).length === acksBefore, 'no acknowledgement sent by the observer');
    await screenshot(monitor, 'monitor-a-explained');
    // The cell: each A acknowledges one more side (the scripted warning's two first), until
    // nothing is left; then the reason, in plain words.
    let last = null;
    const acked = [];
    for (let i = 0; i < 10; i++) {
      await mapKey(cell, 'a');
      last = await nextToast(cell, last);
      if (last.startsWith('Nothing to acknowledge')) break;
      assert(last.startsWith('Acknowledged for '), `A acknowledged something ("${last}")`);
      acked.push(last);
      if (acked.length === 2) {
        const now = (await api(server.base, server.tokens.cell, '/conflicts')).conflicts.find((c) => c.id === w.id);
        assert(now.acks.blue === true && now.acks.red === true, `the first two A presses acknowledged both sides of the warning (${JSON.stringify(now.acks)})`);
      }
    }
    assert(acked.length >= 2, `at least the warning's two sides acknowledged (${acked.length})`);
    assert(last.startsWith('Nothing to acknowledge'), `A finally says there is nothing left ("${last}")`);
    assert(last.includes(DONE_REASON) || last.includes(CIVIL_REASON), `with the reason in plain words ("${last}")`);
    assert(!/HTTP|failed|403|404|must name|problem/i.test(last), `no API error text ("${last}")`);
    await screenshot(cell, 'cell-a-explained');
    // A refused acknowledgement (blue's side already acknowledged) is explained too.
    await mapKey(blue, 'a');
    const blueSaid = await nextToast(blue);
    assert(!/HTTP|failed|must name/i.test(blueSaid), `blue's A is explained in plain words ("${blueSaid}")`);
    return `observer: "${said}"; cell: ${acked.length} acknowledged, then "${last}"`;
  });

  await s.run('aerodromes round Paris at zoom 9, fetched per tile and not every frame', async () => {
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 9));
    // LFPG drawn where it is in this view (an earlier view's drawing does not count).
    let where = '';
    const drawn = await waitFor(async () => {
      const st = await state(blue);
      const a = st.aerodromesDrawn.find((x) => x.icao === 'LFPG');
      if (!a) return null;
      const [x, y] = await blue.evaluate(() => window.__deconflict.project(2.5478, 49.0097));
      where = `${a.x.toFixed(0)},${a.y.toFixed(0)} vs ${x.toFixed(0)},${y.toFixed(0)}`;
      return Math.hypot(a.x - x, a.y - y) < 3 ? st : null;
    }, { timeoutMs: 10000, what: `LFPG drawn on the basemap where it is (${where || 'not drawn'})` });
    const lfpg = drawn.aerodromesDrawn.find((a) => a.icao === 'LFPG');
    assert(lfpg.iata === 'CDG' && lfpg.labelled, 'LFPG (CDG) labelled with its ICAO code');
    for (const icao of ['LFPO', 'LFPB']) assert(drawn.aerodromesDrawn.some((a) => a.icao === icao), `${icao} drawn too`);
    const small = drawn.aerodromesDrawn.filter((a) => !a.iata).length;
    assert(small > 0, 'aerodromes without an IATA code are drawn at zoom 9');
    // The basemap canvas really shows something at LFPG (the symbol's ticks).
    const painted = await blue.evaluate(([px, py]) => {
      const c = document.querySelector('canvas.map-base');
      const dpr = c.width / c.clientWidth;
      const d = c.getContext('2d').getImageData(Math.round((px - 8) * dpr), Math.round((py - 8) * dpr), Math.round(16 * dpr), Math.round(16 * dpr)).data;
      let bright = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 300) bright += 1;
      return bright;
    }, [lfpg.x, lfpg.y]);
    assert(painted > 5, `the LFPG symbol is painted on the basemap (${painted} bright pixels)`);
    await screenshot(blue, 'blue-aerodromes-paris-z9');
    const requestsThen = (await state(blue)).aerodromeRequests;
    const fetchesThen = requests.filter((r) => r.url.includes('/aerodromes')).length;
    await sleep(2000);
    assert((await state(blue)).aerodromeRequests === requestsThen, 'no new request while the view stays put');
    assert(requests.filter((r) => r.url.includes('/aerodromes')).length === fetchesThen, 'no HTTP request either');
    // Zoomed out to zoom 6: only the IATA-coded ones; to zoom 4: none.
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 6));
    const z6 = await waitFor(async () => {
      const st = await state(blue);
      const a = st.aerodromesDrawn.find((x) => x.icao === 'LFPG');
      const [x, y] = await blue.evaluate(() => window.__deconflict.project(2.5478, 49.0097));
      return a && Math.hypot(a.x - x, a.y - y) < 3 ? st : null;
    }, { what: 'the basemap redrawn at zoom 6 with LFPG' });
    assert(z6.aerodromesDrawn.every((a) => a.iata), 'at zoom 6 only aerodromes with an IATA code');
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 4));
    await sleep(700);
    assert((await state(blue)).aerodromesDrawn.length === 0, 'none at zoom 4');
    return `${drawn.aerodromesDrawn.length} drawn at zoom 9 (${small} without IATA code), ${requestsThen} tile requests`;
  });

  await s.run('range rings round the selected aircraft, geodesic and labelled, switched by O and the layer box', async () => {
    await blue.evaluate(() => window.__deconflict.view(2.45, 48.9, 9));
    await sleep(500);
    // Select an aircraft in view from the (in-view) table.
    const id = await blue.getAttribute('[data-testid=aircraft-row] >> nth=0', 'data-id');
    assert(id, 'an aircraft listed in view');
    // Selects it and centres the map on it (the table is redrawn every second: find it anew).
    await blue.click(`[data-testid=aircraft-row][data-id="${id}"]`);
    assert(!(await blue.isChecked('[data-testid=layer-range-rings]')), 'range rings start off');
    await mapKey(blue, 'o');
    const st = await waitFor(async () => { const x = await state(blue); return x.rangeRings ? x : null; }, { what: 'range rings drawn' });
    assert(await blue.isChecked('[data-testid=layer-range-rings]'), 'O ticks the layer box');
    assert(st.rangeRings.id === id && st.selectedId === id, 'round the selected aircraft');
    const nm = st.rangeRings.rings.map((r) => r.nm);
    assert(nm.join() === RING_RADII_NM.join(), `rings of ${RING_RADII_NM.join(', ')} NM (got ${nm})`);
    // Each ring's radius on screen is its distance north of the aircraft along the great circle.
    const rr = st.rangeRings;
    for (const r of rr.rings) {
      const [nlon, nlat] = destination(rr.lon_deg, rr.lat_deg, 0, r.nm * 1852);
      const [, ny] = await blue.evaluate(([a, b]) => window.__deconflict.project(a, b), [nlon, nlat]);
      const expected = rr.centre[1] - ny;
      assert(Math.abs(r.radius_px - expected) / expected < 0.02, `the ${r.nm} NM ring is ${r.radius_px.toFixed(1)} px, ${r.nm} NM north is ${expected.toFixed(1)} px`);
    }
    for (let k = 1; k < rr.rings.length; k++) assert(rr.rings[k].radius_px > rr.rings[k - 1].radius_px * 1.9, 'each ring twice the one inside it');
    const t = st.drawnTracks.find((x) => x.id === id);
    assert(Math.abs(rr.lat_deg - t.lat_deg) < 0.05 && Math.abs(rr.lon_deg - t.lon_deg) < 0.08, `centred on the aircraft (${rr.lat_deg.toFixed(3)},${rr.lon_deg.toFixed(3)} vs ${t.lat_deg.toFixed(3)},${t.lon_deg.toFixed(3)})`);
    const [ax, ay] = await blue.evaluate(([a, b]) => window.__deconflict.project(a, b), [rr.lon_deg, rr.lat_deg]);
    assert(Math.hypot(ax - rr.centre[0], ay - rr.centre[1]) < 1, 'the rings\' centre is where the aircraft is drawn');
    await screenshot(blue, 'blue-range-rings');
    await blue.uncheck('[data-testid=layer-range-rings]');
    await sleep(200);
    assert((await state(blue)).rangeRings === null, 'unticking the layer box removes them');
    return `${id}: ${st.rangeRings.rings.map((r) => `${r.nm} NM = ${r.radius_px.toFixed(0)} px`).join(', ')}`;
  });

  await s.run('no uncaught script error, and only the server\'s own origin', async () => {
    const errors = pages.flatMap((p) => p.errors || []);
    assert(errors.length === 0, `page errors: ${errors.join(' | ')}`);
    const foreign = requests.filter((r) => !r.url.startsWith(server.base) && !r.url.startsWith(server.base.replace('http', 'ws')) && !r.url.startsWith('data:'));
    assert(foreign.length === 0, `requests elsewhere: ${foreign.map((r) => r.url).join(', ')}`);
  });
} finally {
  s.summary(server);
  await browser.close().catch(() => {});
  await server.stop();
}
