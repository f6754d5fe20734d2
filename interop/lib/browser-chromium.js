// Harness for the real-browser tests: Debian's Chromium (/usr/bin/chromium, installed by
// scripts/install-deps.sh) driven by playwright-core. playwright's own browser download
// (`npx playwright install`) cannot work on the test machines, so executablePath is
// always given. Each launch gets a fresh, empty profile in a temp dir that close()
// removes. Override the binary with CHROMIUM_BIN.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when Chromium is present. */
export function chromiumMissingReason() {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return null;
  } catch {
    return `${CHROMIUM_PATH} not found: install Debian's chromium ` +
      '(scripts/install-deps.sh does) to run the real-browser tests';
  }
}

// Headless without a GPU; the background-networking flags keep Chromium from calling out
// to Google's services, which this machine's closed network refuses.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launch Chromium with a fresh profile.
 * @returns {Promise<{context: import('playwright-core').BrowserContext,
 *   version: string, userDataDir: string, close: () => Promise<void>}>}
 */
export async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-chromium-'));
  let context;
  try {
    // playwright refuses --user-data-dir in args: the profile dir is launchPersistentContext's
    // first argument, and playwright passes it to Chromium as --user-data-dir.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 1100 },
      timeout: 30000,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const version = context.browser()?.version() ?? 'unknown';
  let closed = null;
  const close = () => {
    if (!closed) {
      closed = (async () => {
        try {
          await context.close();
        } finally {
          fs.rmSync(userDataDir, { recursive: true, force: true });
        }
      })();
    }
    return closed;
  };
  return { context, version, userDataDir, close };
}

/**
 * Collect what a page reports that a test should fail on: console errors (CORS refusals
 * are reported there), uncaught exceptions, failed requests.
 */
export function watchPage(page) {
  const w = { consoleErrors: [], pageErrors: [], failedRequests: [], console: [] };
  page.on('console', (m) => {
    const line = `${m.type()}: ${m.text()}`;
    w.console.push(line);
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(String(e?.stack || e)));
  page.on('requestfailed', (r) => {
    w.failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  });
  return w;
}

/**
 * Open `new WebSocket(url, protocol)` in the page (a plain WebSocket client, as a browser
 * of the systems we replace opens it) and keep every JSON message it gets in
 * window.plain.got; resolves once it is open. Returns got(): the messages so far.
 */
export async function openPagePlainWs(page, url, protocol) {
  await page.evaluate(([u, p]) => new Promise((resolve, reject) => {
    const ws = new WebSocket(u, p);
    window.plain = { ws, got: [] };
    ws.onmessage = (e) => window.plain.got.push(JSON.parse(e.data));
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('WebSocket error'));
  }), [url, protocol]);
  return () => page.evaluate(() => window.plain.got);
}
