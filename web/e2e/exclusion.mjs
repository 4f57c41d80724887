// Browser tests of exclusions, compliance and contested volumes against a real
// `deconflict serve --demo` (its own). The demo's red asks blue (q-1) to keep out of a box
// (36.5–36.9N 37.6–38.0E, FL150–FL250) from 8 minutes after the server starts; blue's RAVEN51
// (AE1041) orbits inside it.
//
// - Blue accepts q-1 with the Accept button of the Requests panel: red's exclusion is drawn at
//   once, cross-hatched in red's colour (read back from the lower canvas's pixels, against
//   red's corridor beside it), labelled "EXCLUSION · blue out by 14:08:00 UTC · in 7:42", the
//   countdown ticking; within a few seconds blue's alert list has the compliance alert
//   "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 7:42)" (the API's
//   intrusion on the exclusion), the card says the same, and the request card its compliance
//   status. At 1600×900 and 1024×700.
// - Red sees the exclusion and the compliance alert; the cell the compliance status.
// - After a deadline (a second request, due 35 s after it is filed, that blue accepts): the
//   compliance alert is a warning in the banner as compliance, and from the deadline the usual
//   intrusion words, the label "in force".
// - Red files a third vacate request (fetch), blue declines it in the console with a reason:
//   both, and the cell, see the contested volume labelled "CONTESTED · red's request q-N
//   declined by blue: …" dashed warm grey, until its volume ends.
// Screenshots go to web/test-output/exclusion-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, screenshot, signIn, sleep, startServer, waitFor, scenarios, state } from './lib.mjs';
import { PARTY, ZONE } from '../public/js/palette.js';

const RAVEN = 'AE1041';
/** How soon after blue's acceptance the exclusion and the compliance alert must be on screen (s). */
const WITHIN_S = 6;
const LABEL_RE = /^EXCLUSION · blue out by (\d\d:\d\d:\d\d) UTC · in (\d+):(\d\d)$/;
const COMPLIANCE_RE = /^COMPLIANCE · RAVEN51 must leave red's exclusion by (\d\d:\d\d:\d\d) UTC \(in (\d+):(\d\d)\)$/;

const exclusions = (page) => page.evaluate(() => window.__deconflict.exclusions());
const contested = (page) => page.evaluate(() => window.__deconflict.contested());
const utcOf = (t) => new Date(t * 1000).toISOString().slice(11, 19);
const complianceSel = (rid) => `[data-testid=alert-item][data-compliance=true][data-track="${RAVEN}"]${rid ? `[data-reservation-id="${rid}"]` : ''}`;

/** POST /api/v1{path} with a bearer token; the parsed JSON, or throws with the status and body. */
async function post(base, token, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** The server's clock (UNIX s) as the console has it. */
const serverNow = (page) => page.evaluate(() => Date.now() / 1000);

/** Shows the whole of a volume on the map (its corners, or a circle's extent), then waits for a frame or two. */
async function look(page, vol) {
  let pts = vol.shape.coordinates;
  if (vol.shape.type === 'circle') {
    const c = vol.shape.center;
    const dLat = vol.shape.radius_m / 111320;
    const dLon = dLat / Math.cos((c.lat_deg * Math.PI) / 180);
    pts = [[c.lon_deg - dLon, c.lat_deg - dLat], [c.lon_deg + dLon, c.lat_deg + dLat]];
  }
  await page.evaluate((p) => window.__deconflict.fit(p), pts);
  await sleep(500);
}

/** The compliance entry of the alert list as shown. */
function entry(page, sel) {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {
      id: el.dataset.alertId, level: el.dataset.level, lvl: el.querySelector('.lvl')?.textContent || '',
      text: el.querySelector('[data-testid=compliance-text]')?.textContent || '', all: el.textContent, title: el.title,
      countdown: el.querySelector('[data-testid=alert-countdown]')?.textContent || '',
      acks: el.querySelectorAll('[data-testid=ack-button]').length,
      inView: r.width > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
    };
  }, sel);
}

/**
 * Pixels of the lower canvas (basemap and reservations) in a 40×40 px square round each of two
 * points: how many are a hatch line in red's colour (strongly pink: red well above green).
 */
function hatchPixels(page, inside, outside) {
  return page.evaluate(([a, b]) => {
    const canvas = document.querySelector('canvas.map-base');
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    const count = ([lon, lat]) => {
      const [x, y] = window.__deconflict.project(lon, lat);
      const d = ctx.getImageData(Math.round((x - 20) * dpr), Math.round((y - 20) * dpr), Math.round(40 * dpr), Math.round(40 * dpr)).data;
      let pink = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 1] > 45 && d[i + 2] - d[i + 1] > 20) pink += 1;
      return { pink, of: d.length / 4, x, y };
    };
    return { inside: count(a), outside: count(b) };
  }, [inside, outside]);
}

/** Seconds of an "m:ss" countdown. */
const secs = (m, s) => Number(m) * 60 + Number(s);

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
  let cell;
  let q1 = null;
  let x1 = null;
  let acceptedAt = 0;
  try {
    blue = await signIn(browser, server.base, T.blue, requests, { onPage: watch });
    red = await signIn(browser, server.base, T.red, requests, { onPage: watch });

    await s.run('blue accepts red\'s demo vacate request in the Requests panel; red\'s exclusion is on the map at once, counting down', async () => {
      await blue.click('[data-testid=tab-requests]');
      const item = '[data-testid=request-item][data-kind=vacate][data-from=red][data-to=blue][data-state=pending]';
      await blue.waitForSelector(item, { timeout: 15000 });
      q1 = await blue.getAttribute(item, 'data-request-id');
      const listed = (await api(server.base, T.blue, '/requests')).requests.find((q) => q.id === q1);
      assert(listed && listed.kind === 'vacate' && listed.volume, `the API lists ${q1} as a vacate request with a volume`);
      await screenshot(blue, 'blue-1600-request');
      await blue.click(`[data-testid=request-item][data-request-id="${q1}"] [data-testid=request-accept]`);
      acceptedAt = Date.now();
      await blue.waitForSelector(`[data-testid=request-item][data-request-id="${q1}"][data-state=accepted]`, { timeout: 10000 });
      x1 = await waitFor(async () => (await exclusions(blue)).find((x) => x.request_id === q1 && x.drawn) || null, { timeoutMs: WITHIN_S * 1000, intervalMs: 200, what: 'the exclusion drawn in blue\'s console' });
      const took = (Date.now() - acceptedAt) / 1000;
      const api1 = (await api(server.base, T.blue, '/reservations')).reservations.find((r) => r.id === x1.id);
      assert(api1 && api1.purpose === 'exclusion' && api1.party === 'red' && api1.exclusion.request_id === q1 && api1.exclusion.watch_party === 'blue', `the API has red's exclusion for ${q1} (${JSON.stringify(api1 && api1.exclusion)})`);
      assert(x1.party === 'red' && x1.watch_party === 'blue' && x1.deadline === api1.exclusion.deadline && x1.phase === 'pending', `the console's exclusion (${JSON.stringify({ party: x1.party, watch: x1.watch_party, deadline: x1.deadline, phase: x1.phase })})`);
      const q = (await api(server.base, T.blue, '/requests')).requests.find((r) => r.id === q1);
      assert(q.state === 'accepted' && q.exclusion_id === x1.id, `the request names its exclusion (${q.exclusion_id})`);
      // Drawn cross-hatched in red's colour, dash-dotted until the deadline.
      await look(blue, x1.volumes[0]);
      const [x] = (await exclusions(blue)).filter((e) => e.id === x1.id);
      const d = x.drawn;
      assert(d && d.kind === 'exclusion' && d.on_screen && d.style.hatch === 'cross' && d.style.colour === PARTY.red && d.style.dash.length > 0, `drawn as an exclusion (${JSON.stringify(d && d.style)})`);
      const m = LABEL_RE.exec(d.label && d.label.text);
      assert(m, `the label placed on the map ("${d.label && d.label.text}")`);
      assert(m[1] === utcOf(x.deadline), `the deadline in the label is the API's (${m[1]} vs ${utcOf(x.deadline)})`);
      const left = x.deadline - await serverNow(blue);
      assert(Math.abs(secs(m[2], m[3]) - left) <= 3, `the countdown is the time to the deadline (${m[2]}:${m[3]} vs ${left.toFixed(0)} s)`);
      // The hatch is there inside the box, not in red's corridor next to it (38.3E).
      const px = await hatchPixels(blue, [37.8, 36.62], [38.3, 36.62]);
      assert(px.inside.pink > 0.05 * px.inside.of && px.outside.pink < 0.01 * px.outside.of, `hatch lines inside the exclusion only (${px.inside.pink} vs ${px.outside.pink} of ${px.inside.of} pixels)`);
      // The countdown ticks.
      await sleep(2100);
      const later = LABEL_RE.exec((await exclusions(blue)).find((e) => e.id === x1.id).drawn.label.text);
      const dt = secs(m[2], m[3]) - secs(later[2], later[3]);
      assert(dt >= 1 && dt <= 4, `the label counts down (${m[2]}:${m[3]} → ${later[2]}:${later[3]})`);
      const legend = await blue.textContent('[data-testid=legend-exclusion]').catch(() => '');
      assert(/exclusion/.test(legend), 'the map\'s key names it');
      await screenshot(blue, 'blue-1600-exclusion');
      return `${x1.id} for ${q1} drawn ${took.toFixed(1)} s after Accept: "${later[0]}"; hatch ${px.inside.pink} px inside vs ${px.outside.pink} beside`;
    });

    await s.run(`blue's alert list has RAVEN51's compliance alert within ${WITHIN_S} s; the card and the request card say so`, async () => {
      assert(x1, 'the exclusion was created');
      const e = await waitFor(() => entry(blue, complianceSel(x1.id)), { timeoutMs: Math.max(1000, WITHIN_S * 1000 - (Date.now() - acceptedAt)), intervalMs: 200, what: 'the compliance alert in blue\'s list' });
      const took = (Date.now() - acceptedAt) / 1000;
      const m = COMPLIANCE_RE.exec(e.text);
      assert(m && m[1] === utcOf(x1.deadline), `the words ("${e.text}")`);
      assert(e.lvl === 'ADVISORY' && e.level === '1', `an advisory while the deadline is minutes away (${e.lvl})`);
      assert(/compliance/.test(e.all) && e.acks === 1, `marked compliance, with blue's ACK (${e.all})`);
      const i = (await api(server.base, T.blue, '/intrusions')).intrusions.find((x) => x.track_id === RAVEN && x.reservation_id === x1.id);
      assert(i && i.id === e.id && !i.inside_now && Math.abs(i.time_to_entry_s - (x1.deadline - i.updated_at)) < 2, `the API's intrusion on the exclusion (${JSON.stringify(i && { id: i.id, inside: i.inside_now, tte: i.time_to_entry_s })})`);
      const st = await state(blue);
      const a = st.alerts.find((x) => x.id === e.id);
      assert(a && a.compliance === true && a.group === 'own' && COMPLIANCE_RE.exec(a.text || '')?.[1] === m[1], `the hook's alert (${JSON.stringify(a)})`);
      // Going to it selects RAVEN51: the card says the same.
      await blue.click(complianceSel(x1.id));
      await blue.waitForFunction((id) => window.__deconflict.state.selectedId === id, RAVEN, { timeout: 5000 });
      const card = await waitFor(() => blue.evaluate(() => {
        const el = document.querySelector('[data-testid=aircraft-details]:not([hidden]) [data-testid=details-intrusion][data-compliance=true]');
        return el ? { text: el.querySelector('[data-testid=intrusion-text]')?.textContent, exclusion: el.querySelector('[data-testid=intrusion-exclusion]')?.textContent, exit: el.querySelector('[data-testid=intrusion-exit]')?.textContent || null } : null;
      }), { timeoutMs: 5000, what: 'the compliance block in RAVEN51\'s card' });
      assert(COMPLIANCE_RE.test(card.text), `the card's words ("${card.text}")`);
      assert(new RegExp(`^red's exclusion ${x1.id}: blue keeps its aircraft out from ${utcOf(x1.deadline)} UTC \\(in \\d+:\\d\\d\\), accepted request ${q1}$`).test(card.exclusion), `the card names the exclusion and request ("${card.exclusion}")`);
      // The request card: its exclusion and the compliance status, as GET /requests gives it.
      const rc = await waitFor(() => blue.evaluate((id) => {
        const el = document.querySelector(`[data-testid=request-item][data-request-id="${id}"] [data-testid=request-compliance][data-compliant=false]`);
        if (!el) return null;
        return { head: el.querySelector('[data-testid=compliance-head]')?.textContent, aircraft: [...el.querySelectorAll('[data-testid=compliance-aircraft]')].map((a) => ({ track: a.dataset.track, text: a.textContent })),
          exclusion: document.querySelector(`[data-testid=request-item][data-request-id="${id}"] [data-testid=request-exclusion-line]`)?.textContent };
      }, q1), { timeoutMs: 8000, what: 'the compliance status in the request card' });
      const status = (await api(server.base, T.blue, '/requests')).requests.find((r) => r.id === q1).compliance;
      assert(status && !status.compliant && status.aircraft.some((x) => x.track_id === RAVEN), `the API's status lists RAVEN51 (${JSON.stringify(status)})`);
      assert(rc.head === `NOT COMPLIANT · 1 blue aircraft inside or predicted inside at ${utcOf(x1.deadline)} UTC`, `the status's heading ("${rc.head}")`);
      assert(rc.aircraft.length === 1 && rc.aircraft[0].track === RAVEN && /^RAVEN51 predicted inside at the deadline · ADVISORY · /.test(rc.aircraft[0].text), `RAVEN51 in it (${JSON.stringify(rc.aircraft)})`);
      assert(new RegExp(`^EXCLUSION ${x1.id} · blue out by ${utcOf(x1.deadline)} UTC · in \\d+:\\d\\d$`).test(rc.exclusion), `the exclusion and its countdown ("${rc.exclusion}")`);
      await blue.click('[data-testid=tab-requests]');
      await screenshot(blue, 'blue-1600-compliance');
      return `"${e.text}" ${took.toFixed(1)} s after Accept; card exit: ${card.exit}; ${rc.head}`;
    });

    await s.run('at 1024×700 blue has the alert, the label and the request\'s status on screen', async () => {
      assert(x1, 'the exclusion was created');
      await blue.setViewportSize({ width: 1024, height: 700 });
      await sleep(600);
      await blue.keyboard.press('Escape');
      await look(blue, x1.volumes[0]);
      const e = await entry(blue, complianceSel(x1.id));
      assert(e && e.inView && COMPLIANCE_RE.test(e.text), `the alert in the window ("${e && e.text}")`);
      const x = (await exclusions(blue)).find((v) => v.id === x1.id);
      const map = await blue.evaluate(() => document.querySelector('[data-testid=map-canvas]').getBoundingClientRect().toJSON());
      const l = x.drawn.label;
      assert(l && l.x >= 0 && l.x + l.w <= map.width && l.y >= 0 && l.y + l.h <= map.height && LABEL_RE.test(l.text), `the label inside the map (${JSON.stringify(l)}, map ${map.width}×${map.height})`);
      await screenshot(blue, 'blue-1024-exclusion');
      await blue.setViewportSize({ width: 1600, height: 900 });
      return `label at ${l.x.toFixed(0)},${l.y.toFixed(0)}`;
    });

    await s.run('red sees its exclusion and the compliance alert', async () => {
      assert(x1, 'the exclusion was created');
      const x = await waitFor(async () => (await exclusions(red)).find((v) => v.id === x1.id && v.drawn) || null, { timeoutMs: 5000, what: 'the exclusion in red\'s console' });
      await look(red, x.volumes[0]);
      const d = (await exclusions(red)).find((v) => v.id === x1.id).drawn;
      assert(d.style.hatch === 'cross' && d.style.colour === PARTY.red && LABEL_RE.test(d.label && d.label.text), `drawn and labelled for red ("${d.label && d.label.text}")`);
      const e = await waitFor(() => entry(red, complianceSel(x1.id)), { timeoutMs: 5000, what: 'the compliance alert in red\'s list' });
      assert(COMPLIANCE_RE.test(e.text) && e.acks === 1, `red's list says it, with red's ACK ("${e.text}")`);
      const a = (await state(red)).alerts.find((v) => v.id === e.id);
      assert(a && a.group === 'own' && a.compliance, `in red's own group (${JSON.stringify(a)})`);
      await red.click('[data-testid=tab-reservations]');
      const card = await red.textContent(`[data-testid=reservation-item][data-reservation-id="${x1.id}"] [data-testid=reservation-exclusion]`);
      assert(card.includes(`answers request ${q1}`) && card.includes(`deadline ${utcOf(x1.deadline)} UTC · in `), `red's reservation card ("${card}")`);
      await screenshot(red, 'red-1600-exclusion');
      return `"${d.label.text}"; "${e.text}"`;
    });

    await s.run('the cell sees the compliance status', async () => {
      assert(x1, 'the exclusion was created');
      cell = await signIn(browser, server.base, T.cell, requests, { onPage: watch });
      await cell.click('[data-testid=tab-requests]');
      const sel = `[data-testid=request-item][data-request-id="${q1}"][data-state=accepted] [data-testid=request-compliance][data-compliant=false]`;
      await cell.waitForSelector(sel, { timeout: 10000 });
      const head = await cell.textContent(`${sel} [data-testid=compliance-head]`);
      const ac = await cell.textContent(`${sel} [data-testid=compliance-aircraft][data-track="${RAVEN}"]`);
      assert(head.startsWith('NOT COMPLIANT · 1 blue aircraft') && /^RAVEN51 /.test(ac), `the cell's status ("${head}" / "${ac}")`);
      const e = await waitFor(() => entry(cell, complianceSel(x1.id)), { timeoutMs: 5000, what: 'the compliance alert in the cell\'s list' });
      assert(COMPLIANCE_RE.test(e.text) && e.acks === 2, `the cell's list, an ACK per side ("${e.text}", ${e.acks})`);
      await look(cell, x1.volumes[0]);
      await screenshot(cell, 'cell-1600-compliance');
      return `"${head}"`;
    });

    await s.run('a deadline passing: a warning in the banner as compliance, then the usual intrusion words and "in force"', async () => {
      // A second request round RAVEN51, due 35 s from now, that blue accepts over the API.
      const rav = (await api(server.base, T.blue, '/tracks')).tracks.find((t) => t.id === RAVEN);
      assert(rav, 'RAVEN51 is in the picture');
      const now = Date.now() / 1000;
      const vol = { shape: { type: 'circle', center: { lat_deg: rav.lat_deg, lon_deg: rav.lon_deg }, radius_m: 25 * 1852 }, lower_ft: 10000, upper_ft: 20000, start_time: now + 35, end_time: now + 3600 };
      const q = await post(server.base, T.red, '/requests', { kind: 'vacate', to: 'blue', volume: vol, message: 'E2E: out of the orbit area in 35 s', expires_at: now + 600 });
      // The demo's scripted conflict warning may hold the banner: silenced, so that a new warning shows.
      if (await blue.isVisible('[data-testid=alarm-silence]')) await blue.click('[data-testid=alarm-silence]');
      const answered = await post(server.base, T.blue, `/requests/${q.id}/accept`, {});
      const xid = answered.exclusion_id;
      assert(xid, `accepted, exclusion ${xid}`);
      const x = await waitFor(async () => (await exclusions(blue)).find((v) => v.id === xid) || null, { timeoutMs: 5000, what: 'the second exclusion' });
      await look(blue, vol);
      // Within 60 s of the deadline the compliance alert is a warning: the banner says compliance.
      const banner = await waitFor(() => blue.evaluate((rid) => {
        const b = document.querySelector('[data-testid=alarm-banner]');
        const items = [...document.querySelectorAll('[data-testid=alert-item][data-kind=intrusion]')].filter((el) => el.dataset.reservationId === rid);
        if (!b || b.hidden || b.dataset.compliance !== 'true' || !items.length) return null;
        return { text: b.querySelector('[data-testid=alarm-text]')?.textContent || '', level: b.dataset.level };
      }, xid), { timeoutMs: 15000, intervalMs: 300, what: 'the compliance warning in the banner' });
      assert(/^WARNING: COMPLIANCE · RAVEN51 must leave red's exclusion by \d\d:\d\d:\d\d UTC \(in 0:\d\d\)/.test(banner.text), `the banner's words ("${banner.text}")`);
      await screenshot(blue, 'blue-1600-banner');
      // From the deadline: in force, and the alert on it is an intrusion, RAVEN51 inside.
      const after = await waitFor(() => blue.evaluate((rid) => {
        const el = [...document.querySelectorAll('[data-testid=alert-item][data-kind=intrusion]')].find((e) => e.dataset.reservationId === rid);
        // At the deadline the console words it as an intrusion; the server's next cycle has it inside.
        const text = el ? el.querySelector('.who2')?.textContent || '' : '';
        return el && el.dataset.compliance === 'false' && el.dataset.level === '3' && / INSIDE /.test(text) ? { text, lvl: el.querySelector('.lvl')?.textContent } : null;
      }, xid), { timeoutMs: 60000, intervalMs: 250, what: 'the alert to read as an intrusion after the deadline' });
      const lateBy = Date.now() / 1000 - x.deadline;
      assert(/^RAVEN51 FL\d{3} INSIDE Exclusion: blue keeps out \(q-\d+\) \(red\)$/.test(after.text) && after.lvl === 'WARNING', `the usual words ("${after.text}", ${after.lvl})`);
      const xs = (await exclusions(blue)).find((v) => v.id === xid);
      assert(xs.phase === 'in-force' && /· in force$/.test(xs.label) && xs.drawn && xs.drawn.style.dash.length === 0, `the label says in force, drawn solid (${xs.label}, ${JSON.stringify(xs.drawn && xs.drawn.style.dash)})`);
      const i = (await api(server.base, T.blue, '/intrusions')).intrusions.find((v) => v.reservation_id === xid);
      assert(i && i.inside_now && i.level === 3, `the API has RAVEN51 inside (${JSON.stringify(i && { inside: i.inside_now, level: i.level })})`);
      const bannerAfter = await blue.evaluate(() => document.querySelector('[data-testid=alarm-text]')?.textContent || '');
      await screenshot(blue, 'blue-1600-in-force');
      return `banner "${banner.text.slice(0, 70)}…"; ${lateBy.toFixed(1)} s after the deadline: "${after.text}"; banner now "${bannerAfter.slice(0, 60)}…"`;
    });

    await s.run('red files another vacate request, blue declines it with a reason in the console: both and the cell see the contested volume until it ends', async () => {
      const now = Date.now() / 1000;
      const vol = { shape: { type: 'polygon', coordinates: [[37.0, 35.9], [37.5, 35.9], [37.5, 36.2], [37.0, 36.2]] }, lower_ft: 12000, upper_ft: 22000, start_time: now + 20, end_time: now + 110 };
      const q = await post(server.base, T.red, '/requests', { kind: 'vacate', to: 'blue', volume: vol, message: 'E2E: keep clear of the southern box', expires_at: now + 600 });
      const reason = 'CAP on station until relieved';
      await blue.click('[data-testid=tab-requests]');
      const item = `[data-testid=request-item][data-request-id="${q.id}"]`;
      await blue.waitForSelector(`${item}[data-state=pending]`, { timeout: 20000 });
      await blue.fill(`${item} [data-testid=decline-reason]`, reason);
      await blue.click(`${item} [data-testid=request-decline]`);
      await blue.waitForSelector(`${item}[data-state=declined]`, { timeout: 10000 });
      const listed = (await api(server.base, T.red, '/requests')).requests.find((r) => r.id === q.id);
      assert(listed.state === 'declined' && listed.contested === true && listed.reason === reason, `the API has it contested (${JSON.stringify({ state: listed.state, contested: listed.contested })})`);
      const want = `CONTESTED · red's request ${q.id} declined by blue: ${reason}`;
      const notes = [];
      for (const [who, page] of [['blue', blue], ['red', red], ['cell', cell]]) {
        const c = await waitFor(async () => (await contested(page)).find((v) => v.request_id === q.id) || null, { timeoutMs: 20000, intervalMs: 300, what: `the contested volume in ${who}'s console` });
        assert(c.label === want, `${who}: the words ("${c.label}")`);
        await look(page, vol);
        const d = (await contested(page)).find((v) => v.request_id === q.id).drawn;
        assert(d && d.on_screen && d.style.colour === ZONE.contested && d.style.dash.length === 2 && !d.style.hatch, `${who}: drawn dashed warm grey (${JSON.stringify(d && d.style)})`);
        assert(d.label && d.label.text === want, `${who}: labelled on the map ("${d.label && d.label.text}")`);
        notes.push(who);
      }
      await red.click('[data-testid=tab-requests]');
      const line = await red.textContent(`${item} [data-testid=request-contested]`);
      assert(line.startsWith('CONTESTED · declined by blue: its volume is shown on the map to red, blue and the cell until '), `red's request card ("${line}")`);
      await screenshot(red, 'red-1600-contested');
      await blue.setViewportSize({ width: 1024, height: 700 });
      await look(blue, vol);
      await screenshot(blue, 'blue-1024-contested');
      await blue.setViewportSize({ width: 1600, height: 900 });
      // Gone when its volume ends.
      const wait = (vol.end_time - Date.now() / 1000) * 1000 + 5000;
      await waitFor(async () => !(await contested(blue)).length && !(await contested(red)).length, { timeoutMs: Math.max(5000, wait), intervalMs: 1000, what: 'the contested volume to go when its volume ends' });
      const drawn = await blue.evaluate((id) => window.__deconflict.labels().filter((l) => l.id === `contested:${id}`).length, q.id);
      assert(drawn === 0, 'its label is gone from the map');
      return `${q.id} "${want}" for ${notes.join(', ')}; gone at its end`;
    });

    await s.run('no failed API call, no script error', async () => {
      const errors = [blue, red, cell].filter(Boolean).flatMap((p) => p.errors);
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
