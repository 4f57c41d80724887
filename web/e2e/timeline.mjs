// Browser tests of the timeline, of changing every volume of a reservation and of advance
// notices on the map, against a real `deconflict serve --demo` (its own).
//
// - The timeline bar: live at first; the slider's keys (arrows ±5 min, Shift ±1 min, Page Up
//   ±1 h, End +24 h, Home live) with the map saying "VIEWING 14:35 UTC (+2:10) — aircraft are
//   live"; the coming changes of the demo (red's strike corridor becoming active in 30 min…).
// - Blue accepts red's demo vacate request q-1 (as e2e/exclusion.mjs): the coming changes list
//   "hh:mm UTC exclusion r-N in force: blue out" at the API's deadline; the slider just before
//   the deadline shows no exclusion (no hatch in its box, read back from the lower canvas), just
//   after it the exclusion in force (solid outline, cross-hatched, "· in force"); red's strike
//   corridor proposed → active at its start; aircraft stay live; clicking the change moves the
//   slider to the deadline itself; Now returns to live.
// - Blue files a two-volume reservation over the API, changes the second volume's upper level
//   in the console's Change form (every volume a row): GET /reservations/{id} keeps both, the
//   first as it was, the second changed; the timeline shows each volume in its own window.
// - Red's demo notice q-2 (a UAV orbit live now, a planned route from 30 min on): its volume
//   dotted in red's colour and labelled "NOTICE · red: … · hh:mm–hh:mm UTC", its route with each
//   waypoint labelled "hh:mm FLnnn" as the API gives them; blue's notice advisories on EAGLE31 /
//   EAGLE32 ("NOTICE · EAGLE32 is crossing red's notice q-2 now" / "… predicted to cross … in
//   m:ss") and the crossing of blue's CAP reservation ("NOTICE · your reservation r-2 (Blue CAP
//   north) crosses red's notice q-2, …") in blue's list as the API has them; the route on the
//   timeline from its start, not before; red composes a notice of a volume drawn on the map in
//   the Requests panel, and one of its reservation, which the API then lists.
// Screenshots go to web/test-output/timeline-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, screenshot, signIn, sleep, startServer, waitFor, scenarios, state } from './lib.mjs';
import { PARTY } from '../public/js/palette.js';

const utcOf = (t) => new Date(t * 1000).toISOString().slice(11, 19);
const hhmm = (t) => utcOf(t).slice(0, 5);
const flOf = (ft) => (ft < 5000 ? `${Math.round(ft / 100) * 100}ft` : `FL${String(Math.round(ft / 100)).padStart(3, '0')}`);
const VIEWING_RE = /^VIEWING \d\d:\d\d(:\d\d)? UTC \(\+\d+:\d\d\) — aircraft are live$/;

const timeline = (page) => page.evaluate(() => window.__deconflict.timeline());
const exclusions = (page) => page.evaluate(() => window.__deconflict.exclusions());
const notices = (page) => page.evaluate(() => window.__deconflict.notices());

/** POST /api/v1{path} with a bearer token; the parsed JSON, or throws with the status and body. */
async function post(base, token, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Moves the slider as a drag does: to about `t` (its whole minute), then waits for the map to be drawn. */
async function slideTo(page, t) {
  await page.evaluate((at) => {
    const el = document.querySelector('[data-testid=timeline-slider]');
    el.value = String(at - Date.now() / 1000);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, t);
  await sleep(400);
}

/** Shows the whole of a set of [lon, lat] points on the map, then waits for a frame or two. */
async function fit(page, pts) {
  await page.evaluate((p) => window.__deconflict.fit(p), pts);
  await sleep(500);
}

function volumePoints(vol) {
  if (vol.shape.type === 'circle') {
    const c = vol.shape.center;
    const dLat = vol.shape.radius_m / 111320;
    const dLon = dLat / Math.cos((c.lat_deg * Math.PI) / 180);
    return [[c.lon_deg - dLon, c.lat_deg - dLat], [c.lon_deg + dLon, c.lat_deg + dLat]];
  }
  return Array.isArray(vol.shape.coordinates[0][0]) ? vol.shape.coordinates[0] : vol.shape.coordinates;
}

/** Red hatch pixels (strongly pink) of the lower canvas in a 40×40 px square round a point (as e2e/exclusion.mjs). */
function hatchPixels(page, [lon, lat]) {
  return page.evaluate(([lo, la]) => {
    const canvas = document.querySelector('canvas.map-base');
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    const [x, y] = window.__deconflict.project(lo, la);
    const d = ctx.getImageData(Math.round((x - 20) * dpr), Math.round((y - 20) * dpr), Math.round(40 * dpr), Math.round(40 * dpr)).data;
    let pink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 1] > 45 && d[i + 2] - d[i + 1] > 20) pink += 1;
    return { pink, of: d.length / 4 };
  }, [lon, lat]);
}

/** Pixels in red's colour (within a small distance) along a screen segment of the lower canvas. */
function colourAlong(page, a, b, colour) {
  return page.evaluate(([p, q, hex]) => {
    const canvas = document.querySelector('canvas.map-base');
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const [x0, y0] = window.__deconflict.project(p[0], p[1]);
    const [x1, y1] = window.__deconflict.project(q[0], q[1]);
    let hits = 0;
    const n = 60;
    for (let k = 0; k < n; k++) {
      const x = x0 + ((x1 - x0) * (k + 0.5)) / n;
      const y = y0 + ((y1 - y0) * (k + 0.5)) / n;
      const d = ctx.getImageData(Math.round(x * dpr) - 2, Math.round(y * dpr) - 2, 5, 5).data;
      let hit = false;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]) < 60) hit = true;
      if (hit) hits += 1;
    }
    return { hits, of: n };
  }, [a, b, colour]);
}

async function main() {
  const s = scenarios();
  const server = await startServer();
  console.log(`server ${server.base} (data dir ${server.dataDir})`);
  const browser = await launchBrowser();
  const requests = [];
  const failures = [];
  const watch = async (page) => {
    page.on('response', (r) => { if (r.url().includes('/api/v1/') && r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); });
  };
  const T = server.tokens;
  let blue;
  let red;
  try {
    blue = await signIn(browser, server.base, T.blue, requests, { onPage: watch });

    await s.run('the timeline bar: live at first, the slider\'s keys, the map saying what it shows, the demo\'s coming changes', async () => {
      await blue.waitForSelector('[data-testid=timeline-slider]', { timeout: 10000 });
      const t0 = await timeline(blue);
      assert(t0.live && t0.viewing === null, `live at first (${JSON.stringify({ live: t0.live, viewing: t0.viewing })})`);
      assert(t0.shown.some((x) => x.id === 'r-2' && x.kind === 'reservation') && t0.shown.some((x) => x.kind === 'hazard'), `live, the map draws the demo's reservations and zone (${JSON.stringify(t0.shown.map((x) => x.id))})`);
      const corridor = (await api(server.base, T.blue, '/reservations')).reservations.find((r) => r.party === 'red' && r.purpose === 'operation');
      const active = t0.changes.find((c) => c.id === corridor.id && c.what === 'active');
      assert(active && active.time_s === corridor.volumes[0].start_time && active.text === `${hhmm(active.time_s)} UTC ${corridor.id} ${corridor.name} (red) becomes active`, `the corridor's start is a coming change (${JSON.stringify(active)})`);
      // Keys: arrows ±5 min, Shift ±1 min, Page Up +1 h, End +24 h, Home live.
      await blue.focus('[data-testid=timeline-slider]');
      const now = () => blue.evaluate(() => Date.now() / 1000);
      await blue.keyboard.press('ArrowRight');
      let t = await timeline(blue);
      assert(!t.live && Math.abs(t.time_s - (await now()) - 300) <= 31 && t.time_s % 60 === 0, `→ is 5 min ahead, a whole minute (${(t.time_s - (await now())).toFixed(0)} s)`);
      await blue.keyboard.press('Shift+ArrowRight');
      await blue.keyboard.press('PageUp');
      t = await timeline(blue);
      assert(Math.abs(t.time_s - (await now()) - 3960) <= 31 && t.time_s % 60 === 0, `Shift+→ 1 min and Page Up 1 h more (${(t.time_s - (await now())).toFixed(0)} s)`);
      await sleep(300);
      t = await timeline(blue);
      assert(VIEWING_RE.test(t.viewing) && /^VIEWING \d\d:\d\d UTC \(\+1:0[567]\)/.test(t.viewing), `the map says what it shows ("${t.viewing}")`);
      const shown = await blue.evaluate(() => {
        const el = document.querySelector('[data-testid=map-viewing]');
        const r = el.getBoundingClientRect();
        const m = document.querySelector('#map').getBoundingClientRect();
        return { visible: !el.hidden && r.width > 0, inMap: r.left >= m.left && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom, framed: document.querySelector('#map').classList.contains('viewing-ahead'), valuetext: document.querySelector('[data-testid=timeline-slider]').getAttribute('aria-valuetext'), bar: document.querySelector('[data-testid=timeline-time]').textContent };
      });
      assert(shown.visible && shown.inMap && shown.framed, `the words are on the map, the map framed (${JSON.stringify(shown)})`);
      assert(/^\d\d:\d\d UTC, 1 h [567] min ahead$/.test(shown.valuetext) && /^\d\d:\d\d UTC \+1:0[567]$/.test(shown.bar), `the slider's spoken value and the bar's time ("${shown.valuetext}", "${shown.bar}")`);
      await screenshot(blue, 'blue-ahead-1h');
      await blue.keyboard.press('End');
      t = await timeline(blue);
      assert(Math.abs(t.time_s - (await now()) - 86400) <= 61, 'End is 24 h ahead');
      await blue.keyboard.press('Home');
      t = await timeline(blue);
      assert(t.live && t.viewing === null, 'Home is live again');
      return `${t0.changes.length} coming changes, first "${t0.changes[0].text}"; "${shown.bar}" / "${shown.valuetext}"`;
    });

    let x1 = null;
    await s.run('blue accepts red\'s vacate request: the slider shows the exclusion in force from its deadline on, not before; the change listed, clicked, and Now', async () => {
      await blue.click('[data-testid=tab-requests]');
      const item = '[data-testid=request-item][data-kind=vacate][data-from=red][data-to=blue][data-state=pending]';
      await blue.waitForSelector(item, { timeout: 15000 });
      const q1 = await blue.getAttribute(item, 'data-request-id');
      await blue.click(`[data-testid=request-item][data-request-id="${q1}"] [data-testid=request-accept]`);
      x1 = await waitFor(async () => (await exclusions(blue)).find((x) => x.request_id === q1 && x.drawn) || null, { timeoutMs: 8000, intervalMs: 200, what: 'the exclusion drawn' });
      const api1 = (await api(server.base, T.blue, '/reservations')).reservations.find((r) => r.id === x1.id);
      const D = api1.exclusion.deadline;
      // The coming change at the API's deadline.
      const change = await waitFor(async () => (await timeline(blue)).changes.find((c) => c.id === x1.id && c.what === 'in-force') || null, { timeoutMs: 6000, what: 'the deadline among the coming changes' });
      assert(change.time_s === D && change.text === `${hhmm(D)} UTC exclusion ${x1.id} in force: blue out`, `the deadline's entry (${JSON.stringify(change)})`);
      const vol = api1.volumes[0];
      const inside = [37.8, 36.62];
      await fit(blue, volumePoints(vol));
      const pxLive = await hatchPixels(blue, inside);
      // Just before the deadline: no exclusion drawn.
      await slideTo(blue, D - 150);
      let t = await timeline(blue);
      assert(!t.live && t.time_s < D && t.time_s > D - 240, `the slider before the deadline (${(t.time_s - D).toFixed(0)} s)`);
      assert(!t.shown.some((x) => x.id === x1.id), `before the deadline the exclusion is not shown (${JSON.stringify(t.shown.map((x) => `${x.kind}:${x.id}`))})`);
      assert(!t.shown.some((x) => x.id === api1.id) && !(await exclusions(blue)).find((x) => x.id === x1.id).drawn, 'nor drawn');
      const pxBefore = await hatchPixels(blue, inside);
      assert(pxBefore.pink < 0.01 * pxBefore.of, `no hatch in its box before the deadline (${pxBefore.pink} of ${pxBefore.of})`);
      const corridor = (await api(server.base, T.blue, '/reservations')).reservations.find((r) => r.party === 'red' && r.purpose === 'operation');
      assert(!t.shown.some((x) => x.id === corridor.id), 'red\'s corridor, starting in 30 min, not yet shown');
      assert(VIEWING_RE.test(t.viewing), `the map says it is ahead ("${t.viewing}")`);
      await screenshot(blue, 'blue-before-deadline');
      // Just after: in force.
      await slideTo(blue, D + 150);
      t = await timeline(blue);
      assert(t.time_s > D, `the slider after the deadline (+${(t.time_s - D).toFixed(0)} s)`);
      const ex = t.shown.find((x) => x.id === x1.id);
      assert(ex && ex.kind === 'exclusion' && ex.state === 'in-force', `after the deadline the exclusion is shown in force (${JSON.stringify(ex)})`);
      const drawn = (await exclusions(blue)).find((x) => x.id === x1.id).drawn;
      assert(drawn && drawn.phase === 'in-force' && drawn.style.dash.length === 0 && drawn.style.hatch === 'cross' && drawn.style.colour === PARTY.red, `drawn solid, cross-hatched in red's colour (${JSON.stringify(drawn && drawn.style)})`);
      assert(/^EXCLUSION · blue out by \d\d:\d\d:\d\d UTC · in force$/.test(drawn.text) && (!drawn.label || / · in force$/.test(drawn.label.text)), `labelled in force ("${drawn.text}")`);
      const pxAfter = await hatchPixels(blue, inside);
      assert(pxAfter.pink > 0.05 * pxAfter.of, `hatch lines in its box after the deadline (${pxAfter.pink} of ${pxAfter.of})`);
      // Aircraft stay live while the airspace is ahead.
      const rav1 = await blue.evaluate(() => window.__deconflict.displayed('AE1041'));
      await sleep(1500);
      const rav2 = await blue.evaluate(() => window.__deconflict.displayed('AE1041'));
      const st = await state(blue);
      assert(rav1 && rav2 && rav2.time_s - rav1.time_s > 1 && (rav1.lat_deg !== rav2.lat_deg || rav1.lon_deg !== rav2.lon_deg) && st.drawn > 0, `RAVEN51 moves on, live (${rav1 && rav1.lat_deg.toFixed(4)} → ${rav2 && rav2.lat_deg.toFixed(4)}; ${st.drawn} aircraft drawn)`);
      await screenshot(blue, 'blue-after-deadline');
      // Red's corridor in the state it will be in: active from its start.
      await slideTo(blue, corridor.volumes[0].start_time + 120);
      t = await timeline(blue);
      const co = t.shown.find((x) => x.id === corridor.id);
      assert(corridor.state === 'proposed' && co && co.state === 'active', `red's corridor, proposed now, shown active from its start (${JSON.stringify(co)})`);
      // The change listed and clicked: the slider goes to the deadline itself.
      await slideTo(blue, D + 3600);
      if (!(await blue.isVisible('[data-testid=timeline-changes]'))) await blue.click('[data-testid=timeline-changes-toggle]');
      const entry = `[data-testid=timeline-change][data-id="${x1.id}"][data-what=in-force]`;
      await blue.waitForSelector(entry, { timeout: 5000 });
      const entryText = (await blue.textContent(`${entry} span`)).trim();
      assert(entryText === change.text, `the list says it ("${entryText}")`);
      await blue.click(entry);
      await sleep(400);
      t = await timeline(blue);
      const slider = await blue.evaluate(() => Number(document.querySelector('[data-testid=timeline-slider]').value));
      const left = D - (await blue.evaluate(() => Date.now() / 1000));
      assert(!t.live && t.time_s === D, `clicking it shows the deadline itself (${t.time_s} vs ${D})`);
      assert(Math.abs(slider - left) <= 61, `the slider moved there (${slider} s vs ${left.toFixed(0)} s ahead)`);
      assert(t.shown.some((x) => x.id === x1.id && x.state === 'in-force'), 'in force at the deadline');
      assert(await blue.getAttribute(entry, 'aria-current') === 'true', 'the entry marked current');
      await screenshot(blue, 'blue-changes-clicked');
      // Now: live again.
      await blue.click('[data-testid=timeline-now]');
      await sleep(400);
      t = await timeline(blue);
      const back = await blue.evaluate(() => ({ value: document.querySelector('[data-testid=timeline-slider]').value, viewing: !document.querySelector('[data-testid=map-viewing]').hidden, bar: document.querySelector('[data-testid=timeline-time]').textContent }));
      assert(t.live && back.value === '0' && !back.viewing && back.bar === 'LIVE', `Now returns to live (${JSON.stringify(back)})`);
      const liveEx = (await exclusions(blue)).find((x) => x.id === x1.id);
      assert(liveEx.drawn && liveEx.drawn.phase === 'pending', 'live, the exclusion is drawn pending again');
      return `deadline ${utcOf(D)}: hatch ${pxLive.pink} px live, ${pxBefore.pink} px at ${utcOf(D - 150).slice(0, 5)}, ${pxAfter.pink} px at ${utcOf(D + 150).slice(0, 5)}; "${change.text}"`;
    });

    await s.run('Change on a two-volume reservation shows every volume; changing the second\'s upper level keeps both', async () => {
      const now = Math.floor(Date.now() / 1000);
      const v0 = { shape: { type: 'polygon', coordinates: [[33.0, 33.6], [33.3, 33.6], [33.3, 33.9], [33.0, 33.9]] }, lower_ft: 15000, upper_ft: 20000, start_time: now + 3600 + 17, end_time: now + 7200 + 17 };
      const v1 = { shape: { type: 'circle', center: { lat_deg: 33.75, lon_deg: 33.6 }, radius_m: 12000 }, lower_ft: 21000, upper_ft: 25000, start_time: now + 3 * 3600, end_time: now + 5 * 3600 };
      const filed = (await post(server.base, T.blue, '/reservations', { name: 'E2E two volumes', purpose: 'training', priority: 4, volumes: [v0, v1] })).reservation;
      assert(filed.volumes.length === 2, 'filed with two volumes');
      await blue.click('[data-testid=tab-reservations]');
      const card = `[data-testid=reservation-item][data-reservation-id="${filed.id}"]`;
      await blue.waitForSelector(card, { timeout: 10000 });
      await blue.click(`${card} [data-testid=reservation-edit]`);
      await blue.waitForSelector('[data-testid=res-volume][data-index="1"]', { timeout: 5000 });
      const rows = await blue.evaluate(() => [...document.querySelectorAll('[data-testid=res-volume]')].map((r) => ({
        shape: r.querySelector('[data-testid=res-vol-shape]').textContent,
        ...Object.fromEntries(['lower', 'upper', 'start', 'end'].map((f) => [f, r.querySelector(`[data-testid=res-vol-${f}]`).value])),
      })));
      assert(rows.length === 2, `every volume a row (${rows.length})`);
      assert(rows[0].shape === 'polygon, 4 corners, 33.60–33.90°N 33.00–33.30°E' && rows[0].lower === 'FL150' && rows[0].upper === 'FL200', `the first row (${JSON.stringify(rows[0])})`);
      assert(rows[1].shape === 'circle 6.5 NM round 33.750°N 33.600°E' && rows[1].lower === 'FL210' && rows[1].upper === 'FL250', `the second row (${JSON.stringify(rows[1])})`);
      assert(await blue.isHidden('[data-testid=res-single]'), 'the single-volume fields are not shown when changing');
      await blue.fill('[data-testid=res-volume][data-index="1"] [data-testid=res-vol-upper]', 'FL260');
      await blue.click('[data-testid=res-volume][data-index="1"] [data-testid=res-vol-show]');
      await sleep(500);
      await screenshot(blue, 'blue-change-two-volumes');
      await blue.click('[data-testid=reservation-file]');
      const got = await waitFor(async () => {
        const r = await api(server.base, T.blue, `/reservations/${filed.id}`);
        const x = r.reservation || r;
        return x.version > filed.version ? x : null;
      }, { timeoutMs: 8000, what: 'the update' });
      assert(got.volumes.length === 2, `both volumes kept (${got.volumes.length})`);
      const same = (a, b) => JSON.stringify(a.shape) === JSON.stringify(b.shape) && a.lower_ft === b.lower_ft && a.upper_ft === b.upper_ft && a.start_time === b.start_time && a.end_time === b.end_time;
      assert(same(got.volumes[0], filed.volumes[0]), `the first as it was (${JSON.stringify(got.volumes[0])})`);
      assert(got.volumes[1].upper_ft === 26000 && got.volumes[1].lower_ft === 21000 && JSON.stringify(got.volumes[1].shape) === JSON.stringify(filed.volumes[1].shape)
        && got.volumes[1].start_time === filed.volumes[1].start_time && got.volumes[1].end_time === filed.volumes[1].end_time, `the second changed, only its upper level (${JSON.stringify(got.volumes[1])})`);
      const line = await waitFor(() => blue.evaluate((sel) => {
        const el = document.querySelector(sel);
        return el && /v2/.test(el.textContent) ? [...el.querySelectorAll('.mono')].map((m) => m.textContent) : null;
      }, card), { timeoutMs: 5000, what: 'the card at version 2' });
      assert(line.length === 2 && /FL210–FL260/.test(line[1]), `the card lists both, the second FL210–FL260 (${JSON.stringify(line)})`);
      // On the timeline each volume in its own window.
      const t0 = await timeline(blue);
      const starts = t0.changes.find((c) => c.id === filed.id && c.what === 'volume-starts');
      assert(starts && starts.text === `${hhmm(v1.start_time)} UTC ${filed.id} E2E two volumes (blue) volume 2 of 2 starts (21000–26000 ft)`, `the second volume's start is a coming change (${JSON.stringify(starts)})`);
      await slideTo(blue, v0.start_time + 600);
      const a = (await timeline(blue)).shown.find((x) => x.id === filed.id);
      await slideTo(blue, v1.start_time + 600);
      const b = (await timeline(blue)).shown.find((x) => x.id === filed.id);
      await blue.click('[data-testid=timeline-now]');
      assert(a && a.volumes.join() === '0' && a.state === 'active' && b && b.volumes.join() === '1', `ahead, one volume at a time (${JSON.stringify([a, b])})`);
      return `${filed.id}: volumes ${got.volumes.map((v) => `${flOf(v.lower_ft)}–${flOf(v.upper_ft)}`).join(', ')} at version ${got.version}`;
    });

    await s.run('red\'s demo notice on blue\'s map: the orbit dotted in red\'s colour and labelled, the route with its waypoints\' times and levels', async () => {
      const q2 = await waitFor(async () => (await api(server.base, T.blue, '/requests')).requests.find((q) => q.kind === 'notice' && (q.volumes || []).length) || null, { timeoutMs: 5000, what: 'a notice with volumes in GET /requests' });
      const vol = q2.volumes[0];
      await fit(blue, volumePoints(vol));
      const v = await waitFor(async () => (await notices(blue)).find((n) => n.kind === 'notice' && n.request_id === q2.id && n.label) || null, { timeoutMs: 5000, what: 'the notice volume drawn and labelled' });
      assert(v.style.colour === PARTY.red && v.style.dash.join() === '2,4' && !v.style.hatch && v.on_screen, `dotted in red's colour, not hatched (${JSON.stringify(v.style)})`);
      const words = q2.message.split(/\s+/).slice(0, 5).join(' ');
      assert(v.label.text.startsWith(`NOTICE · red: ${words.slice(0, 20)}`) && v.label.text.endsWith(` · ${hhmm(vol.start_time)}–${hhmm(vol.end_time)} UTC`), `labelled ("${v.label.text}")`);
      // The rim in red's colour: along a chord through the circle's edge.
      const c = vol.shape.center;
      const dLat = vol.shape.radius_m / 111320;
      const rim = await colourAlong(blue, [c.lon_deg - 0.05, c.lat_deg + dLat], [c.lon_deg + 0.05, c.lat_deg + dLat], PARTY.red);
      assert(rim.hits > 0, `its outline drawn in red's colour (${rim.hits} of ${rim.of} samples at the north rim)`);
      const legend = await blue.textContent('[data-testid=legend-notice]').catch(() => '');
      assert(/notice/.test(legend), 'the key names it');
      await screenshot(blue, 'blue-notice-orbit');
      // The route, with each waypoint's time and level.
      const route = q2.routes[0];
      await fit(blue, route.waypoints.map((w) => [w.lon_deg, w.lat_deg]));
      const r = await waitFor(async () => (await notices(blue)).find((n) => n.kind === 'notice-route' && n.request_id === q2.id) || null, { timeoutMs: 5000, what: 'the route drawn' });
      const want = route.waypoints.map((w) => `${hhmm(w.time)} ${flOf(w.alt_ft)}`);
      assert(JSON.stringify(r.waypoints.map((w) => w.text)) === JSON.stringify(want), `the waypoints' marks (${JSON.stringify(r.waypoints.map((w) => w.text))} vs ${JSON.stringify(want)})`);
      assert(r.waypoints.every((w) => w.placed), 'each waypoint labelled on the map');
      assert(r.legs === q2.route_volumes.length && r.style.colour === PARTY.red, `its corridors (${r.legs} of ${q2.route_volumes.length})`);
      const [w0, w1] = route.waypoints;
      const line = await colourAlong(blue, [w0.lon_deg + 0.2 * (w1.lon_deg - w0.lon_deg), w0.lat_deg + 0.2 * (w1.lat_deg - w0.lat_deg)], [w0.lon_deg + 0.8 * (w1.lon_deg - w0.lon_deg), w0.lat_deg + 0.8 * (w1.lat_deg - w0.lat_deg)], PARTY.red);
      assert(line.hits > 0.3 * line.of, `the planned track drawn between its waypoints (${line.hits} of ${line.of})`);
      assert(/^NOTICE · red: .* · \d\d:\d\d–\d\d:\d\d UTC$/.test(r.text), `the route's label ("${r.text}")`);
      await screenshot(blue, 'blue-notice-route');
      // On the timeline: the route from its start, not before.
      const start = (await timeline(blue)).changes.find((x) => x.id === q2.id && x.what === 'route-starts');
      assert(start, 'the route\'s start is a coming change');
      await slideTo(blue, start.time_s - 240);
      const before = (await timeline(blue)).shown.find((x) => x.id === q2.id);
      if (!(await blue.isVisible('[data-testid=timeline-changes]'))) await blue.click('[data-testid=timeline-changes-toggle]');
      await blue.click(`[data-testid=timeline-change][data-id="${q2.id}"][data-what=route-starts]`);
      await sleep(400);
      const at = (await timeline(blue)).shown.find((x) => x.id === q2.id);
      await blue.click('[data-testid=timeline-now]');
      assert(before && (before.routes || []).length === 0 && at && at.routes.join() === '0', `ahead, the route from its start (${JSON.stringify({ before, at })})`);
      return `"${v.label.text}"; waypoints ${want.join(', ')}; "${start.text}"`;
    });

    await s.run('blue\'s alert list words the notice advisories and its reservation\'s crossing as the API has them', async () => {
      const apiNotice = await waitFor(async () => {
        const l = (await api(server.base, T.blue, '/intrusions')).intrusions.filter((i) => i.purpose === 'notice');
        return l.length ? l : null;
      }, { timeoutMs: 15000, what: 'notice intrusions in GET /intrusions' });
      const entries = await waitFor(() => blue.evaluate(() => [...document.querySelectorAll('[data-testid=alert-item][data-notice=true]')].map((el) => ({
        id: el.dataset.alertId, kind: el.dataset.kind, lvl: el.querySelector('.lvl').textContent, text: (el.querySelector('[data-testid=notice-text]') || el.querySelector('[data-testid=crossing-text]'))?.textContent || '',
        acks: el.querySelectorAll('[data-testid=ack-button]').length,
      }))).then((l) => (l.length ? l : null)), { timeoutMs: 8000, what: 'notice entries in blue\'s list' });
      const q = (await api(server.base, T.blue, '/requests')).requests.find((x) => x.id === apiNotice[0].reservation_id);
      const notes = [];
      for (const i of apiNotice) {
        const e = entries.find((x) => x.id === i.id);
        const cs = i.track_state && i.track_state.callsign;
        assert(e && e.kind === 'intrusion' && e.lvl === 'ADVISORY', `${i.id} listed as an advisory (${JSON.stringify(e)})`);
        const re = new RegExp(`^NOTICE · ${cs} (is crossing red's notice ${q.id} now|predicted to cross red's notice ${q.id} in \\d+:\\d\\d)$`);
        assert(re.test(e.text) && !/COMPLIANCE|INSIDE/.test(e.text), `its words ("${e.text}")`);
        notes.push(e.text);
      }
      const crossings = q.crossings || [];
      assert(crossings.length > 0, 'the API lists crossings on the notice');
      for (const c of crossings) {
        const want = `NOTICE · your reservation ${c.reservation_id} (${c.name}) crosses red's notice ${q.id}, ${hhmm(c.start_time)}–${hhmm(c.end_time)} UTC, ${flOf(c.lower_ft)}–${flOf(c.upper_ft)}`;
        const e = entries.find((x) => x.kind === 'crossing' && x.text === want);
        assert(e && e.lvl === 'ADVISORY' && e.acks === 0, `the crossing listed, no ACK ("${want}" in ${JSON.stringify(entries.filter((x) => x.kind === 'crossing').map((x) => x.text))})`);
      }
      const st = await state(blue);
      assert(st.alerts.filter((a) => a.kind === 'crossing').every((a) => a.group === 'own'), 'crossings in blue\'s own group');
      // Going to the advisory: the aircraft's card says the same.
      const first = apiNotice[0];
      await blue.click(`[data-testid=alert-item][data-alert-id="${first.id}"]`);
      const card = await waitFor(() => blue.evaluate(() => {
        const el = document.querySelector('[data-testid=aircraft-details]:not([hidden]) [data-testid=details-intrusion][data-notice=true]');
        return el ? { text: el.querySelector('[data-testid=intrusion-text]').textContent, notice: el.querySelector('[data-testid=intrusion-notice]')?.textContent || '' } : null;
      }), { timeoutMs: 5000, what: 'the notice block in the card' });
      assert(/^NOTICE · /.test(card.text) && card.notice.startsWith(`red's notice ${q.id} to everyone: `), `the card ("${card.text}" / "${card.notice.slice(0, 60)}…")`);
      await screenshot(blue, 'blue-notice-alerts');
      return `${notes.join('; ')}; ${crossings.length} crossing(s), e.g. "${entries.find((x) => x.kind === 'crossing').text}"`;
    });

    await s.run('red composes notices in the Requests panel: of a volume drawn on the map, and of its reservation', async () => {
      red = await signIn(browser, server.base, T.red, requests, { onPage: watch });
      await red.click('[data-testid=tab-requests]');
      await red.click('[data-testid=notice-compose] summary');
      const box = [[35.0, 34.2], [35.4, 34.2], [35.4, 34.5], [35.0, 34.5]];
      await fit(red, [[34.6, 33.9], [35.8, 34.8]]);
      await red.click('[data-testid=notice-draw-polygon]');
      const canvas = await red.locator('[data-testid=map-canvas]').boundingBox();
      for (const [lon, lat] of box) {
        const [x, y] = await red.evaluate(([lo, la]) => window.__deconflict.project(lo, la), [lon, lat]);
        await red.mouse.click(canvas.x + x, canvas.y + y);
        await sleep(150);
      }
      await red.keyboard.press('Enter');
      assert(await red.isHidden('[data-testid=reservation-draft]'), 'the reservation form stays closed: the drawing is the notice\'s');
      await red.fill('[data-testid=notice-message]', 'E2E drawn notice: gunnery range active');
      await red.fill('[data-testid=notice-lower]', 'FL100');
      await red.fill('[data-testid=notice-upper]', '18000 ft');
      await red.click('[data-testid=notice-send]');
      const status = await waitFor(async () => {
        const t = await red.textContent('[data-testid=notice-status]');
        return /^Notice q-\d+ sent to everyone\.$/.test(t) ? t : null;
      }, { timeoutMs: 8000, what: 'the notice sent' });
      const id = status.match(/q-\d+/)[0];
      const q = (await api(server.base, T.red, '/requests')).requests.find((x) => x.id === id);
      assert(q && q.kind === 'notice' && q.to === null && q.volumes.length === 1 && q.volumes[0].lower_ft === 10000 && q.volumes[0].upper_ft === 18000, `the API has it with its volume (${JSON.stringify(q && q.volumes)})`);
      const ring = q.volumes[0].shape.coordinates;
      assert(ring.length >= 4 && Math.abs(ring[0][0] - 35.0) < 0.02 && Math.abs(ring[0][1] - 34.2) < 0.02, `the volume as drawn (${JSON.stringify(ring)})`);
      // Blue sees it drawn.
      await fit(blue, box);
      const drawn = await waitFor(async () => (await notices(blue)).find((n) => n.request_id === id && n.kind === 'notice') || null, { timeoutMs: 20000, intervalMs: 500, what: 'red\'s new notice on blue\'s map' });
      assert(/^NOTICE · red: E2E drawn notice: gunnery range… · \d\d:\d\d–\d\d:\d\d UTC$/.test(drawn.text), `drawn for blue ("${drawn.text}")`);
      await screenshot(red, 'red-notice-drawn');
      // A notice of one of red's reservations.
      await red.selectOption('[data-testid=notice-source]', 'reservation');
      const corridor = (await api(server.base, T.red, '/reservations')).reservations.find((r) => r.party === 'red' && r.purpose === 'operation');
      await red.selectOption('[data-testid=notice-reservation]', corridor.id);
      await red.fill('[data-testid=notice-message]', 'E2E notice of the strike corridor');
      await red.click('[data-testid=notice-send]');
      const s2 = await waitFor(async () => {
        const t = await red.textContent('[data-testid=notice-status]');
        return /^Notice q-\d+ sent/.test(t) && !t.includes(id) ? t : null;
      }, { timeoutMs: 8000, what: 'the second notice sent' });
      const id2 = s2.match(/q-\d+/)[0];
      const q2 = (await api(server.base, T.red, '/requests')).requests.find((x) => x.id === id2);
      assert(q2 && q2.reservation_id === corridor.id && !(q2.volumes || []).length, `the API has it linked to ${corridor.id} (${JSON.stringify(q2 && { reservation_id: q2.reservation_id })})`);
      return `${id} of a drawn box FL100–18000 ft; ${id2} of ${corridor.id}`;
    });

    await s.run('no failed API call, no script error', async () => {
      const errors = [blue, red].filter(Boolean).flatMap((p) => p.errors);
      assert(errors.length === 0, `script errors: ${errors.join('; ')}`);
      assert(failures.length === 0, `failed API calls: ${failures.join(', ')}`);
      return `${requests.length} requests`;
    });
  } finally {
    s.summary(server);
    await browser.close().catch(() => {});
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
