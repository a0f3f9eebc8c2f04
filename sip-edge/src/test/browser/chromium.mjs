// How the browser tests launch Debian's headless Chromium through playwright-core: the one place
// that says which browser runs, that it resolves no name, and how it is closed. driver.mjs and
// portal.mjs use it.

// Belt and braces for "no DNS": nothing but the loopback literal may be resolved, so every page,
// WebSocket and identity provider a test uses must be addressed as 127.0.0.1.
export const HOST_RESOLVER_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1';

// Options for chromium.launch(): CHROMIUM overrides /usr/bin/chromium; never a downloaded browser.
// The caller does its own shutdown, so that its last event is printed before it exits.
export function launchOptions(timeoutMs, extraArgs = []) {
  return {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: Math.max(timeoutMs, 30000),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
      HOST_RESOLVER_RULES,
    ],
  };
}

// Closes the browser (or the launch still in progress) and exits with `code`. process.exit runs
// playwright-core's exit hook, which SIGKILLs Chromium's whole process group, so exiting on a
// timer is a safe fallback if the graceful close hangs. `beforeExit` closes the caller's own
// resources (a page server) once the browser is closed.
export async function closeAndExit(code, browser, launching, beforeExit = () => {}) {
  const force = setTimeout(() => process.exit(code), 5000);
  try {
    const b = browser || (launching && (await launching.catch(() => null)));
    if (b) await b.close(); // also removes Chromium's temporary profile
  } catch { /* already gone */ }
  beforeExit();
  clearTimeout(force);
  process.exit(code);
}
