// Browser tests of position discrepancies against a real `deconflict serve --demo` (its own):
// from 60 s into the demo blue's navigator of EAGLE31 (AE1011) drifts south of where the civil
// ADS-B receiver demo-adsb hears it, and the cell raises a discrepancy about 85–90 s after the
// server starts (gap over 1 NM for 5 s), updated as the gap grows to 2.5 NM. Blue and red sign in
// before it (blue gets it over the stream; red must not get it), the cell and the observer after
// (they load it with GET /discrepancies).
//
// - Blue: within 120 s of the server's start the alert list has a CAUTION "position
//   discrepancy" entry for EAGLE31 (own group, no ACK button) saying "EAGLE31 (blue) · reported
//   x.x NM S of where civil ADS-B (demo-adsb) hears it · 0 ft"; the gap it shows grows with the
//   server's `updated` events (to 2.3–2.5 NM).
// - Going to it selects EAGLE31: the card's discrepancy block has both positions with their
//   feeds (the API's), the gap and the times; the map draws a hollow amber diamond labelled
//   "ADS-B" north of the aircraft, at the API's gap (read back from the canvas pixels), with a
//   dashed amber line to it, and the key lists it. At 1600×900 and 1024×700.
// - Red: nothing — not in the hook, the list, the card, GET /discrepancies.
// - The cell and the observer: the entry (Same party group), with "civil ADS-B"; after a
//   reconnect (R) the cell still has it.
// Screenshots go to web/test-output/discrepancy-*.png. Started by e2e/run.mjs.
import { api, assert, launchBrowser, screenshot, signIn, sleep, startServer, waitFor, scenarios, state } from './lib.mjs';
import { pairGeometry, M_PER_NM } from '../public/js/encounter.js';
import { DISCREPANCY } from '../public/js/palette.js';

const EAGLE = 'AE1011';
/** The discrepancy must be on blue's screen within this long of the server's start. */
const DUE_S = 120;

const discrepancies = (page) => page.evaluate(() => window.__deconflict.discrepancies());
const itemSel = `[data-testid=alert-item][data-kind=discrepancy][data-track="${EAGLE}"]`;

/** The alert-list entry as shown: its texts, level, state, whether it has an ACK button, where it is. */
function listEntry(page) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {
      text: el.textContent,
      sentence: el.querySelector('[data-testid=discrepancy-text]')?.textContent || '',
      gap: el.querySelector('[data-testid=discrepancy-gap]')?.textContent || '',
      lvl: el.querySelector('.lvl')?.textContent || '',
      level: el.dataset.level,
      state: el.dataset.state,
      ackButtons: el.querySelectorAll('[data-testid=ack-button]').length,
      title: el.title,
      inView: r.width > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
    };
  }, itemSel);
}

/** The details card's discrepancy block as shown. */
function cardBlock(page) {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid=aircraft-details]:not([hidden]) [data-testid=details-discrepancy]');
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {
      id: el.dataset.discrepancyId,
      state: el.dataset.state,
      text: el.textContent,
      sentence: el.querySelector('[data-testid=discrepancy-sentence]')?.textContent || '',
      reportedFeed: el.querySelector('[data-testid=discrepancy-reported]')?.dataset.feed,
      independentFeed: el.querySelector('[data-testid=discrepancy-independent]')?.dataset.feed,
      reported: el.querySelector('[data-testid=discrepancy-reported]')?.textContent || '',
      independent: el.querySelector('[data-testid=discrepancy-independent]')?.textContent || '',
      gapLine: el.querySelector('[data-testid=discrepancy-gap-line]')?.textContent || '',
      callsign: document.querySelector('[data-testid=details-callsign]')?.textContent,
      inView: r.width > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
    };
  });
}

/**
 * The marker the map drew for the discrepancy and the canvas's pixels on the diamond's outline
 * and along the dashed line, read in one task (one frame).
 */
function markerOnCanvas(page, id) {
  return page.evaluate((did) => {
    const d = window.__deconflict.discrepancies().find((x) => x.id === did);
    if (!d || !d.drawn) return null;
    const m = d.drawn;
    const canvas = document.querySelector('[data-testid=map-canvas]');
    const ctx = canvas.getContext('2d');
    const dpr = canvas.width / canvas.clientWidth;
    // The device pixel that holds the point (a 2 px stroke centred on it covers it whole).
    const px = (x, y) => [...ctx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data];
    const r = 8;
    const outline = [];
    for (const [sx, sy] of [[1, -1], [1, 1], [-1, 1], [-1, -1]]) {
      for (const f of [0.3, 0.5, 0.7]) outline.push(px(m.x + sx * r * f, m.y + sy * r * (1 - f)));
    }
    const centre = px(m.x, m.y);
    // Samples along the dashed line, except where the selected aircraft's guidance ring (drawn
    // over it when the aircraft has guidance) covers it.
    const ring = window.__deconflict.state.guidanceDrawn;
    const line = [];
    let covered = 0;
    const len = Math.hypot(m.reported_x - m.x, m.reported_y - m.y);
    // The 1.5 px stroke covers the device pixel under its centre line whole only where that line
    // runs near a pixel's middle; running along a pixel edge it covers two neighbours by three
    // quarters each. So each sample is the three device pixels across the line (its normal, one
    // device pixel either side), and the line's colour is read from the one it covers most.
    const nx = -(m.reported_y - m.y) / len / dpr;
    const ny = (m.reported_x - m.x) / len / dpr;
    for (let k = 1; k < 60; k++) {
      const t = (r + 3 + ((len - r - 10) * k) / 60) / len;
      const x = m.x + (m.reported_x - m.x) * t;
      const y = m.y + (m.reported_y - m.y) * t;
      if (ring && Math.hypot(x - ring.x, y - ring.y) <= ring.radiusPx + 6) {
        covered += 1;
        continue;
      }
      line.push([-1, 0, 1].map((s) => px(x + s * nx, y + s * ny)));
    }
    const shown = window.__deconflict.displayed(d.track_id);
    return { d, m, outline, centre, line, covered, shown, legend: document.querySelector('[data-testid=legend-discrepancy]')?.textContent || '' };
  }, id);
}

const rgbOf = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Whether an RGBA pixel shows the #rrggbb colour (edge pixels of a thin stroke are part-covered, blended into the dark halo). */
function showsColour(px, hex, minAlpha = 150) {
  const rgb = rgbOf(hex);
  return px[3] >= minAlpha && rgb.every((c, i) => Math.abs(c - px[i]) <= 40);
}

/** The halo's colour under the dashed line ('rgba(r, g, b, a)'). */
const HALO_RGB = DISCREPANCY.halo.match(/\d+/g).slice(0, 3).map(Number);

/**
 * Whether one of the pixels across the dashed line shows the mark: at least 70 % of it over the
 * halo (a 1.5 px stroke covers at least 75 % of one of three pixels across it; a gap shows the
 * halo alone).
 */
function lineShowsMark(across, hex) {
  const rgb = rgbOf(hex);
  return across.some((px) => px[3] >= 150 && rgb.every((c, i) => Math.abs(c - px[i]) <= 0.3 * Math.abs(c - HALO_RGB[i]) + 10));
}

/** Checks the marker on the canvas: amber diamond outline, hollow, dashed amber line, at the API's gap north of the aircraft. */
async function checkMarker(page, id, apiGapM) {
  const got = await waitFor(async () => {
    const x = await markerOnCanvas(page, id);
    return x && x.m.on_screen ? x : null;
  }, { timeoutMs: 10000, what: 'the discrepancy marker drawn in view' });
  const { m, outline, centre, line, covered, shown, legend } = got;
  assert(m.label === 'ADS-B', `the marker is labelled ADS-B (${m.label})`);
  const amber = outline.filter((p) => showsColour(p, DISCREPANCY.mark)).length;
  assert(amber >= 8, `the diamond's outline is drawn in caution amber (${amber} of ${outline.length} pixels: ${JSON.stringify(outline)})`);
  assert(!showsColour(centre, DISCREPANCY.mark, 1), `the diamond is hollow (${centre})`);
  const dashes = line.filter((p) => lineShowsMark(p, DISCREPANCY.mark)).length;
  assert(line.length >= 20, `enough of the line is clear of the guidance ring to read it (${line.length} samples, ${covered} under the ring)`);
  assert(dashes >= Math.ceil(line.length * 0.28) && dashes <= line.length - 4, `a dashed amber line to the aircraft (${dashes} of ${line.length} samples amber, ${covered} under the guidance ring left out)`);
  assert(m.y < m.reported_y - 5 && Math.abs(m.x - m.reported_x) < Math.abs(m.y - m.reported_y) * 0.2, `the ADS-B fix is drawn north of the reported position (${m.x.toFixed(0)},${m.y.toFixed(0)} vs ${m.reported_x.toFixed(0)},${m.reported_y.toFixed(0)})`);
  // The marker's place on the map is the API's gap from where the aircraft is displayed.
  const g = pairGeometry({ lat_deg: m.lat_deg, lon_deg: m.lon_deg, gs_kt: 0 }, { lat_deg: shown.lat_deg, lon_deg: shown.lon_deg, gs_kt: 0 });
  assert(Math.abs(g.range_m - apiGapM) < Math.max(0.1 * apiGapM, 200), `the marker is the API's gap away (${(g.range_m / M_PER_NM).toFixed(2)} vs ${(apiGapM / M_PER_NM).toFixed(2)} NM)`);
  assert(Math.abs(g.bearing_deg - 180) < 5, `the aircraft bears S of the marker (${g.bearing_deg.toFixed(1)}°)`);
  assert(/ADS-B position/.test(legend), `the map's key names the marker ("${legend}")`);
  return m;
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
  let blue;
  let red;
  let first = null;
  try {
    blue = await signIn(browser, server.base, server.tokens.blue, requests, { onPage: watch });
    red = await signIn(browser, server.base, server.tokens.red, requests, { onPage: watch });

    await s.run(`blue sees EAGLE31's position discrepancy in the alert list within ${DUE_S} s of the server's start`, async () => {
      first = await waitFor(async () => (await discrepancies(blue)).find((d) => d.track_id === EAGLE && d.active) || null,
        { timeoutMs: Math.max(5000, DUE_S * 1000 - (Date.now() - server.startedAt)), intervalMs: 500, what: 'the discrepancy in blue\'s console' });
      const after = (Date.now() - server.startedAt) / 1000;
      const e = await waitFor(() => listEntry(blue), { timeoutMs: 3000, what: 'the alert-list entry' });
      assert(e.lvl === 'CAUTION' && e.level === '2' && e.state === 'active', `ranked and shown as a caution (${e.lvl}, level ${e.level}, ${e.state})`);
      assert(/^EAGLE31 \(blue\) · reported \d+\.\d NM S of where civil ADS-B \(demo-adsb\) hears it · 0 ft$/.test(e.sentence), `the entry's words ("${e.sentence}")`);
      assert(/position discrepancy/.test(e.text) && /since \d\d:\d\d:\d\d UTC/.test(e.text) && /no ACK/.test(e.text), `what, since when, no ACK ("${e.text}")`);
      assert(e.ackButtons === 0, 'no acknowledge button');
      assert(/^POSITION DISCREPANCY · EAGLE31 \(blue\) · reported \d+\.\d NM S of where civil ADS-B \(demo-adsb\) hears it · 0 ft · since \d\d:\d\d:\d\d UTC/.test(e.title), `the full sentence in its tooltip ("${e.title}")`);
      const st = await state(blue);
      const a = st.alerts.find((x) => x.kind === 'discrepancy');
      assert(a && a.group === 'own' && a.a === EAGLE && a.level === 2 && a.unacked === false, `in blue's own group, not waiting for an ACK (${JSON.stringify(a)})`);
      const listed = (await api(server.base, server.tokens.blue, '/discrepancies')).discrepancies;
      assert(listed.some((d) => d.id === first.id), `the API lists the same discrepancy (${listed.map((d) => d.id)})`);
      assert(first.independent.feed === 'demo-adsb', `the independent fix is demo-adsb's (${first.independent.feed})`);
      return `${first.id} at ${after.toFixed(0)} s: "${e.sentence}"`;
    });

    await s.run('going to it selects EAGLE31: the card has both positions, feeds, gap and times; the map draws the ADS-B fix', async () => {
      assert(first, 'the discrepancy was seen');
      await blue.click(itemSel);
      await blue.waitForFunction((id) => window.__deconflict.state.selectedId === id, EAGLE, { timeout: 5000 });
      const c = await waitFor(() => cardBlock(blue), { timeoutMs: 5000, what: 'the card\'s discrepancy block' });
      const d = (await api(server.base, server.tokens.blue, '/discrepancies')).discrepancies.find((x) => x.id === first.id);
      assert(c.callsign === 'EAGLE31' && c.id === first.id && c.state === 'active', `the card is EAGLE31's, with the discrepancy (${c.callsign}, ${c.id}, ${c.state})`);
      assert(c.reportedFeed === d.reported.feed && c.independentFeed === 'demo-adsb', `both feeds, as the API gives them (${c.reportedFeed}, ${c.independentFeed}; API ${d.reported.feed})`);
      assert(c.reported.startsWith(`reported${d.reported.feed} · `) && / · \d\d:\d\d:\d\dZ\d+\.\d{4}, \d+\.\d{4} · FL\d{3} · \d+ kt · trk \d{3}°$/.test(c.reported), `the reported position ("${c.reported}")`);
      assert(c.independent.startsWith('ADS-Bdemo-adsb · ') && /\d+\.\d{4}, \d+\.\d{4} · FL\d{3} · \d+ kt · trk \d{3}°$/.test(c.independent), `the ADS-B position ("${c.independent}")`);
      assert(/^gap \d+\.\d NM \(largest \d+\.\d NM\) · vertical 0 ft$/.test(c.gapLine), `the gap ("${c.gapLine}")`);
      assert(/raised \d\d:\d\d:\d\dZ · updated \d\d:\d\d:\d\dZ/.test(c.text) && /No ACK: it clears when the sources agree again/.test(c.text), `the times, and why no ACK ("${c.text}")`);
      assert(/^EAGLE31 \(blue\) reported \d+\.\d NM S of where civil ADS-B \(demo-adsb\) hears it · 0 ft$/.test(c.sentence), `the sentence ("${c.sentence}")`);
      assert(c.inView, 'the block is in the window');
      const m = await checkMarker(blue, first.id, d.horizontal_m);
      await screenshot(blue, 'blue-1600-discrepancy');
      return `${c.gapLine}; marker ${m.length_px.toFixed(0)} px N of the aircraft`;
    });

    await s.run('the gap grows with the server\'s updates, in the list, the card and on the map', async () => {
      // The drift reaches 2.5 NM; the server sends an update when the gap grew by a tenth over
      // the largest seen, so the last one says between 2.3 and 2.5 NM.
      const grown = await waitFor(async () => {
        const d = (await discrepancies(blue)).find((x) => x.id === first.id);
        return d && d.horizontal_m >= 2.2 * M_PER_NM ? d : null;
      }, { timeoutMs: 60000, intervalMs: 1000, what: 'the gap to reach 2.2 NM' });
      assert(grown.horizontal_m > first.horizontal_m + 0.3 * M_PER_NM && grown.state === 'updated', `the gap grew (${(first.horizontal_m / M_PER_NM).toFixed(2)} → ${(grown.horizontal_m / M_PER_NM).toFixed(2)} NM, ${grown.state})`);
      await sleep(1200);
      const now = (await discrepancies(blue)).find((x) => x.id === first.id);
      const nm = `${(now.horizontal_m / M_PER_NM).toFixed(1)} NM`;
      const e = await listEntry(blue);
      assert(e.gap === nm && e.sentence.includes(`reported ${nm} S of`), `the list says ${nm} ("${e.gap}", "${e.sentence}")`);
      const c = await cardBlock(blue);
      assert(c.gapLine.startsWith(`gap ${nm}`), `the card says ${nm} ("${c.gapLine}")`);
      const api2 = (await api(server.base, server.tokens.blue, '/discrepancies')).discrepancies.find((x) => x.id === first.id);
      assert(Math.abs(api2.horizontal_m - now.horizontal_m) < 1 || api2.updated_at > now.updated_at, 'the console has the API\'s latest');
      await blue.click(itemSel);
      await sleep(800);
      const m = await checkMarker(blue, first.id, api2.horizontal_m);
      await screenshot(blue, 'blue-1600-grown');
      return `${(first.horizontal_m / M_PER_NM).toFixed(1)} → ${nm}, marker ${m.length_px.toFixed(0)} px`;
    });

    await s.run('at 1024×700 the entry, the card and the marker are all on screen', async () => {
      await blue.setViewportSize({ width: 1024, height: 700 });
      await sleep(800);
      await blue.click(itemSel);
      await sleep(1000);
      const e = await listEntry(blue);
      assert(e && e.inView, 'the list entry is in the window');
      const c = await cardBlock(blue);
      assert(c && c.inView, 'the card\'s block is in the window');
      const d = (await api(server.base, server.tokens.blue, '/discrepancies')).discrepancies.find((x) => x.id === first.id);
      const m = await checkMarker(blue, first.id, d.horizontal_m);
      // The marker is not under the card.
      const card = await blue.evaluate(() => document.querySelector('[data-testid=aircraft-details]').getBoundingClientRect().toJSON());
      const map = await blue.evaluate(() => document.querySelector('[data-testid=map-canvas]').getBoundingClientRect().toJSON());
      const x = map.left + m.x;
      const y = map.top + m.y;
      assert(!(x >= card.left && x <= card.right && y >= card.top && y <= card.bottom), `the marker is not hidden by the card (${x.toFixed(0)},${y.toFixed(0)} vs card ${JSON.stringify(card)})`);
      await screenshot(blue, 'blue-1024-discrepancy');
      await blue.setViewportSize({ width: 1600, height: 900 });
      return `marker at ${x.toFixed(0)},${y.toFixed(0)}`;
    });

    await s.run('red, whose aircraft it is not, sees nothing of it', async () => {
      const mine = await discrepancies(red);
      assert(mine.length === 0, `red's console holds no discrepancy (${JSON.stringify(mine.map((d) => d.id))})`);
      assert(!(await listEntry(red)), 'no entry in red\'s alert list');
      const st = await state(red);
      assert(!st.alerts.some((a) => a.kind === 'discrepancy'), 'none in red\'s alerts');
      const listed = (await api(server.base, server.tokens.red, '/discrepancies')).discrepancies;
      assert(listed.length === 0, `the API lists none to red (${listed.length})`);
      const text = await red.evaluate(() => document.body.innerText);
      assert(!/POSITION DISCREPANCY|position discrepancy/i.test(text), 'the words appear nowhere on red\'s page');
      assert(!(await red.$('[data-testid=legend-discrepancy]')), 'no marker in red\'s key');
      await screenshot(red, 'red-nothing');
      return 'nothing';
    });

    await s.run('the cell and the observer, signed in after it was raised, load it; the cell keeps it over a reconnect', async () => {
      const notes = [];
      for (const who of ['cell', 'monitor']) {
        const page = await signIn(browser, server.base, server.tokens[who], requests, { onPage: watch });
        const e = await waitFor(() => listEntry(page), { timeoutMs: 15000, what: `the entry in the ${who}'s list` });
        assert(e.state === 'active' && e.lvl === 'CAUTION' && e.ackButtons === 0, `${who}: an active caution, no ACK (${JSON.stringify(e)})`);
        assert(/^EAGLE31 \(blue\) · reported \d+\.\d NM S of where civil ADS-B \(demo-adsb\) hears it · 0 ft$/.test(e.sentence), `${who}: the words ("${e.sentence}")`);
        const st = await state(page);
        const a = st.alerts.find((x) => x.kind === 'discrepancy');
        assert(a && a.group === 'same' && a.a_party === 'blue', `${who}: in the Same party group (${JSON.stringify(a)})`);
        if (who === 'cell') {
          await page.click(itemSel);
          const c = await waitFor(() => cardBlock(page), { timeoutMs: 5000, what: 'the cell\'s card block' });
          assert(c.independentFeed === 'demo-adsb', 'the cell\'s card names demo-adsb');
          const d = (await api(server.base, server.tokens.cell, '/discrepancies')).discrepancies.find((x) => x.id === first.id);
          await checkMarker(page, first.id, d.horizontal_m);
          await screenshot(page, 'cell-discrepancy');
          // A reconnect: the socket closes, the console polls, reconnects, reloads the list.
          let asked = 0;
          page.on('request', (r) => { if (r.url().includes('/api/v1/discrepancies')) asked += 1; });
          await page.keyboard.press('r');
          await waitFor(async () => (await state(page)).connection !== 'live', { timeoutMs: 5000, what: 'the connection to drop' }).catch(() => null);
          await waitFor(async () => (await state(page)).connection === 'live', { timeoutMs: 20000, what: 'the connection back' });
          await sleep(1500);
          assert(asked > 0, `the list was asked for again after the reconnect (${asked} requests)`);
          assert(await listEntry(page), 'the cell still lists it');
          notes.push(`cell: ${asked} reload(s) of the list over the reconnect`);
        } else {
          await screenshot(page, 'monitor-discrepancy');
          notes.push('observer: listed');
        }
        assert(page.errors.length === 0, `${who}: no script error (${page.errors.join('; ')})`);
        await page.context().close();
      }
      return notes.join('; ');
    });

    await s.run('no route the console used failed, no script error, every request to the server\'s origin', async () => {
      assert(failures.length === 0, `no failed API request (${failures.join(', ')})`);
      for (const p of [blue, red]) assert(p.errors.length === 0, `no script error (${p.errors.join('; ')})`);
      const origin = new URL(server.base).host;
      const foreign = requests.filter((r) => new URL(r.url).host !== origin);
      assert(foreign.length === 0, `every request to ${origin} (${foreign.map((r) => r.url).slice(0, 3)})`);
      return `${requests.length} requests`;
    });
  } finally {
    await browser.close();
    s.summary(server);
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
