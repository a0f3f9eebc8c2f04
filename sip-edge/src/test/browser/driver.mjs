#!/usr/bin/env node
// Browser driver for the sip-edge WebSocket (RFC 7118) integration tests.
//
// Bundles JsSIP or SIP.js with esbuild, serves a test page from 127.0.0.1, opens it in Debian's
// headless Chromium through playwright-core and registers to the edge from inside the page.
// Protocol (see README.md next to this file): commands on stdin, one per line; events on stdout,
// one JSON object per line. Nothing else is ever written to stdout.
//
//   node driver.mjs --lib jssip|sipjs --ws-url wss://127.0.0.1:PORT --aor sip:USER@DOMAIN
//                   --user USER --password PW [--expires 600] [--timeout-ms 15000] [--debug]

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { closeAndExit, launchOptions } from './chromium.mjs';

// esbuild and playwright-core are imported in main(), after the signal handlers are in place,
// so a SIGTERM that arrives while they load still ends in a clean exit.
let build;
let chromium;

const HERE = dirname(fileURLToPath(import.meta.url));
const T0 = Date.now(); // `ready` reports the time since start-up, to keep an eye on it

// stdout to a pipe is synchronous on Linux, so each event is out before the next statement runs.
function emit(evt) {
  process.stdout.write(JSON.stringify(evt) + '\n');
}

const describe = (err) => (err && err.message ? err.message.split('\n')[0] : String(err));

function options() {
  const { values } = parseArgs({
    options: {
      lib: { type: 'string' },
      'ws-url': { type: 'string' },
      aor: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      expires: { type: 'string', default: '600' },
      'timeout-ms': { type: 'string', default: '15000' },
      debug: { type: 'boolean', default: false }, // library debug logs, all console levels forwarded
    },
    strict: true,
  });
  for (const k of ['lib', 'ws-url', 'aor', 'user', 'password']) {
    if (values[k] === undefined) throw new Error(`missing --${k}`);
  }
  if (!['jssip', 'sipjs'].includes(values.lib)) throw new Error('--lib must be jssip or sipjs');
  if (!/^wss?:\/\//.test(values['ws-url'])) throw new Error('--ws-url must be ws:// or wss://');
  const expires = Number(values.expires);
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(expires) || expires < 0) throw new Error('--expires must be a non-negative integer');
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('--timeout-ms must be a positive integer');
  return {
    lib: values.lib,
    wsUrl: values['ws-url'],
    aor: values.aor,
    user: values.user,
    password: values.password,
    expires,
    timeoutMs,
    debug: values.debug,
  };
}

// JsSIP ships CommonJS only and SIP.js ESM only; an in-memory IIFE bundle gives the page a
// plain global (JsSIP / SIP) and leaves no build artefact in the tree.
async function bundle(lib) {
  const entry = lib === 'jssip'
    ? { contents: "module.exports = require('jssip');", globalName: 'JsSIP' }
    : { contents: "export * from 'sip.js';", globalName: 'SIP' };
  const result = await build({
    stdin: { contents: entry.contents, resolveDir: HERE, loader: 'js' },
    bundle: true,
    format: 'iife',
    globalName: entry.globalName,
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

// Serves the page on an ephemeral loopback port, so the WebSocket carries a real
// "Origin: http://127.0.0.1:<port>" header.
async function servePage(libSource) {
  const files = {
    '/': { type: 'text/html', body: await readFile(join(HERE, 'page', 'index.html')) },
    '/harness.js': { type: 'text/javascript', body: await readFile(join(HERE, 'page', 'harness.js')) },
    '/lib.js': { type: 'text/javascript', body: libSource },
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, 'http://127.0.0.1').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': `${file.type}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(file.body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

async function launchBrowser(timeoutMs) {
  return chromium.launch(launchOptions(timeoutMs, [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--ignore-certificate-errors', // the edge's wss listener uses a self-signed certificate
  ]));
}

class Driver {
  constructor(opts, browser, origin) {
    this.opts = opts;
    this.browser = browser;
    this.origin = origin;
    this.context = null;
    this.page = null;
    this.timers = new Map(); // pending operation -> timeout guard
  }

  // Arms a guard so a request that never gets an outcome still ends in a failure event. Besides
  // silence, both libraries drop a 2xx to REGISTER whose Contact list lacks their own binding.
  arm(op, failure) {
    clearTimeout(this.timers.get(op));
    this.timers.set(op, setTimeout(() => {
      this.timers.delete(op);
      emit({ ...failure, cause: 'Timeout', status: null, message: `no usable final response within ${this.opts.timeoutMs} ms` });
    }, this.opts.timeoutMs));
  }

  disarm(op) {
    clearTimeout(this.timers.get(op));
    this.timers.delete(op);
  }

  onPageEvent(evt) {
    if (evt.event === 'registered' || evt.event === 'registration_failed') this.disarm('register');
    if (evt.event === 'unregistered' || evt.event === 'unregister_failed') this.disarm('unregister');
    if (['call_accepted', 'call_failed', 'call_ended'].includes(evt.event)) this.disarm('call');
    emit(evt);
  }

  async openPage() {
    const { opts } = this;
    this.context = await this.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await this.context.newPage();
    page.setDefaultTimeout(opts.timeoutMs);
    page.on('console', (msg) => {
      if (opts.debug || msg.type() === 'error') {
        emit(opts.debug ? { event: 'console', level: msg.type(), text: msg.text() } : { event: 'console', text: msg.text() });
      }
    });
    page.on('pageerror', (err) => emit({ event: 'error', message: `page: ${describe(err)}` }));
    page.on('crash', () => emit({ event: 'error', message: 'page crashed' }));
    await page.exposeFunction('__sipEdgeReport', (evt) => this.onPageEvent(evt));
    await page.goto(`${this.origin}/`, { waitUntil: 'load' });
    await page.evaluate((o) => window.harness.init(o), opts);
    this.page = page;
    emit({ event: 'ready', origin: this.origin, lib: opts.lib, elapsedMs: Date.now() - T0 });
  }

  async closePage() {
    const { page, context } = this;
    this.page = null;
    this.context = null;
    for (const op of [...this.timers.keys()]) this.disarm(op);
    // Closing the tab without running unload handlers: no un-REGISTER, the WebSocket just goes away.
    if (page) await page.close({ runBeforeUnload: false }).catch(() => {});
    if (context) await context.close().catch(() => {});
  }

  async register() {
    if (!this.page) await this.openPage(); // after `close`, a fresh tab (and UA) registers anew
    this.arm('register', { event: 'registration_failed' });
    await this.page.evaluate(() => window.harness.register());
  }

  async unregister() {
    if (!this.page) {
      emit({ event: 'unregister_failed', cause: 'page closed', status: null });
      return;
    }
    this.arm('unregister', { event: 'unregister_failed' });
    await this.page.evaluate(() => window.harness.unregister());
  }

  // Calls (JsSIP only; see README): results come back as call_* events.
  async call(target) {
    if (!this.page) {
      emit({ event: 'call_failed', cause: 'page closed', status: null });
      return;
    }
    this.arm('call', { event: 'call_failed' });
    await this.page.evaluate((t) => window.harness.call(t), target);
  }

  async inCall(what) {
    if (!this.page) {
      emit({ event: 'error', message: `${what}: page closed` });
      return;
    }
    await this.page.evaluate((w) => window.harness[w](), what);
  }

  async status() {
    const s = this.page ? await this.page.evaluate(() => window.harness.status()) : { registered: false, connected: false };
    emit({ event: 'status', registered: s.registered, connected: s.connected, page: this.page ? 'open' : 'closed' });
  }

  async command(line) {
    switch (line) {
      case 'register': return this.register();
      case 'unregister': return this.unregister();
      case 'status': return this.status();
      case 'close':
        await this.closePage();
        emit({ event: 'closed' });
        return undefined;
      case 'answer': return this.inCall('answer');
      case 'hangup': return this.inCall('hangup');
      case 'quit': return shutdown(0);
      default:
        if (line.startsWith('call ')) return this.call(line.slice(5).trim());
        emit({ event: 'error', message: `unknown command: ${line}` });
        return undefined;
    }
  }
}

let launching = null; // the launch in progress, so a shutdown during start-up can close it too
let browser = null;
let server = null;
let exiting = false;

async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  await closeAndExit(code, browser, launching, () => server && server.close());
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

  let driver = null;
  const started = (async () => {
    [{ build }, { chromium }] = await Promise.all([import('esbuild'), import('playwright-core')]);
    const libSource = await bundle(opts.lib);
    const served = await servePage(libSource);
    server = served.server;
    launching = launchBrowser(opts.timeoutMs);
    browser = await launching;
    browser.on('disconnected', () => {
      if (!exiting) {
        emit({ event: 'error', message: 'browser disconnected' });
        shutdown(1);
      }
    });
    driver = new Driver(opts, browser, served.origin);
    await driver.register(); // opens the page (ready) and starts the first registration
  })();

  // Commands that arrive during start-up wait for it; all of them run strictly in order.
  let queue = started.catch(async (err) => {
    if (exiting) return; // shutting down on request: the failure is just the browser going away
    emit({ event: 'error', message: `start-up failed: ${describe(err)}` });
    await shutdown(1);
  });
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (raw) => {
    const line = raw.trim();
    if (!line) return;
    queue = queue.then(() => (exiting ? undefined : driver.command(line)))
      .catch((err) => { if (!exiting) emit({ event: 'error', message: `${line}: ${describe(err)}` }); });
  });
  // EOF on stdin means the test (or the JVM) is gone.
  rl.on('close', () => { queue = queue.then(() => shutdown(0)); });
}

main();
