// Shared plumbing of the browser tests: start `deconflict serve --demo` on a free loopback port
// with a fresh data directory (optionally with a configuration file, e.g. extra feeds), read
// its demo tokens, launch Debian's Chromium through playwright-core, sign in, call the REST API,
// save screenshots, and stop everything afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(WEB_DIR, 'test-output');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The `deconflict` binary under test (DECONFLICT_BIN overrides target/release/deconflict). */
export function deconflictBin() {
  const cmd = process.env.DECONFLICT_BIN || join(WEB_DIR, '..', 'target', 'release', 'deconflict');
  if (!existsSync(cmd)) throw new Error(`${cmd} not found: run \`cargo build --release -p deconflict\` first`);
  return cmd;
}

/**
 * Starts the server and waits until /api/v1/health answers and demo-tokens.json exists.
 * `config` (TOML text) is written to the data directory and passed with --config; `port` is
 * the port to listen on (default a free one), `env` more environment variables
 * (`DATABASE_URL`); a node that `joins` a cell another node set up writes no demo tokens, so
 * only its health is waited for.
 * E2E_MOCK=1 runs the development mock instead (never in CI).
 */
export async function startServer({ config = null, port = null, env = {}, joins = false } = {}) {
  port ??= await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'deconflict-e2e-'));
  let cmd;
  let args;
  if (process.env.E2E_MOCK === '1') {
    cmd = process.execPath;
    args = [join(WEB_DIR, 'dev', 'mock-server.mjs'), String(port), dataDir];
  } else {
    cmd = deconflictBin();
    args = ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir];
    if (config) {
      const file = join(dataDir, 'deconflict.toml');
      writeFileSync(file, config);
      args.push('--config', file);
    }
  }
  // The console is served from web/public as it is on disk (the binary embeds the same files
  // when built; reading them from disk lets a changed console be tested without a rebuild).
  // E2E_EMBEDDED=1 tests the copy embedded in the binary instead.
  const webDir = process.env.E2E_EMBEDDED === '1' ? {} : { DECONFLICT_WEB_DIR: join(WEB_DIR, 'public') };
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...webDir, ...env, RUST_LOG: process.env.RUST_LOG || 'warn' } });
  // When the process was started: the demo's scripted traffic runs from about then.
  const startedAt = Date.now();
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, sig) => { exited = `exit ${code ?? sig}`; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  let tokens = null;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server ${exited} before it was ready:\n${log.slice(-4000)}`);
    try {
      const res = await fetch(`${base}/api/v1/health`);
      const tokenFile = join(dataDir, 'demo-tokens.json');
      if (res.ok && joins) {
        tokens = {};
        break;
      }
      if (res.ok && existsSync(tokenFile)) {
        tokens = JSON.parse(readFileSync(tokenFile, 'utf8'));
        if (tokens.blue && tokens.red && tokens.cell) break;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  if (!tokens) {
    child.kill('SIGKILL');
    throw new Error(`server did not become ready on ${base} within 60 s:\n${log.slice(-4000)}`);
  }
  return {
    base,
    tokens,
    dataDir,
    startedAt,
    pid: child.pid,
    log: () => log,
    /** Kills the process at once (SIGKILL), as a dead machine would stop it. */
    kill9() {
      if (!exited) child.kill('SIGKILL');
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        for (let i = 0; i < 40 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Opens a page, signs in with the token and waits for the console. `initScript` runs in the
 * page before its own scripts; `onPage(page)` is called before it loads (to watch its traffic);
 * `viewport` is the window size (default 1600×900).
 */
export async function signIn(browser, base, token, requests, { initScript, onPage, viewport = { width: 1600, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  if (onPage) await onPage(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), page: token.slice(0, 4) }));
  page.on('websocket', (ws) => requests.push({ url: ws.url(), page: token.slice(0, 4) }));
  await page.goto(`${base}/`);
  await page.fill('[data-testid=token-input]', token);
  await page.click('[data-testid=sign-in]');
  await page.waitForSelector('#app:not([hidden])', { timeout: 15000 });
  page.errors = errors;
  return page;
}

/** GET /api/v1{path} with a bearer token; the parsed JSON, or throws with the status and body. */
export async function api(base, token, path) {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

export function state(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__deconflict.state)));
}

export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

let shot = 0;
// Screenshots are named after the test file that takes them: `display-03-blue-card.png`
// (`scenarios.mjs` keeps the bare `03-…` names).
const SHOT_PREFIX = (() => {
  const f = basename(process.argv[1] || '', '.mjs');
  return f && f !== 'scenarios' && f !== 'run' ? `${f}-` : '';
})();
export async function screenshot(page, name, { fullPage = false } = {}) {
  mkdirSync(OUT_DIR, { recursive: true });
  if (shot === 0) {
    // Screenshots of an earlier run of this file would mix with this one's numbering.
    const mine = new RegExp(`^${SHOT_PREFIX}\\d\\d-.*\\.png$`);
    for (const f of readdirSync(OUT_DIR)) if (mine.test(f)) rmSync(join(OUT_DIR, f));
  }
  shot += 1;
  const file = join(OUT_DIR, `${SHOT_PREFIX}${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * A list of named scenarios run one after another: `await run(name, async () => note)` logs
 * PASS or FAIL (a thrown error fails it, the others still run); `summary()` prints the count
 * and sets the exit code when any failed.
 */
export function scenarios() {
  const results = [];
  return {
    results,
    async run(name, fn) {
      const t0 = Date.now();
      try {
        const note = await fn();
        results.push({ name, status: 'PASS', note });
        console.log(`PASS  ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${note ? ` — ${note}` : ''}`);
      } catch (e) {
        results.push({ name, status: 'FAIL', note: e.message });
        console.log(`FAIL  ${name}: ${e.stack || e.message}`);
      }
    },
    summary(server) {
      const failed = results.filter((r) => r.status === 'FAIL');
      console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in web/test-output/`);
      if (failed.length) {
        if (server) console.log('server log tail:\n' + server.log().slice(-3000));
        process.exitCode = 1;
      }
      return failed.length;
    },
  };
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
