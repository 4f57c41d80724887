// Entry point of the browser tests (`cd web && node e2e/run.mjs`, also run by scripts/test):
// installs the locked dev dependencies (playwright-core) when they are missing, then runs the
// browser test files (e2e/scenarios.mjs, display, labels, layout, view, audit, discrepancy, exclusion, timeline,
// observer, stream-binary, failover), each against its own real `deconflict serve --demo` (failover: two nodes
// on the PostgreSQL server DECONFLICT_TEST_PG).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
try {
  require.resolve('playwright-core');
} catch {
  console.log('web: installing the locked dev dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('npm ci failed: cannot run the browser tests without playwright-core');
    process.exit(1);
  }
}
// Each file starts its own `serve --demo` (the demo's scripted encounter runs in its first
// minutes) and browser, and runs as its own process, one after another. E2E_ONLY=a,b runs
// only the named files (without .mjs).
const FILES = ['scenarios', 'display', 'labels', 'layout', 'view', 'audit', 'discrepancy', 'exclusion', 'timeline', 'observer', 'stream-binary', 'failover'];
const only = (process.env.E2E_ONLY || '').split(',').filter(Boolean);
let failed = 0;
for (const f of FILES) {
  if (only.length && !only.includes(f)) continue;
  const file = fileURLToPath(new URL(`./${f}.mjs`, import.meta.url));
  if (!existsSync(file)) continue;
  console.log(`\n== e2e/${f}.mjs`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
if (failed) {
  console.error(`${failed} browser test file(s) failed`);
  process.exit(1);
}
