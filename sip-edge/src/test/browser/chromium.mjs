// How the browser tests launch Debian's headless Chromium through playwright-core: the one place
// that says which browser runs and that it resolves no name. driver.mjs and portal.mjs use it.

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
