// Development helper: opens the console in headless Chromium, signs in and saves a screenshot.
// Usage: node dev/shot.mjs <url> <token> <out.png> [waitMs] [script.js]
import { chromium } from 'playwright-core';
const [url, token, out, wait = '3000', extra] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
page.on('console', (m) => console.log('console:', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(url);
await page.fill('[data-testid=token-input]', token);
await page.click('[data-testid=sign-in]');
await page.waitForTimeout(Number(wait));
if (extra) {
  const mod = await import(new URL(extra, `file://${process.cwd()}/`).href);
  await mod.default(page);
}
await page.screenshot({ path: out });
console.log(JSON.stringify(await page.evaluate(() => { const s = window.__deconflict.state; return { tracks: s.tracks, drawn: s.drawn, visibleParties: s.visibleParties, alerts: s.alerts, connection: s.connection, fps: s.fps }; })));
await browser.close();
