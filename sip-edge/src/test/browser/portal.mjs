#!/usr/bin/env node
// Drives the edge's self-service page (/portal, issue 17) in Debian's headless Chromium through
// playwright-core, the way a user on a phone would: sign in, list the devices, show a device's QR
// code, switch it to scloc, regenerate it, sign out. The Java test (PortalBrowserTest) sends
// commands on stdin, one per line, and reads one JSON object per line on stdout; nothing else is
// ever written to stdout. Protocol: README.md next to this file.
//
//   node portal.mjs --url http://127.0.0.1:PORT/portal --domain DOMAIN
//                   (--username USER --password PW | --microsoft-login USER --microsoft-claims JSON)
//                   [--timeout-ms 15000] [--debug]

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { closeAndExit, launchOptions } from './chromium.mjs';

let chromium; // imported in main(), after the signal handlers are in place (as in driver.mjs)

function emit(evt) {
  process.stdout.write(JSON.stringify(evt) + '\n');
}

const describe = (err) => (err && err.message ? err.message.split('\n')[0] : String(err));

function options() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      domain: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'microsoft-login': { type: 'string' },
      'microsoft-claims': { type: 'string' },
      'timeout-ms': { type: 'string', default: '15000' },
      debug: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.url || !/^http:\/\/127\.0\.0\.1:\d+\/portal$/.test(values.url)) {
    throw new Error('--url must be http://127.0.0.1:PORT/portal (no name is ever resolved)');
  }
  if (!values.domain) throw new Error('missing --domain');
  const microsoft = values['microsoft-login'] !== undefined;
  if (microsoft) {
    if (values['microsoft-claims'] === undefined) throw new Error('--microsoft-login needs --microsoft-claims');
    JSON.parse(values['microsoft-claims']); // fail now rather than on the provider's page
  } else if (values.username === undefined || values.password === undefined) {
    throw new Error('missing --username and --password (or --microsoft-login and --microsoft-claims)');
  }
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('--timeout-ms must be a positive integer');
  return {
    url: values.url,
    domain: values.domain,
    username: values.username,
    password: values.password,
    microsoft: microsoft ? { login: values['microsoft-login'], claims: values['microsoft-claims'] } : null,
    timeoutMs,
    debug: values.debug,
  };
}

class Portal {
  constructor(opts, page) {
    this.opts = opts;
    this.page = page;
  }

  async command(line) {
    const [name, arg] = line.split(/\s+/, 2);
    switch (name) {
      case 'open': return this.open(arg);
      case 'signin': return this.signIn();
      case 'legacy-signin': return this.legacySignIn();
      case 'refresh': return this.refresh();
      case 'devices': return emit({ event: 'devices', devices: await this.devices() });
      case 'qr': return this.showQr(arg);
      case 'format': return this.format(arg);
      case 'regenerate': return this.regenerate();
      case 'signout': return this.signOut();
      case 'status': return emit({ event: 'status', ...(await this.state()) });
      case 'screenshot': return this.screenshot(arg);
      case 'quit': return shutdown(0);
      default: return emit({ event: 'error', message: `unknown command: ${line}` });
    }
  }

  // ---------------------------------------------------------------- signing in

  async signIn() {
    const { page } = this;
    await page.goto(this.opts.url);
    await page.locator('#signin-form').waitFor({ state: 'visible' });
    if (this.opts.microsoft) {
      await this.signInWithMicrosoft();
    } else {
      await this.signInWithKeyboard();
    }
    await this.settle('signed_in');
  }

  // The whole form by keyboard: Tab from the top of the page reaches the fields in order, and
  // Enter submits. A field that is not where it should be is a failure, not a click.
  async signInWithKeyboard() {
    const { page } = this;
    const steps = [['domain', this.opts.domain], ['username', this.opts.username], ['password', this.opts.password]];
    for (const [id, text] of steps) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
      if (focused !== id) throw new Error(`Tab reached #${focused || '(nothing)'}, expected #${id}`);
      await page.keyboard.type(text);
    }
    await page.keyboard.press('Enter');
  }

  // Microsoft through mock-oauth2-server's interactive login form (username, claims JSON, submit).
  // The provider must be addressed as 127.0.0.1 (the host-resolver rule refuses every name).
  async signInWithMicrosoft() {
    const { page } = this;
    await page.fill('#domain', this.opts.domain);
    const button = page.locator('#microsoft-signin');
    await button.waitFor({ state: 'visible' });
    const origin = new URL(this.opts.url).origin;
    await Promise.all([
      page.waitForURL((u) => u.origin !== origin),
      page.locator('#microsoft-signin:not([disabled])').click(),
    ]);
    await this.atIdentityProvider();
  }

  // The legacy shape: another site's plain HTML form posts `domain` to /api/login/by_microsoft;
  // the edge sends the browser to Microsoft and, after it, to /portal with the session cookie.
  async legacySignIn() {
    const { page } = this;
    const origin = new URL(this.opts.url).origin;
    await page.setContent('<form method="post" action="' + origin + '/api/login/by_microsoft">'
      + '<input name="domain"><button type="submit">Sign in with Microsoft</button></form>');
    await page.fill('input[name="domain"]', this.opts.domain);
    await Promise.all([
      page.waitForURL((u) => u.origin !== origin && u.protocol === 'http:'),
      page.locator('button[type="submit"]').click(),
    ]);
    await this.atIdentityProvider();
    await this.settle('signed_in');
  }

  async atIdentityProvider() {
    const { page } = this;
    const origin = new URL(this.opts.url).origin;
    emit({ event: 'identity_provider', origin: new URL(page.url()).origin });
    await page.fill('input[name="username"]', this.opts.microsoft.login);
    await page.fill('textarea[name="claims"]', this.opts.microsoft.claims);
    await Promise.all([
      page.waitForURL((u) => u.origin === origin && u.pathname === '/portal'),
      page.locator('input[type="submit"], button[type="submit"]').first().click(),
    ]);
  }

  // Waits for the account view (then emits `success`) or an error in the status region.
  async settle(success) {
    const { page } = this;
    await page.waitForFunction(() => {
      const s = document.getElementById('status');
      return !document.getElementById('account').hidden && document.getElementById('greeting').textContent
        || s.dataset.kind === 'error' && s.textContent;
    });
    const state = await this.state();
    emit(state.view === 'account' ? { event: success, ...state } : { event: 'signin_failed', ...state });
  }

  // The page with a query, as a browser coming back from the identity provider opens it
  // (?code=... or ?error=...&error_description=...); reports where it settled.
  async open(query) {
    await this.page.goto(this.opts.url + (query || ''));
    await this.page.waitForFunction(() => document.documentElement.dataset.started === 'true');
    emit({ event: 'opened', ...(await this.state()) });
  }

  // ---------------------------------------------------------------- the account

  // The "Refresh" button: the list again (after a 401 the page refreshes its tokens first).
  async refresh() {
    await this.page.locator('#devices-refresh').click();
    await this.page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s.textContent === 'Device list updated.' || s.dataset.kind === 'error';
    });
    emit({ event: 'refreshed', devices: await this.devices(), ...(await this.state()) });
  }

  async devices() {
    await this.page.locator('#devices .device').first().waitFor({ state: 'attached' })
      .catch(() => null); // none at all is an answer too
    return this.page.$$eval('#devices .device', (rows) => rows.map((li) => ({
      id: li.dataset.deviceId,
      name: li.querySelector('.name').textContent,
      username: li.querySelector('.username').textContent,
      registered: li.dataset.registered === 'true',
      state: li.querySelector('.state').textContent,
    })));
  }

  async showQr(deviceId) {
    if (!deviceId) throw new Error('qr needs a device id');
    const row = this.page.locator(`#devices [data-device-id="${deviceId}"]`);
    await row.waitFor({ state: 'visible' });
    const before = await this.qrSource();
    // Keyboard again: the row's button takes focus and Enter presses it.
    await row.locator('button[data-action="show-qr"]').focus();
    await this.page.keyboard.press('Enter');
    await this.reportQr(before);
  }

  async format(which) {
    if (!['linphone', 'scloc'].includes(which)) throw new Error('format needs linphone or scloc');
    const before = await this.qrSource();
    await this.page.locator(`input[name="qr-format"][value="${which}"]`).check();
    await this.reportQr(before);
  }

  async regenerate() {
    const before = await this.qrSource();
    await this.page.locator('#regenerate').click();
    await this.reportQr(before);
  }

  qrSource() {
    return this.page.evaluate(() => document.getElementById('qr').src);
  }

  // Once the image shows something new and has loaded: its pixels as the page shows them.
  async reportQr(before) {
    const { page } = this;
    await page.waitForFunction((prev) => {
      const img = document.getElementById('qr');
      return img.src && img.src !== prev && img.dataset.ready === 'true' && img.complete && img.naturalWidth > 0;
    }, before);
    const img = page.locator('img#qr');
    const png = await img.screenshot({ type: 'png' });
    emit({
      event: 'qr',
      format: await img.getAttribute('data-format'),
      alt: await img.getAttribute('alt'),
      url: await page.locator('#provisioning-url').textContent(),
      png: png.toString('base64'),
      ...(await this.state()),
    });
  }

  async signOut() {
    await this.page.locator('#signout').click();
    await this.page.locator('#signin-form').waitFor({ state: 'visible' });
    emit({ event: 'signed_out', ...(await this.state()) });
  }

  // The whole page as a PNG file, to look at while writing a test.
  async screenshot(path) {
    if (!path) throw new Error('screenshot needs a file path');
    await this.page.screenshot({ path, fullPage: true });
    emit({ event: 'screenshot', path });
  }

  // What the page shows: which view, the status line, the greeting, whether it fits the screen,
  // whether any token sits in the URL, and what the tab keeps in sessionStorage.
  state() {
    return this.page.evaluate(() => ({
      view: !document.getElementById('account').hidden ? 'account'
        : !document.getElementById('signin').hidden ? 'signin' : 'none',
      status: document.getElementById('status').textContent,
      statusKind: document.getElementById('status').dataset.kind || null,
      greeting: document.getElementById('greeting').textContent,
      location: location.href,
      fits: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
      width: document.documentElement.clientWidth,
      storedTokens: sessionStorage.getItem('sipedge.portal.tokens') !== null,
      focused: document.activeElement ? document.activeElement.id || document.activeElement.tagName : null,
    }));
  }
}

let launching = null;
let browser = null;
let exiting = false;

async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  await closeAndExit(code, browser, launching);
}

async function main() {
  let opts;
  try {
    opts = options();
  } catch (err) {
    emit({ event: 'error', message: describe(err) });
    process.exit(2);
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(0));

  let portal = null;
  const started = (async () => {
    ({ chromium } = await import('playwright-core'));
    launching = chromium.launch(launchOptions(opts.timeoutMs));
    browser = await launching;
    browser.on('disconnected', () => {
      if (!exiting) {
        emit({ event: 'error', message: 'browser disconnected' });
        shutdown(1);
      }
    });
    // A phone: 360 CSS pixels wide, two device pixels each (the QR screenshot is 2x too).
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2,
      isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(opts.timeoutMs);
    page.on('console', (m) => {
      if (opts.debug || m.type() === 'error') emit({ event: 'console', type: m.type(), text: m.text() });
    });
    page.on('pageerror', (err) => emit({ event: 'error', message: `page: ${describe(err)}` }));
    portal = new Portal(opts, page);
    emit({ event: 'ready' });
  })();

  let queue = started.catch(async (err) => {
    if (exiting) return;
    emit({ event: 'error', message: `start-up failed: ${describe(err)}` });
    await shutdown(1);
  });
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (raw) => {
    const line = raw.trim();
    if (!line) return;
    queue = queue.then(() => (exiting ? undefined : portal.command(line)))
      .catch((err) => { if (!exiting) emit({ event: 'error', message: `${line}: ${describe(err)}` }); });
  });
  rl.on('close', () => { queue = queue.then(() => shutdown(0)); });
}

main();
