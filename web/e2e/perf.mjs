// Frame-rate measurement of the map in headless Chromium: signs in as the cell, injects N
// synthetic moving aircraft through the test hook (all updated once per second, like a feed),
// pans the map continuously and counts animation frames.
//
//   cd web && node e2e/perf.mjs [N=20000] [seconds=10]
import { launchBrowser, screenshot, signIn, sleep, startServer } from './lib.mjs';

const N = Number(process.argv[2] || 20000);
const SECONDS = Number(process.argv[3] || 10);

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await signIn(browser, server.base, server.tokens.cell, []);
  await sleep(3000);
  // A wide view (eastern Mediterranean, ~1,500 km across) so every injected aircraft is on screen.
  await page.evaluate(() => window.__deconflict.view(36.5, 35.5, 6));
  const injected = await page.evaluate((n) => window.__deconflict.injectTracks(n), N);
  await sleep(2000);
  // Pan back and forth (a few hundred pixels) so the basemap is redrawn too.
  let k = 0;
  const pan = process.env.PERF_PAN !== '0';
  const panner = setInterval(() => {
    if (pan) page.keyboard.press(k++ % 8 < 4 ? 'ArrowRight' : 'ArrowLeft').catch(() => {});
  }, 250);
  const f0 = await page.evaluate(() => window.__deconflict.frames);
  const t0 = Date.now();
  const frameMs = [];
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(500);
    frameMs.push((await page.evaluate(() => window.__deconflict.stats)).frameMs);
  }
  clearInterval(panner);
  const f1 = await page.evaluate(() => window.__deconflict.frames);
  const elapsed = (Date.now() - t0) / 1000;
  const s = await page.evaluate(() => window.__deconflict.stats);
  await screenshot(page, `perf-${N}`);
  frameMs.sort((a, b) => a - b);
  const fps = (f1 - f0) / elapsed;
  console.log(JSON.stringify({
    aircraft_injected: injected,
    tracks_total: s.tracks,
    drawn_in_view: s.drawn,
    seconds: +elapsed.toFixed(1),
    fps: +fps.toFixed(1),
    frame_draw_ms_median: +frameMs[Math.floor(frameMs.length / 2)].toFixed(1),
    frame_draw_ms_max_sampled: +frameMs[frameMs.length - 1].toFixed(1),
  }));
} finally {
  await browser.close();
  await server.stop();
}
