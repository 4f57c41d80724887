// Frame-rate measurement of the map in headless Chromium, with the picture arriving the way it
// does in service: `deconflict simulate feed` serves N synthetic aircraft as a live SBS-1 feed
// (every aircraft reported once per second), `deconflict serve --demo` connects to it as a civil
// feed next to the demo's own traffic, and the cell's console receives all of it over the
// WebSocket stream (snapshot, then one delta per picture cycle). Once the aircraft have
// arrived, the map is fitted to all of them (the `H` key), panned back and forth with the arrow
// keys (so the basemap is redrawn too), and its animation frames are counted.
//
//   cd web && node e2e/perf.mjs [N=20000] [seconds=10] [scenario=europe]
//
// N=0 measures the demo's traffic alone. Scenarios are those of `deconflict simulate feed`
// (`europe`: flights between European airports; `dense`: a 240 NM x 222 NM box round
// 50° N 8° E, thousands of conflicts). PERF_PAN=0 keeps the map still; PERF_TAB=hotline (or
// another tab) measures with that side panel open instead of the aircraft table;
// PERF_ENCODING=json makes the console read the JSON stream instead of the binary one
// (its default); PERF_PROFILE=1 also records the page's JavaScript with the DevTools profiler
// during the measurement and prints the functions with the most self time to stderr. Prints one
// JSON line: frames per second, how old the data shown is (median and largest of every 50th
// aircraft's age: a console that falls behind the stream shows old positions), the map's own
// draw time per frame (and its parts' script time:
// aircraft symbols, alert lines, guidance, marks and labels; and the whole frame with its
// raster and paint), what the stream carried,
// the server's CPU use and the machine's load, which all share the same cores.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { deconflictBin, freePort, launchBrowser, screenshot, signIn, sleep, startServer, waitFor } from './lib.mjs';

const N = Number(process.argv[2] ?? 20000);
const SECONDS = Number(process.argv[3] || 10);
const SCENARIO = process.argv[4] || 'europe';
const TAB = process.env.PERF_TAB || 'aircraft';

/** Starts `deconflict simulate feed` serving N aircraft as SBS-1 on a free loopback port. */
async function startFeed(n) {
  const port = await freePort();
  const child = spawn(deconflictBin(), ['simulate', 'feed', '--sbs-listen', `127.0.0.1:${port}`, '--aircraft', String(n), '--scenario', SCENARIO, '--interval-s', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  await waitFor(async () => /serving SBS-1/.test(log) || child.exitCode !== null, { timeoutMs: 30000, what: 'the simulated feed to listen' });
  if (child.exitCode !== null) throw new Error(`simulate feed exited: ${log}`);
  return { port, stop: () => child.kill('SIGTERM') };
}

/** CPU seconds a process has used so far (Linux /proc), or NaN. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The profile's functions by self time (ms and share of the samples), to stderr. */
function printProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] || 0) / 1000;
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 30);
  console.error(`profile: ${total.toFixed(0)} ms sampled`);
  for (const [k, ms] of top) console.error(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${k}`);
}

const feed = N > 0 ? await startFeed(N) : null;
const config = feed ? `[[feeds]]\nid = "perf-sbs"\nkind = "sbs"\naddress = "127.0.0.1:${feed.port}"\nmode = "connect"\n` : null;
const server = await startServer({ config });
const browser = await launchBrowser();
try {
  const stream = { frames: 0, bytes: 0 };
  const watch = (p) => p.on('websocket', (ws) => ws.on('framereceived', (f) => {
    stream.frames += 1;
    stream.bytes += typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength;
  }));
  const initScript = process.env.PERF_ENCODING === 'json' ? () => localStorage.setItem('deconflict.stream-encoding', 'json') : undefined;
  const page = await signIn(browser, server.base, server.tokens.cell, [], { onPage: watch, initScript });
  const demo = await waitFor(async () => (await page.evaluate(() => window.__deconflict.stats)).tracks, { timeoutMs: 30000, what: 'the demo traffic' });
  const arrived = await waitFor(async () => {
    const s = await page.evaluate(() => window.__deconflict.stats);
    return s.tracks >= (N > 0 ? N * 0.98 : 1) && s;
  }, { timeoutMs: 90000, intervalMs: 1000, what: `${N} aircraft from the feed in the cell's picture` });
  await page.click(`[data-testid=tab-${TAB}]`);
  await page.click('[data-testid=map-canvas]', { position: { x: 5, y: 5 } });
  // Shift+H fits every aircraft (H alone fits the cell the aircraft in alert).
  await page.keyboard.press('Shift+H');
  await sleep(3000);
  let k = 0;
  const pan = process.env.PERF_PAN !== '0';
  const panner = setInterval(() => {
    if (pan) page.keyboard.press(k++ % 8 < 4 ? 'ArrowRight' : 'ArrowLeft').catch(() => {});
  }, 250);
  const profiler = process.env.PERF_PROFILE === '1' ? await page.context().newCDPSession(page) : null;
  if (profiler) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.setSamplingInterval', { interval: 1000 });
    await profiler.send('Profiler.start');
  }
  const f0 = await page.evaluate(() => window.__deconflict.frames);
  const s0 = { ...stream };
  const cpu0 = cpuSeconds(server.pid);
  const load0 = loadavg()[0];
  const t0 = Date.now();
  const frameMs = [];
  const partsMs = {};
  while (Date.now() - t0 < SECONDS * 1000) {
    await sleep(500);
    const st = await page.evaluate(() => window.__deconflict.stats);
    frameMs.push(st.frameMs);
    (partsMs.total_with_raster ||= []).push(st.frameTotalMs);
    for (const [k, ms] of Object.entries(st.partsMs)) (partsMs[k] ||= []).push(ms);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  clearInterval(panner);
  if (profiler) printProfile((await profiler.send('Profiler.stop')).profile);
  const f1 = await page.evaluate(() => window.__deconflict.frames);
  const elapsed = (Date.now() - t0) / 1000;
  const serverCpu = (cpuSeconds(server.pid) - cpu0) / elapsed;
  const s = await page.evaluate(() => window.__deconflict.stats);
  const alerts = await page.evaluate(() => window.__deconflict.state.alerts.length);
  // How old the data the map shows is (now less each aircraft's last report, every 50th).
  const ages = await page.evaluate(() => window.__deconflict.state.drawnTracks.filter((_, i) => i % 50 === 0)
    .map((t) => window.__deconflict.displayed(t.id)).filter(Boolean).map((d) => d.age_s).sort((a, b) => a - b));
  // What the server says of the stream and its picture cycle over the whole run.
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  const metric = (name) => Number((metrics.match(new RegExp(`^${name} (\\S+)$`, 'm')) || [])[1]);
  const cycles = metric('deconflict_cycle_seconds_count');
  frameMs.sort((a, b) => a - b);
  console.log(JSON.stringify({
    feed_aircraft: N,
    stream_encoding: process.env.PERF_ENCODING === 'json' ? 'json' : 'binary',
    scenario: N > 0 ? SCENARIO : 'demo only',
    tracks_at_sign_in: demo,
    tracks_when_started: arrived.tracks,
    tracks_total: s.tracks,
    drawn_in_view: s.drawn,
    alerts_listed: alerts,
    data_age_s_median: ages.length ? +ages[ages.length >> 1].toFixed(1) : null,
    data_age_s_max: ages.length ? +ages[ages.length - 1].toFixed(1) : null,
    panning: pan,
    side_panel: TAB,
    seconds: +elapsed.toFixed(1),
    fps: +((f1 - f0) / elapsed).toFixed(1),
    frame_draw_ms_median: +frameMs[Math.floor(frameMs.length / 2)].toFixed(1),
    frame_draw_ms_max_sampled: +frameMs[frameMs.length - 1].toFixed(1),
    frame_parts_ms_median: Object.fromEntries(Object.entries(partsMs).map(([k, xs]) => [k, +median(xs).toFixed(1)])),
    stream_frames_per_s: +((stream.frames - s0.frames) / elapsed).toFixed(1),
    stream_kb_per_s: Math.round((stream.bytes - s0.bytes) / elapsed / 1024),
    server_cpu_cores: +serverCpu.toFixed(2),
    picture_cycle_s_mean: cycles ? +(metric('deconflict_cycle_seconds_sum') / cycles).toFixed(3) : null,
    alert_cycle_s_mean: metric('deconflict_alert_cycle_seconds_count') ? +(metric('deconflict_alert_cycle_seconds_sum') / metric('deconflict_alert_cycle_seconds_count')).toFixed(3) : null,
    alerts_active_in_server: metric('deconflict_alerts_active'),
    ws_resyncs: metric('deconflict_ws_resyncs_total'),
    ws_dropped: metric('deconflict_ws_dropped_total'),
    load_average_1min: [+load0.toFixed(2), +loadavg()[0].toFixed(2)],
  }));
  await screenshot(page, `perf-${N}`).catch((e) => console.error(`no screenshot: ${e.message.split('\n')[0]}`));
} finally {
  await browser.close();
  await server.stop();
  if (feed) feed.stop();
}
