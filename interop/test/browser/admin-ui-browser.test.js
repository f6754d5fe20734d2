// The official @socket.io/admin-ui dashboard (0.5.1: its own built page, ui/dist from
// node_modules, served on another loopback origin; no CDN, no internet) in Debian's
// Chromium (playwright-core), against sio-server with "adminUi" on, or with
// SIO_SERVER=node against node's socket.io 4.8 + instrument() (reference/admin-ui.js).
//   1. a wrong password: the login form says "Invalid credentials".
//   2. the right one: the form closes; the Sockets page lists the two real
//      socket.io-client clients (their ids in the table); the Rooms page lists the room one
//      of them joined, and a room joined later appears live; a client connected later
//      appears, and its upgrade from long-polling to WebSocket shows.
//   3. the disconnect button of a client's row disconnects that client ("io server
//      disconnect") and its row goes away; the other client stays connected.
// The page's requests to fonts.googleapis.com and cdn.jsdelivr.net (fonts and icons) are
// refused at once: the dashboard works without them.
// Skipped only when /usr/bin/chromium is missing (scripts/install-deps.sh installs it).
// ADMIN_SCREENSHOT=/path.png saves a screenshot of the Sockets page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { TIMEOUT, waitFor } from '../../lib/sio-server-app.js';
import { chromiumMissingReason, launchChromium, watchPage } from '../../lib/browser-chromium.js';
import {
  PASSWORD, USERNAME, adminConfig, startAdminServer, startDashboardStatic,
} from '../../lib/admin-ui.js';

const MISSING = chromiumMissingReason();
const PAGE_TIMEOUT = 20000;

describe('the admin dashboard in Chromium', { skip: MISSING || false }, () => {
  let ui;
  let server;
  let config;
  let browser;
  let page;
  let watched;
  const clients = [];

  const appClient = async () => {
    const c = io(server.url, { reconnection: false, forceNew: true, timeout: TIMEOUT });
    clients.push(c);
    await waitFor(c, 'connect');
    return c;
  };

  /** Fill the dashboard's connection form and submit it. */
  const login = async (password) => {
    await page.getByLabel('Server URL').fill(server.url);
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Connect' }).click();
  };

  const diagnostics = () => `\nconsole: ${watched.console.join('\n')}` +
    `\nuncaught: ${watched.pageErrors.join('\n')}`;

  before(async () => {
    ui = await startDashboardStatic();
    config = adminConfig({ origin: ui.origin });
    server = await startAdminServer(config.file);
    browser = await launchChromium();
    page = await browser.context.newPage();
    watched = watchPage(page);
    // the page's web fonts and icon font: refused at once (no internet here)
    await page.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
  });
  after(async () => {
    for (const c of clients) c.close();
    await browser?.close();
    await server?.stop();
    await ui?.close();
    config?.cleanup();
  });

  it('refuses a wrong password with the form\'s message', async () => {
    await page.goto(`${ui.origin}/`, { waitUntil: 'load', timeout: PAGE_TIMEOUT });
    await login('not-the-password');
    await page.getByText('Invalid credentials').waitFor({ timeout: PAGE_TIMEOUT });
  });

  it('logs in and shows the live sockets and rooms of real clients', async () => {
    const a = await appClient();
    const b = await appClient();
    assert.deepEqual(await a.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' }),
      { success: true, room: 'lobby' });
    await page.getByLabel('Password').fill('');
    await login(PASSWORD);
    try {
      await page.getByRole('button', { name: 'Connect' }).waitFor({ state: 'hidden', timeout: PAGE_TIMEOUT });
      await page.goto(`${ui.origin}/#/sockets/`, { timeout: PAGE_TIMEOUT });
      await page.locator('tbody tr', { hasText: a.id }).waitFor({ timeout: PAGE_TIMEOUT });
      await page.locator('tbody tr', { hasText: b.id }).waitFor({ timeout: PAGE_TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}${diagnostics()}`);
    }
    const row = await page.locator('tbody tr', { hasText: a.id }).innerText();
    assert.match(row, /127\.0\.0\.1/, 'the address column');

    // a client connected after the page loaded appears live
    const late = await appClient();
    await page.locator('tbody tr', { hasText: late.id }).waitFor({ timeout: PAGE_TIMEOUT });
    // and its upgrade from long-polling shows in the transport column
    await page.locator('tbody tr', { hasText: late.id }).filter({ hasText: 'WebSocket' })
      .waitFor({ timeout: PAGE_TIMEOUT });

    await page.goto(`${ui.origin}/#/rooms/`, { timeout: PAGE_TIMEOUT });
    const lobby = page.locator('tbody tr', { hasText: 'room:lobby' });
    await lobby.waitFor({ timeout: PAGE_TIMEOUT });
    assert.match(await lobby.innerText(), /\b1\b/, 'one socket in room:lobby');
    // a room joined now appears live, with its member count
    await b.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' });
    await b.timeout(TIMEOUT).emitWithAck('join', { room: 'later' });
    await page.locator('tbody tr', { hasText: 'room:later' }).waitFor({ timeout: PAGE_TIMEOUT });
    await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')]
      .some((tr) => tr.innerText.includes('room:lobby') && /\b2\b/.test(tr.innerText)),
    null, { timeout: PAGE_TIMEOUT });
  });

  it('disconnects a client from its row on the Sockets page', async () => {
    const [a, b] = clients;
    const aid = a.id;
    await page.goto(`${ui.origin}/#/sockets/`, { timeout: PAGE_TIMEOUT });
    const row = page.locator('tbody tr', { hasText: aid });
    await row.waitFor({ timeout: PAGE_TIMEOUT });
    if (process.env.ADMIN_SCREENSHOT) await page.screenshot({ path: process.env.ADMIN_SCREENSHOT, fullPage: true });
    const gone = waitFor(a, 'disconnect');
    await row.locator('button').click();
    assert.equal((await gone)[0], 'io server disconnect');
    // the click also reaches the row, which opens the socket's page: back to the list
    await page.goto(`${ui.origin}/#/sockets/`, { timeout: PAGE_TIMEOUT });
    // (the socket's page slides out while the list slides in: wait for the list alone)
    await page.waitForFunction(([gone, kept]) => {
      const rows = [...document.querySelectorAll('tbody tr')].map((tr) => tr.innerText);
      return !rows.some((t) => t.includes(gone)) && rows.some((t) => t.includes(kept));
    }, [aid, b.id], { timeout: PAGE_TIMEOUT });
    assert.equal(b.connected, true, 'the other client is still connected');
    assert.deepEqual(watched.pageErrors, [], `no uncaught exceptions in the page${diagnostics()}`);
  });
});
