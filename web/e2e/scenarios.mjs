// End-to-end tests of the browser console in real Chromium against a real
// `deconflict serve --demo` on loopback (started and stopped here). Screenshots of every step
// go to web/test-output/. Exit code 1 when any scenario fails. Started by e2e/run.mjs.
//
// Scenarios: blue signs in, sees aircraft move and, within a minute of the server's start, the
// demo's scripted cross-party warning (blue VIPER11 / red SOKOL21), which it acknowledges and
// the server records; blue's VIPER11 and red's SOKOL21 each show their own resolution guidance
// (ring on the map, vertical-speed strip, advice as the API gives it), never the other's; aircraft of an `alerts-only` party are never drawn for blue outside
// alerts; blue draws a reservation over red's and sees the overlap before filing, is refused
// when filing it without a justification, asks red to vacate it and files it with one; red
// declines the vacate request with a reason and blue sees the decline; the cell verifies the
// audit chain; no page ever requests another origin. A route the server does not serve (404)
// fails its scenario.
import { spawnSync } from 'node:child_process';
import { api, assert, WEB_DIR, launchBrowser, scenarios, screenshot, signIn, sleep, startServer, state, waitFor } from './lib.mjs';
import { WARNING } from '../public/js/levels.js';
import { bandStyle, trackBandSpan, STALE_AFTER_S } from '../public/js/guidance.js';

// The demo's scripted head-on (crates/feeds/src/sim.rs): blue VIPER11 (ICAO AE1001) and red
// SOKOL21 (150A21), 30 NM apart at FL250 when the server starts, 930 kt closure: caution at once,
// warning (loss of separation within 60 s) after about 37 s.
const SCRIPTED_PAIR = ['150A21', 'AE1001'];
const WARNING_WITHIN_S = 60;
const run = scenarios();
const scenario = run.run;

/** Fails the scenario when the server does not serve a route the console uses. */
async function requireRoute(base, token, path) {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert(res.status !== 404, `the server serves GET /api/v1${path} (got 404: ${await res.text()})`);
}

/** The conflict with this id as `token` sees it (GET /api/v1/conflicts), or undefined. */
async function conflictById(base, token, id) {
  return (await api(base, token, '/conflicts')).conflicts.find((c) => c.id === id);
}

function volumeBox(v) {
  if (v.shape.type === 'circle') {
    const { lat_deg: lat, lon_deg: lon } = v.shape.center;
    const dLat = v.shape.radius_m / 111320;
    const dLon = dLat / Math.cos((lat * Math.PI) / 180);
    return { cx: lon, cy: lat, hw: dLon * 0.5, hh: dLat * 0.5 };
  }
  const ring = Array.isArray(v.shape.coordinates[0][0]) ? v.shape.coordinates[0] : v.shape.coordinates;
  const pts = ring.slice(0, -1);
  const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { cx, cy, hw: (Math.max(...xs) - Math.min(...xs)) * 0.3, hh: (Math.max(...ys) - Math.min(...ys)) * 0.3 };
}

/**
 * What the map's guidance ring drew in the last frame, and the map canvas's pixels on each of
 * its track bands (read in the same task, so they belong to the same frame): per band, the
 * colours at a few points along the middle of its arc, away from its edges.
 */
function ringOnCanvas(page) {
  return page.evaluate(() => {
    const d = window.__deconflict.state.guidanceDrawn;
    if (!d) return null;
    const canvas = document.querySelector('[data-testid=map-canvas]');
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    const samples = d.bands.map((b) => {
      let span = b.to_deg - b.from_deg;
      if (span < 0) span += 360;
      span = Math.min(360, span);
      const out = [];
      if (span < 4) return out;
      // Pixels under the marks drawn over the ring (the advised tracks' radial lines, the
      // current track's wedge) show those marks, not the band: sample the arc away from them.
      const overlays = [...d.marks.map((m) => ({ deg: m.deg, clearPx: 4 })), ...(d.track_deg === null ? [] : [{ deg: d.track_deg, clearPx: 7 }])];
      const arcPx = (x, y) => { const t = Math.abs(((x - y) % 360 + 540) % 360 - 180); return (d.radiusPx * t * Math.PI) / 180; };
      for (let k = 1; k <= 7; k++) {
        const deg = b.from_deg + 1.5 + ((span - 3) * k) / 8;
        if (overlays.some((o) => arcPx(deg, o.deg) < o.clearPx)) continue;
        const a = ((deg - 90) * Math.PI) / 180;
        const px = Math.round((d.x + d.radiusPx * Math.cos(a)) * dpr);
        const py = Math.round((d.y + d.radiusPx * Math.sin(a)) * dpr);
        out.push([...ctx.getImageData(px, py, 1, 1).data]);
      }
      return out;
    });
    return { drawn: d, samples };
  });
}

/** Whether an RGBA pixel shows the #rrggbb colour (a thin arc's edge pixels are part-covered). */
function showsColour(px, hex, minAlpha) {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return px[3] >= minAlpha && rgb.every((c, i) => Math.abs(c - px[i]) <= 40);
}

/** The guidance block of the details card for one aircraft, as shown: text, age, strip. */
function adviceCard(page, id) {
  return page.evaluate((trackId) => {
    const el = document.querySelector(`[data-testid=aircraft-details]:not([hidden]) [data-testid=guidance-advice][data-track-id="${trackId}"]`);
    if (!el) return null;
    const strip = el.querySelector('[data-testid=vs-strip]');
    const r = strip ? strip.getBoundingClientRect() : null;
    const marker = el.querySelector('[data-testid=vs-marker]');
    return {
      time: Number(el.dataset.time),
      stale: el.dataset.stale,
      label: el.querySelector('[data-testid=advice-label]').textContent,
      text: el.querySelector('[data-testid=advice-text]').textContent,
      age: el.querySelector('[data-testid=guidance-age]').textContent,
      ageStale: el.querySelector('[data-testid=guidance-age]').dataset.stale,
      strip: r && { width: r.width, height: r.height, visible: r.width > 0 && r.height > 0 && getComputedStyle(strip).visibility !== 'hidden' },
      vsBands: [...el.querySelectorAll('[data-testid=vs-band]')].map((b) => ({ level: b.dataset.level, from: Number(b.dataset.from), to: Number(b.dataset.to), height: b.getBoundingClientRect().height })),
      vsMarker: marker ? Number(marker.dataset.vs) : null,
      scale: [...el.querySelectorAll('.vs-tick')].map((t) => t.textContent),
      unit: el.querySelector('.vs-unit') ? el.querySelector('.vs-unit').textContent : '',
      gsBands: el.querySelectorAll('[data-testid=gs-band]').length,
      dimensions: [...el.querySelectorAll('[data-testid=guidance-dimension]')].map((d) => `${d.dataset.kind}:${d.dataset.state}`),
    };
  }, id);
}

/**
 * Waits until the console shows (card, and the map's ring when `ring`) the very computation the
 * API gives `token` for aircraft `id` in conflict `conflictId`, and returns both.
 */
async function guidanceAsApiGivesIt(page, base, token, conflictId, id, { ring = true } = {}) {
  return waitFor(async () => {
    const [card, onMap, c] = await Promise.all([adviceCard(page, id), ring ? ringOnCanvas(page) : null, conflictById(base, token, conflictId)]);
    const g = c && (c.guidance || []).find((x) => x.id === id);
    if (!g || !card || card.time !== g.time) return false;
    if (ring && (!onMap || onMap.drawn.id !== id || onMap.drawn.time !== g.time)) return false;
    return { card, onMap, g, conflict: c };
  }, { timeoutMs: 10000, what: `the console to show the guidance the API gives for ${id}` });
}

function utcInput(t) {
  return new Date(t * 1000).toISOString().slice(0, 16);
}

async function main() {
  await scenario('unit tests of the console modules (node --test test/)', async () => {
    const r = spawnSync(process.execPath, ['--test', 'test/'], { cwd: WEB_DIR, encoding: 'utf8' });
    const summary = (r.stdout.match(/^# (pass|fail) \d+$/gm) || []).join(', ');
    assert(r.status === 0, `unit tests failed:\n${r.stdout.slice(-3000)}${r.stderr.slice(-1000)}`);
    return summary;
  });
  const server = await startServer();
  console.log(`server ${server.base} (data dir ${server.dataDir})`);
  const origin = new URL(server.base);
  const requests = [];
  const browser = await launchBrowser();
  const pages = [];
  let blue;
  let red;
  let vacateId = null;
  let warningWatch = null;
  let alertsOnlyViolations = [];
  let alertsOnlyParty = null;
  let stopWatch = false;
  try {
    await scenario('blue signs in and sees aircraft move', async () => {
      blue = await signIn(browser, server.base, server.tokens.blue, requests);
      pages.push(blue);
      const who = await blue.textContent('[data-testid=whoami]');
      assert(who.includes('blue'), `top bar names the party (got ${who})`);
      const s0 = await waitFor(async () => { const s = await state(blue); return s.tracks > 0 && s; }, { timeoutMs: 30000, what: 'tracks on blue\'s map' });
      await screenshot(blue, 'blue-signed-in');
      // Watch blue's alert list for the scripted warning from now until a minute after the
      // server started (other warnings, e.g. within a formation, may be listed too).
      warningWatch = (async () => {
        const deadline = server.startedAt + WARNING_WITHIN_S * 1000;
        const selector = `[data-testid=alert-item][data-kind=conflict][data-level="${WARNING}"]`;
        while (Date.now() < deadline && !stopWatch) {
          for (const item of await blue.$$(selector)) {
            const pair = [await item.getAttribute('data-a').catch(() => null), await item.getAttribute('data-b').catch(() => null)].sort();
            if (pair[0] !== SCRIPTED_PAIR[0] || pair[1] !== SCRIPTED_PAIR[1]) continue;
            const afterS = (Date.now() - server.startedAt) / 1000;
            const id = await item.getAttribute('data-alert-id');
            const parties = [await item.getAttribute('data-a-party'), await item.getAttribute('data-b-party')].sort();
            const text = await item.textContent();
            const banner = await blue.isVisible('[data-testid=alarm-banner]');
            await screenshot(blue, 'blue-warning');
            return { id, pair, parties, text, banner, afterS };
          }
          await sleep(250);
        }
        return null;
      })();
      const before = new Map(s0.drawnTracks.filter((t) => !t.inAlert).slice(0, 200).map((t) => [t.id, t]));
      const moved = await waitFor(async () => {
        const s = await state(blue);
        return s.drawnTracks.filter((t) => {
          const b = before.get(t.id);
          return b && (Math.abs(b.lat_deg - t.lat_deg) > 1e-5 || Math.abs(b.lon_deg - t.lon_deg) > 1e-5);
        }).length;
      }, { timeoutMs: 20000, what: 'aircraft positions to change' });
      await screenshot(blue, 'blue-aircraft-moved');
      return `${s0.tracks} tracks, ${moved} of ${before.size} sampled moved`;
    });

    await scenario('aircraft of an alerts-only party are not drawn for blue outside alerts', async () => {
      assert(blue, 'blue is signed in');
      const parties = (await api(server.base, server.tokens.cell, '/parties')).parties;
      const ao = parties.find((p) => p.id !== 'blue' && p.role === 'party' && p.sharing && p.sharing.mode === 'alerts-only');
      assert(ao, `some party other than blue is alerts-only (parties: ${JSON.stringify(parties.map((p) => [p.id, p.sharing && p.sharing.mode]))})`);
      alertsOnlyParty = ao.id;
      // The rule must not hold vacuously: that party does have aircraft (the cell sees them).
      const cellTracks = (await api(server.base, server.tokens.cell, '/tracks')).tracks;
      const theirs = cellTracks.filter((t) => t.party === ao.id).length;
      assert(theirs > 0, `${ao.id} has aircraft in the cell's picture`);
      for (let i = 0; i < 8; i++) {
        const s = await state(blue);
        const bad = s.drawnTracks.filter((t) => t.party === ao.id && !t.inAlert);
        if (bad.length) alertsOnlyViolations.push(...bad.map((t) => t.id));
        await sleep(600);
      }
      const s = await state(blue);
      assert(s.tracks > 0, 'blue sees some aircraft');
      await screenshot(blue, 'blue-alerts-only');
      assert(alertsOnlyViolations.length === 0, `${ao.id} aircraft drawn for blue outside alerts: ${[...new Set(alertsOnlyViolations)].slice(0, 10).join(', ')}`);
      return `${ao.id} has ${theirs} aircraft; blue draws ${s.trackParties[ao.id] || 0} of them outside alerts (via alerts: ${s.drawnTracks.filter((t) => t.party === ao.id).length})`;
    });

    await scenario('blue draws a reservation over red\'s and sees the overlap before filing', async () => {
      assert(blue, 'blue is signed in');
      await requireRoute(server.base, server.tokens.blue, '/reservations');
      await requireRoute(server.base, server.tokens.blue, '/requests');
      await blue.click('[data-testid=tab-reservations]');
      const s = await waitFor(async () => { const st = await state(blue); return st.reservations.some((r) => r.party === 'red' && r.state !== 'cancelled' && r.state !== 'ended') && st; }, { timeoutMs: 20000, what: 'red\'s reservation in blue\'s list' });
      const theirs = s.reservations.find((r) => r.party === 'red' && r.state !== 'cancelled' && r.state !== 'ended' && (r.priority ?? 5) < 10);
      const v = theirs.volumes[0];
      const { cx, cy, hw, hh } = volumeBox(v);
      const corners = [[cx - hw, cy - hh], [cx + hw, cy - hh], [cx + hw, cy + hh], [cx - hw, cy + hh]];
      await blue.evaluate((pts) => window.__deconflict.fit(pts), [[cx - 3 * hw, cy - 3 * hh], [cx + 3 * hw, cy + 3 * hh]]);
      const box = await blue.locator('[data-testid=map-canvas]').boundingBox();
      // Hovering a reservation shows its altitude band and time window.
      let tip = '';
      for (const [fx, fy] of [[0, 0], [0.5, 0.5], [-0.5, 0.5], [0.5, -0.5], [-0.5, -0.5]]) {
        const [x, y] = await blue.evaluate(([lo, la]) => window.__deconflict.project(lo, la), [cx + fx * hw, cy + fy * hh]);
        await blue.mouse.move(box.x + x, box.y + y);
        await sleep(150);
        tip = (await blue.isVisible('[data-testid=map-tooltip]')) ? await blue.textContent('[data-testid=map-tooltip]') : '';
        if (/UTC/.test(tip)) break;
      }
      assert(/ft\)/.test(tip) && /→/.test(tip) && /UTC/.test(tip), `hover tooltip shows altitude band and time window (got "${tip}")`);
      await screenshot(blue, 'blue-reservation-hover');
      await blue.click('[data-testid=draw-polygon]');
      for (const [lon, lat] of corners) {
        const [x, y] = await blue.evaluate(([lo, la]) => window.__deconflict.project(lo, la), [lon, lat]);
        await blue.mouse.click(box.x + x, box.y + y);
        await sleep(150);
      }
      await blue.keyboard.press('Enter');
      const now = Date.now() / 1000;
      const start = Math.ceil((Math.max(v.start_time, now) + 120) / 60) * 60;
      const end = Math.floor(Math.min(v.end_time, start + 7200) / 60) * 60;
      assert(end > start, `red's reservation ${theirs.id} is still open for a minute (ends ${new Date(v.end_time * 1000).toISOString()})`);
      await blue.fill('[data-testid=res-name]', 'E2E BLUE CAP');
      // Overlapping a reservation of higher priority is refused outright; file just above red's.
      await blue.fill('[data-testid=res-priority]', String(Math.min(10, (theirs.priority ?? 5) + 1)));
      await blue.fill('[data-testid=res-lower]', String(v.lower_ft));
      await blue.fill('[data-testid=res-upper]', String(v.upper_ft));
      await blue.fill('[data-testid=res-start]', utcInput(start));
      await blue.fill('[data-testid=res-end]', utcInput(end));
      await blue.click('[data-testid=reservation-check]');
      await blue.waitForSelector(`[data-testid=overlap-list] [data-testid=overlap-item][data-reservation-id="${theirs.id}"]`, { timeout: 15000 });
      const st = await state(blue);
      assert(st.overlaps > 0, 'the overlap is highlighted on the map');
      await screenshot(blue, 'blue-overlap-before-filing');
      // Filing over the overlap without a justification is refused in the console: it says why
      // and sends nothing.
      assert((await blue.inputValue('[data-testid=reservation-justification]')) === '', 'no justification given');
      const postsBefore = requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/v1/reservations').length;
      await blue.click('[data-testid=reservation-file]');
      const refusal = await waitFor(async () => {
        const text = await blue.textContent('[data-testid=reservation-status]');
        return /justification/i.test(text) && text;
      }, { timeoutMs: 5000, what: 'the console to refuse filing without a justification' });
      assert(await blue.$eval('[data-testid=reservation-status]', (el) => el.classList.contains('bad')), 'the refusal is shown as an error');
      await screenshot(blue, 'blue-filing-refused');
      await sleep(1000);
      const posts = requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/v1/reservations').length;
      assert(posts === postsBefore, `no filing was sent (${posts - postsBefore} POST /api/v1/reservations)`);
      for (const [who, token] of [['blue', server.tokens.blue], ['the cell', server.tokens.cell]]) {
        const stored = (await api(server.base, token, '/reservations')).reservations.filter((r) => r.name === 'E2E BLUE CAP');
        assert(stored.length === 0, `nothing stored as ${who} lists it (found ${stored.map((r) => r.id)})`);
      }
      assert(!(await blue.$('[data-testid=reservation-item][data-party=blue] >> text=E2E BLUE CAP')), 'nothing filed in blue\'s list');
      // The server refuses it too (409 with the overlaps).
      const bare = await fetch(`${server.base}/api/v1/reservations`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.tokens.blue}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'E2E BLUE CAP', purpose: 'operation', priority: Math.min(10, (theirs.priority ?? 5) + 1), volumes: [{ shape: { type: 'polygon', coordinates: [...corners, corners[0]] }, lower_ft: v.lower_ft, upper_ft: v.upper_ft, start_time: start, end_time: end }] }),
      });
      const bareBody = await bare.json();
      assert(bare.status === 409 && (bareBody.overlaps || []).some((o) => o.reservation_id === theirs.id), `the server refuses it with the overlap (HTTP ${bare.status} ${JSON.stringify(bareBody).slice(0, 300)})`);
      assert((await api(server.base, server.tokens.cell, '/reservations')).reservations.every((r) => r.name !== 'E2E BLUE CAP'), 'still nothing stored');

      // Ask red to vacate the drawn volume.
      await blue.click('[data-testid=reservation-draft] details summary');
      await blue.selectOption('[data-testid=vacate-to]', 'red');
      await blue.fill('[data-testid=vacate-message]', 'E2E: please keep clear of our CAP.');
      await blue.click('[data-testid=vacate-send]');
      const q = await waitFor(async () => (await state(blue)).requests.find((r) => r.kind === 'vacate' && r.from === 'blue' && r.to === 'red' && r.state === 'pending'), { what: 'blue\'s vacate request to red' });
      vacateId = q.id;

      // File over the overlap with a justification.
      await blue.fill('[data-testid=reservation-justification]', 'E2E: CAP agreed with the cell on the hotline.');
      await blue.click('[data-testid=reservation-file]');
      await waitFor(async () => {
        if (await blue.$('[data-testid=reservation-item][data-party=blue] >> text=E2E BLUE CAP')) return true;
        const status = await blue.textContent('[data-testid=reservation-status]');
        if (/Not filed/.test(status)) throw new Error(`the server refused the filing: ${status}`);
        return false;
      }, { timeoutMs: 15000, what: 'the filed reservation in blue\'s list' });
      await screenshot(blue, 'blue-filed');
      return `overlap with ${theirs.id}; refused without a justification ("${refusal.trim().slice(0, 60)}…"); vacate request ${vacateId}`;
    });

    await scenario('red declines blue\'s vacate request with a reason and blue sees the decline', async () => {
      await requireRoute(server.base, server.tokens.blue, '/requests');
      assert(vacateId, 'blue sent a vacate request');
      red = await signIn(browser, server.base, server.tokens.red, requests);
      pages.push(red);
      await red.click('[data-testid=tab-requests]');
      const item = `[data-testid=request-item][data-request-id="${vacateId}"]`;
      await red.waitForSelector(item, { timeout: 20000 });
      await screenshot(red, 'red-inbox');
      await red.fill(`${item} [data-testid=decline-reason]`, 'Package airborne, cannot vacate before 1400Z');
      await red.click(`${item} [data-testid=request-decline]`);
      await red.waitForSelector(`${item}[data-state=declined]`, { timeout: 15000 });
      await screenshot(red, 'red-declined');
      await blue.click('[data-testid=tab-requests]');
      await blue.waitForSelector(`${item}[data-state=declined]`, { timeout: 30000 });
      const reason = await blue.textContent(`${item} [data-testid=request-reason]`);
      assert(reason.includes('Package airborne'), `blue sees red's reason (got ${reason})`);
      const stateText = await blue.textContent(`${item} [data-testid=request-state]`);
      assert(stateText.trim() === 'declined', `state shown as declined (got ${stateText})`);
      await screenshot(blue, 'blue-sees-decline');
    });

    await scenario('hotline: blue writes to red and red reads it', async () => {
      assert(blue, 'blue is signed in');
      if (!red) {
        red = await signIn(browser, server.base, server.tokens.red, requests);
        pages.push(red);
      }
      await blue.click('[data-testid=tab-hotline]');
      await waitFor(async () => (await blue.$$('[data-testid=hotline-to] option')).length > 1, { what: 'parties in the hotline address list' });
      await blue.selectOption('[data-testid=hotline-to]', 'red');
      await blue.fill('[data-testid=hotline-subject]', 'E2E deconfliction');
      await blue.fill('[data-testid=hotline-body]', 'Blue CAP at FL250 north of Aleppo until 1400Z.');
      await blue.click('[data-testid=hotline-send]');
      await blue.waitForSelector('[data-testid=message-item][data-from=blue] >> text=CAP at FL250', { timeout: 10000 });
      await red.click('[data-testid=tab-hotline]');
      await red.waitForSelector('[data-testid=message-item][data-from=blue] >> text=CAP at FL250', { timeout: 30000 });
      await screenshot(red, 'red-hotline');
    });

    await scenario('the cell verifies the audit chain', async () => {
      const cell = await signIn(browser, server.base, server.tokens.cell, requests);
      pages.push(cell);
      await cell.click('[data-testid=tab-audit]');
      await cell.waitForSelector('[data-testid=audit-verify-result][data-ok]', { timeout: 15000 });
      const ok = await cell.getAttribute('[data-testid=audit-verify-result]', 'data-ok');
      await cell.waitForSelector('[data-testid=audit-row]', { timeout: 15000 });
      await screenshot(cell, 'cell-audit');
      assert(ok === 'true', `audit chain verifies (got ${await cell.textContent('[data-testid=audit-verify-result]')})`);
    });

    await scenario('the cell adds an inhibition volume and every console draws it at once', async () => {
      const cell = await signIn(browser, server.base, server.tokens.cell, requests);
      pages.push(cell);
      const s0 = await state(cell);
      // Over the sea south of Turkey: in view, away from the scripted encounter.
      const centre = { lat_deg: 35.0, lon_deg: 30.0 };
      const res = await fetch(`${server.base}/api/v1/safety/regions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.tokens.cell}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'e2e-inhibit', name: 'E2E INHIBIT', kind: 'inhibition', lower_ft: -2000, upper_ft: 60000, center: { lat_deg: centre.lat_deg, lon_deg: centre.lon_deg }, radius_nm: 30 }),
      });
      assert(res.status === 201, `region added (HTTP ${res.status} ${await res.text()})`);
      await waitFor(async () => (await state(cell)).safetyRegions.some((r) => r.id === 'e2e-inhibit'), { timeoutMs: 10000, what: 'the new region drawn' });
      await screenshot(cell, 'cell-safety-regions');
      const del = await fetch(`${server.base}/api/v1/safety/regions/e2e-inhibit`, { method: 'DELETE', headers: { Authorization: `Bearer ${server.tokens.cell}` } });
      assert(del.status === 200, `region removed (HTTP ${del.status})`);
      await waitFor(async () => !(await state(cell)).safetyRegions.some((r) => r.id === 'e2e-inhibit'), { timeoutMs: 10000, what: 'the region gone from the map' });
      return 'drawn and removed live';
    });

    await scenario('the scripted blue/red warning is in blue\'s list within a minute and blue\'s ACK is recorded', async () => {
      assert(warningWatch, 'blue is signed in');
      const w = await warningWatch;
      assert(w, `the warning between ${SCRIPTED_PAIR.join(' and ')} appeared in blue's alert list within ${WARNING_WITHIN_S} s of the server's start`);
      assert(w.afterS <= WARNING_WITHIN_S, `shown ${w.afterS.toFixed(1)} s after the server started`);
      assert(w.parties.join() === 'blue,red', `between blue and red (got ${w.parties})`);
      assert(/WARNING/.test(w.text) && /VIPER11/.test(w.text) && /SOKOL21/.test(w.text), `the item names the level and both callsigns (got "${w.text}")`);
      assert(w.banner, 'the alarm banner was shown');
      const before = await conflictById(server.base, server.tokens.blue, w.id);
      assert(before, `the server still lists ${w.id} for blue`);
      assert(before.level === WARNING && before.cross_party, `the server has it as a cross-party warning (level ${before.level})`);
      assert(!before.acks.blue, `not yet acknowledged by blue on the server (acks ${JSON.stringify(before.acks)})`);
      // Acknowledge blue's side in the console.
      const item = `[data-testid=alert-item][data-alert-id="${w.id}"]`;
      await blue.click(`${item} [data-testid=ack-button][data-party=blue]`);
      await blue.waitForSelector(`${item} [data-testid=ack-done]`, { timeout: 10000 });
      assert(!(await blue.$(`${item} [data-testid=ack-button]`)), 'the ACK button is gone');
      assert((await blue.getAttribute(item, 'class')).split(' ').includes('acked'), 'the item is shown acknowledged');
      await screenshot(blue, 'blue-warning-acknowledged');
      // The server recorded blue's side, and only blue's.
      const after = await conflictById(server.base, server.tokens.blue, w.id);
      assert(after && after.acks.blue === true, `the server records blue's acknowledgement (acks ${JSON.stringify(after && after.acks)})`);
      assert(after.acks.red === false, `red's side is still unacknowledged (acks ${JSON.stringify(after.acks)})`);
      const cellView = await conflictById(server.base, server.tokens.cell, w.id);
      assert(cellView && cellView.acks.blue === true && cellView.acks.red === false, `the cell sees blue's acknowledgement (acks ${JSON.stringify(cellView && cellView.acks)})`);
      return `${w.id} ${w.pair.join('/')} shown ${w.afterS.toFixed(1)} s after the server started; blue's ACK recorded`;
    });

    await scenario('blue selects VIPER11 in the warning and sees its guidance: ring, vertical-speed strip, advice as the API gives it', async () => {
      assert(warningWatch, 'blue is signed in');
      const w = await warningWatch;
      assert(w, 'the scripted warning was shown');
      const [, viper] = SCRIPTED_PAIR;
      const item = `[data-testid=alert-item][data-alert-id="${w.id}"]`;
      // Going to the alert selects blue's own aircraft in it.
      await blue.click(`${item} .who2`);
      await waitFor(async () => (await state(blue)).selectedId === viper, { timeoutMs: 5000, what: 'VIPER11 selected' });
      assert((await blue.textContent('[data-testid=details-callsign]')) === 'VIPER11', 'the card is VIPER11\'s');
      const { card, onMap, g, conflict } = await guidanceAsApiGivesIt(blue, server.base, server.tokens.blue, w.id, viper);
      // The server gives blue its own aircraft's guidance only.
      assert(conflict.guidance.every((x) => x.id === viper), `the API gives blue guidance for ${conflict.guidance.map((x) => x.id)}`);
      // The ring: the API's track bands, each drawn in its level's colour on the canvas.
      const d = onMap.drawn;
      assert(JSON.stringify(d.bands.map((b) => [b.from_deg, b.to_deg, b.level])) === JSON.stringify(g.track_bands.map((b) => [b.from_deg, b.to_deg, b.level])), `the ring's bands are the API's (${JSON.stringify(d.bands)} vs ${JSON.stringify(g.track_bands)})`);
      assert(Math.abs(g.track_bands.reduce((sum, b) => sum + trackBandSpan(b), 0) - 360) < 0.01, 'the bands cover the circle');
      assert(d.bands.some((b) => bandStyle(b.level).conflict), `in the warning some tracks lead to a loss of separation (${d.bands.map((b) => b.level)})`);
      let conflictBandsSeen = 0;
      d.bands.forEach((b, i) => {
        const st = bandStyle(b.level);
        assert(b.colour === st.colour, `band ${i} (${b.level}) coloured ${st.colour} (got ${b.colour})`);
        const px = onMap.samples[i];
        if (!px.length) return;
        const hits = px.filter((p) => showsColour(p, st.colour, b.width > 2 ? 180 : 40)).length;
        assert(hits >= 1, `band ${i} (${b.level}, ${b.from_deg.toFixed(1)}→${b.to_deg.toFixed(1)}°) is on the canvas in ${st.colour}: ${JSON.stringify(px)}`);
        if (st.conflict) conflictBandsSeen += 1;
      });
      assert(conflictBandsSeen >= 1, `some conflict band was read back from the canvas (${JSON.stringify(onMap.samples.map((x) => x.length))})`);
      assert(d.right_deg === g.advice.track.right_deg && d.left_deg === g.advice.track.left_deg, 'the advised tracks are marked');
      assert(d.marks.length === [g.advice.track.right_deg, g.advice.track.left_deg].filter((x) => x !== null).length, 'one mark per advised track');
      const tracks = (await api(server.base, server.tokens.blue, '/tracks')).tracks;
      const own = tracks.find((t) => t.id === viper);
      assert(own && Math.abs(d.track_deg - own.trk_deg) < 1, `the current track is marked (${d.track_deg} vs ${own && own.trk_deg})`);
      assert(d.stale === false, 'fresh guidance is not drawn stale');
      // The vertical-speed strip: the API's bands, a marker at the current rate, a scale.
      assert(card.strip && card.strip.visible && card.strip.height >= 100, `the VS strip is visible (${JSON.stringify(card.strip)})`);
      assert(JSON.stringify(card.vsBands.map((b) => [b.from, b.to, b.level])) === JSON.stringify(g.vs_bands.map((b) => [b.from_fpm, b.to_fpm, b.level])), `the strip's bands are the API's (${JSON.stringify(card.vsBands)})`);
      assert(card.vsBands.filter((b) => bandStyle(b.level).conflict).every((b) => b.height >= 2), 'every conflict band of the strip can be seen');
      assert(card.vsMarker !== null && Math.abs(card.vsMarker - Math.round(own.vs_fpm)) <= 50, `the marker is at the current vertical speed (${card.vsMarker} vs ${own.vs_fpm})`);
      assert(card.unit === 'ft/min' && card.scale.includes('0') && card.scale.length >= 3, `the strip has a scale in ft/min (${card.scale})`);
      assert(card.gsBands === g.gs_bands.length, 'the ground-speed bands are shown');
      // The advice in words, labelled, with its age.
      assert(card.label === 'Advice for VIPER11', `labelled (got "${card.label}")`);
      assert(card.text === g.advice.text, `the card has the API's advice ("${card.text}" vs "${g.advice.text}")`);
      assert(/^computed \d+ s ago$/.test(card.age) && card.stale === 'false' && card.ageStale === 'false', `fresh (${card.age}, stale ${card.stale})`);
      assert(card.dimensions.length === 4, `four dimensions (${card.dimensions})`);
      for (const k of ['track', 'gs', 'vs', 'alt']) {
        const dim = g.advice[k];
        const none = [dim.left_deg, dim.right_deg, dim.slower_kt, dim.faster_kt, dim.down_fpm, dim.up_fpm, dim.down_ft, dim.up_ft].every((x) => x === null || x === undefined);
        const want = none ? 'no resolution' : dim.recovery ? 'in recovery' : 'clear';
        assert(card.dimensions.includes(`${k}:${want}`), `${k} shown as ${want} (${card.dimensions})`);
      }
      // Never the other party's aircraft.
      const s = await state(blue);
      assert(!s.guidanceIds.includes(SCRIPTED_PAIR[0]), `no guidance for SOKOL21 in blue's console (${s.guidanceIds})`);
      assert(!(await blue.$('[data-testid=guidance-advice][data-track-id="150A21"]')), 'no SOKOL21 advice on blue\'s card');
      await screenshot(blue, 'blue-guidance');
      return `${d.bands.map((b) => `${b.level} ${Math.round(b.from_deg)}→${Math.round(b.to_deg)}°`).join(', ')}; "${g.advice.text.slice(0, 60)}…", ${card.age}`;
    });

    await scenario('red sees SOKOL21\'s guidance in the warning and never VIPER11\'s', async () => {
      const w = await warningWatch;
      assert(w, 'the scripted warning was shown');
      if (!red) {
        red = await signIn(browser, server.base, server.tokens.red, requests);
        pages.push(red);
      }
      const [sokol, viper] = SCRIPTED_PAIR;
      const item = `[data-testid=alert-item][data-alert-id="${w.id}"]`;
      await red.waitForSelector(item, { timeout: 10000 });
      await red.click(`${item} .who2`);
      await waitFor(async () => (await state(red)).selectedId === sokol, { timeoutMs: 5000, what: 'SOKOL21 selected' });
      const { card, onMap, g, conflict } = await guidanceAsApiGivesIt(red, server.base, server.tokens.red, w.id, sokol);
      assert(conflict.guidance.every((x) => x.id === sokol), `the API gives red guidance for ${conflict.guidance.map((x) => x.id)}`);
      assert(card.label === 'Advice for SOKOL21' && card.text === g.advice.text, `red's card has SOKOL21's advice as the API gives it ("${card.label}: ${card.text}")`);
      assert(onMap.drawn.id === sokol && onMap.drawn.bands.length === g.track_bands.length, 'red\'s map rings SOKOL21');
      assert(card.strip && card.strip.visible, 'the VS strip is visible');
      await screenshot(red, 'red-guidance');
      // Blue's advice for VIPER11, as the API gives blue, appears nowhere in red's console, not
      // even with VIPER11 selected: there the card gives red's own aircraft's advice in the alert.
      const blueSide = (await conflictById(server.base, server.tokens.blue, w.id)).guidance.find((x) => x.id === viper);
      assert(blueSide, 'blue has guidance for VIPER11');
      await red.click('[data-testid=tab-aircraft]');
      await red.fill('[data-testid=aircraft-filter]', 'VIPER11');
      await red.click('[data-testid=aircraft-row] >> text=VIPER11');
      await waitFor(async () => (await state(red)).selectedId === viper, { timeoutMs: 5000, what: 'VIPER11 selected in red\'s console' });
      const other = await guidanceAsApiGivesIt(red, server.base, server.tokens.red, w.id, sokol, { ring: false });
      assert(other.card.label === 'Advice for SOKOL21', `with VIPER11 selected, red's card advises SOKOL21 (got "${other.card.label}")`);
      // The map follows the selection at its next frame (frames are paced by their cost).
      const s = await waitFor(async () => {
        const now = await state(red);
        return now.guidanceDrawn === null ? now : null;
      }, { timeoutMs: 3000, what: 'a frame drawn after VIPER11 was selected' }).catch(() => state(red));
      assert(!s.guidanceIds.includes(viper), `no guidance for VIPER11 in red's console (${s.guidanceIds})`);
      assert(s.guidanceDrawn === null, `no ring round VIPER11 for red (${JSON.stringify(s.guidanceDrawn)})`);
      assert(!(await red.$(`[data-testid=guidance-advice][data-track-id="${viper}"]`)), 'no VIPER11 advice block');
      const body = await red.evaluate(() => document.body.innerText);
      assert(!body.includes(blueSide.advice.text), 'blue\'s advice text is nowhere on red\'s page');
      await screenshot(red, 'red-selects-viper11');
      await red.fill('[data-testid=aircraft-filter]', '');
      return `"${g.advice.text.slice(0, 60)}…"; ${s.guidanceIds.length} aircraft with guidance for red`;
    });

    await scenario('without a WebSocket the console falls back to REST polling', async () => {
      // A browser (or proxy) where every WebSocket fails: the picture must still arrive.
      const noWs = () => {
        window.WebSocket = class {
          constructor() {
            setTimeout(() => { if (this.onclose) this.onclose({ code: 1006 }); }, 10);
          }
          close() {}
        };
      };
      const page = await signIn(browser, server.base, server.tokens.blue, requests, { initScript: noWs });
      pages.push(page);
      const s = await waitFor(async () => { const st = await state(page); return st.connection === 'polling' && st.tracks > 0 && st; }, { timeoutMs: 20000, what: 'tracks over REST polling' });
      const first = new Map(s.drawnTracks.map((t) => [t.id, t]));
      await waitFor(async () => (await state(page)).drawnTracks.some((t) => first.has(t.id) && first.get(t.id).lon_deg !== t.lon_deg), { timeoutMs: 15000, what: 'polled positions to change' });
      await screenshot(page, 'blue-polling-fallback');
      await page.context().close();
      return `${s.tracks} tracks over REST`;
    });

    await scenario('no request leaves the server\'s origin', async () => {
      assert(requests.length > 10, `requests were recorded (${requests.length})`);
      const foreign = requests.filter((r) => {
        if (r.url.startsWith('data:') || r.url.startsWith('blob:')) return false;
        const u = new URL(r.url);
        return u.host !== origin.host;
      });
      assert(foreign.length === 0, `requests to other origins: ${foreign.map((r) => r.url).slice(0, 10).join(', ')}`);
      return `${requests.length} requests, all to ${origin.host}`;
    });

    await scenario('no uncaught script errors', async () => {
      const errs = pages.flatMap((p) => p.errors || []);
      assert(errs.length === 0, errs.join('; '));
    });
  } finally {
    stopWatch = true;
    await browser.close().catch(() => {});
    await server.stop();
  }
  run.summary(server);
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
