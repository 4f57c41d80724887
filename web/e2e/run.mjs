// Entry point of the browser tests (`cd web && node e2e/run.mjs`, also run by scripts/test):
// installs the locked dev dependencies (playwright-core) when they are missing, then runs the
// scenarios in e2e/scenarios.mjs against a real `deconflict serve --demo`.
import { spawnSync } from 'node:child_process';
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
await import('./scenarios.mjs');
