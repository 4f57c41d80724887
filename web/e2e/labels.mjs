// Browser tests of the map's labels and palette against a real `deconflict serve --demo` (its
// own, so the demo's scripted encounter runs in its first minutes: blue VIPER11 (AE1001) vs red
// SOKOL21 (150A21) head-on at FL250, caution from the start, warning ~37 s in).
//
// - Red, zoomed to its fighters over Syria: every red aircraft in view has a label, no two
//   placed labels overlap, and the VIPER11/SOKOL21 pair (in alert) both have theirs.
// - Blue, zoomed to the pair: both labelled, clear of each other, no two labels overlap.
// - The palette is applied: the stylesheet's level colours are palette.js's, and when the
//   scripted warning raises the banner, its text has at least 4.5:1 contrast on its background
//   in both phases of its flash.
import { assert, launchBrowser, screenshot, signIn, sleep, startServer, waitFor, scenarios, api } from './lib.mjs';
import { LEVEL, BANNER, contrastRatio } from '../public/js/palette.js';

const VIPER = 'AE1001';
const SOKOL = '150A21';

const labels = (page) => page.evaluate(() => window.__deconflict.labels());

/** Aircraft of the viewer's picture on screen now (projected from the map's displayed positions). */
const onScreen = (page, ids) => page.evaluate((list) => {
  const c = document.querySelector('[data-testid=map-canvas]');
  const w = c.clientWidth;
  const h = c.clientHeight;
  return list.filter((id) => {
    const d = window.__deconflict.displayed(id);
    if (!d) return false;
    const [x, y] = window.__deconflict.project(d.lon_deg, d.lat_deg);
    return x > 30 && y > 30 && x < w - 30 && y < h - 30;
  });
}, ids);

function overlapping(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      if (a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y) out.push(`${a.id}/${b.id}`);
    }
  }
  return out;
}

/** "rgb(r, g, b)" or "rgba(…)" → "#rrggbb". */
function hex(css) {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  return `#${m.slice(1, 4).map((v) => Number(v).toString(16).padStart(2, '0')).join('')}`;
}

/** Waits for some frames, so labels reflect the view just set. */
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300)))));

async function centreOn(page, ids, zoom) {
  const pts = (await page.evaluate((list) => list.map((id) => window.__deconflict.displayed(id)).filter(Boolean), ids));
  assert(pts.length > 0, `positions of ${ids.join(', ')}`);
  const lon = pts.reduce((s, p) => s + p.lon_deg, 0) / pts.length;
  const lat = pts.reduce((s, p) => s + p.lat_deg, 0) / pts.length;
  await page.evaluate(([a, b, z]) => window.__deconflict.view(a, b, z), [lon, lat, zoom]);
  await settle(page);
  return [lon, lat];
}

async function main() {
  const s = scenarios();
  const server = await startServer();
  console.log(`server ${server.base} (data dir ${server.dataDir})`);
  const browser = await launchBrowser();
  const requests = [];
  let red;
  let blue;
  try {
    red = await signIn(browser, server.base, server.tokens.red, requests);
    blue = await signIn(browser, server.base, server.tokens.blue, requests);

    await s.run('red, zoomed to its fighters: every red aircraft in view labelled, no two labels overlap, the pair in alert both labelled', async () => {
      const own = (await api(server.base, server.tokens.red, '/tracks')).tracks.filter((t) => t.party === 'red');
      assert(own.length >= 3, `red has aircraft in the demo (${own.length})`);
      await waitFor(async () => (await onScreen(red, own.map((t) => t.id))).length > 0 || (await red.evaluate(() => window.__deconflict.state.tracks)) > 0, { what: 'red\'s picture' });
      await waitFor(() => red.evaluate((id) => window.__deconflict.state.alertTrackIds.includes(id), SOKOL), { what: 'the scripted alert in red\'s picture' });
      // The fighters round SOKOL21 (within about 60 NM), the map at zoom 8.
      const sok = own.find((t) => t.id === SOKOL);
      assert(sok, 'SOKOL21 is red\'s');
      const near = own.filter((t) => Math.abs(t.lat_deg - sok.lat_deg) < 1 && Math.abs(t.lon_deg - sok.lon_deg) < 1.2);
      await centreOn(red, [...near.map((t) => t.id), VIPER], 8);
      const shown = await onScreen(red, own.map((t) => t.id));
      assert(shown.length >= 2, `several red aircraft in view (${shown.length}: ${shown})`);
      const placed = await labels(red);
      await screenshot(red, 'red-fighters-labelled');
      const ids = new Set(placed.map((l) => l.id));
      const missing = shown.filter((id) => !ids.has(id));
      assert(missing.length === 0, `every red aircraft in view is labelled (missing ${missing})`);
      const ov = overlapping(placed);
      assert(ov.length === 0, `no two labels overlap: ${ov.slice(0, 8)}`);
      assert(ids.has(SOKOL), 'SOKOL21 labelled');
      assert(ids.has(VIPER), `VIPER11 (known to red through the alert) labelled: ${JSON.stringify(placed.filter((l) => l.priority >= 70))}`);
      const pair = placed.filter((l) => l.id === SOKOL || l.id === VIPER);
      assert(overlapping(pair).length === 0, 'the pair\'s labels clear of each other');
      const leaders = placed.filter((l) => l.leader).length;
      return `${shown.length} red aircraft in view, ${placed.length} labels (${leaders} with a leader line), pair ${pair.map((l) => `${l.id} ${l.pos}`).join(', ')}`;
    });

    await s.run('blue, zoomed to the pair: VIPER11 and SOKOL21 both labelled, no two labels overlap', async () => {
      await waitFor(() => blue.evaluate((ids) => ids.every((id) => window.__deconflict.displayed(id)), [VIPER, SOKOL]), { what: 'the pair in blue\'s picture' });
      await centreOn(blue, [VIPER, SOKOL], 8.5);
      const placed = await labels(blue);
      await screenshot(blue, 'blue-pair-labelled');
      const ids = new Set(placed.map((l) => l.id));
      assert(ids.has(VIPER) && ids.has(SOKOL), `both of the pair labelled (${[...ids].slice(0, 20)})`);
      const ov = overlapping(placed);
      assert(ov.length === 0, `no two labels overlap: ${ov.slice(0, 8)}`);
      // Zoomed out over the whole demo: still no overlap, and the pair still labelled.
      await blue.evaluate(() => window.__deconflict.view(37.5, 35.6, 6.6));
      await settle(blue);
      const wide = await labels(blue);
      await screenshot(blue, 'blue-wide-labelled');
      assert(overlapping(wide).length === 0, `no overlap zoomed out: ${overlapping(wide).slice(0, 8)}`);
      const wideIds = new Set(wide.map((l) => l.id));
      assert(wideIds.has(VIPER) && wideIds.has(SOKOL), 'the pair keeps its labels zoomed out');
      return `${placed.length} labels at the pair, ${wide.length} zoomed out (${wide.filter((l) => l.leader).length} with leader lines)`;
    });

    await s.run('the palette is applied, and the warning banner\'s text reads at 4.5:1 or more in both phases of its flash', async () => {
      const l3 = await blue.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--l3').trim());
      assert(l3 === LEVEL.warning, `--l3 is palette.js's warning red (${l3} vs ${LEVEL.warning})`);
      // The scripted warning raises the banner about 37 s after the server started.
      await waitFor(() => blue.isVisible('[data-testid=alarm-banner]'), { timeoutMs: 90000, what: 'the warning banner' });
      await blue.evaluate(() => window.__deconflict.view(37.5, 35.6, 6.6));
      const seen = new Map();
      for (let i = 0; i < 16; i++) {
        const c = await blue.evaluate(() => {
          const b = document.querySelector('[data-testid=alarm-banner]');
          const t = b.querySelector('[data-testid=alarm-text]') || b;
          return { bg: getComputedStyle(b).backgroundColor, fg: getComputedStyle(t).color };
        });
        seen.set(c.bg, c.fg);
        await sleep(110);
      }
      const phases = [...seen].map(([bg, fg]) => ({ bg: hex(bg), fg: hex(fg), ratio: contrastRatio(hex(fg), hex(bg)) }));
      await screenshot(blue, 'blue-warning-banner');
      assert(phases.some((p) => p.bg === BANNER.bg), `the banner shows palette.js's banner red (${JSON.stringify(phases)})`);
      for (const p of phases) assert(p.ratio >= 4.5, `banner text ${p.fg} on ${p.bg}: ${p.ratio.toFixed(2)}:1`);
      // With the warning, the pair is still labelled (the banner takes space at the top).
      await centreOn(blue, [VIPER, SOKOL], 8.5);
      const placed = await labels(blue);
      await screenshot(blue, 'blue-warning-pair');
      assert(placed.some((l) => l.id === VIPER) && placed.some((l) => l.id === SOKOL), 'the pair labelled during the warning');
      assert(overlapping(placed).length === 0, 'no overlap during the warning');
      return phases.map((p) => `${p.fg} on ${p.bg} ${p.ratio.toFixed(2)}:1`).join('; ');
    });

    await s.run('no uncaught script error', async () => {
      const errors = [...(red.errors || []), ...(blue.errors || [])];
      assert(errors.length === 0, `errors: ${errors.join(' | ')}`);
    });
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
  }
  s.summary(server);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
