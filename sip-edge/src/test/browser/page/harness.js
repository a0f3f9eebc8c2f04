// Runs inside the test page. The driver (driver.mjs) calls window.harness.* through page.evaluate,
// and every outcome comes back as one event object through window.__sipEdgeReport
// (a page.exposeFunction binding). Events are emitted only from library callbacks, so what the
// driver prints is what the library saw on the wire.
'use strict';

(() => {
  const report = (evt) => {
    // The binding returns a promise; nothing in the page waits for it.
    window.__sipEdgeReport(evt).catch(() => {});
  };

  const describe = (err) => (err && err.message ? err.message : String(err));

  // Finds the Contact of a 2xx that points to us (by +sip.instance or the Contact user part),
  // falling back to the first one; expires as RFC 3261 10.2.4 reads it.
  function binding(contacts, isOurs, headerExpires, requested) {
    const ours = contacts.find(isOurs) || contacts[0];
    let expires = ours && ours.getParam('expires');
    if (expires === undefined || expires === null) expires = headerExpires;
    if (expires === undefined || expires === null) expires = requested;
    return { contact: ours ? ours.toString() : null, expires: Number(expires) };
  }

  function jssip(o) {
    // The driver forwards console text, which does not apply %-substitution or %c colours:
    // have the debug module inline every placeholder and print plain "namespace message" lines.
    const dbg = JsSIP.debug;
    const show = (v) => {
      if (typeof v === 'string') return v;
      try { return JSON.stringify(v); } catch { return String(v); }
    };
    for (const f of ['s', 'd', 'i', 'f', 'o', 'O']) dbg.formatters[f] = show;
    dbg.formatArgs = function formatArgs(args) { args[0] = `${this.namespace} ${args[0]}`; };
    if (o.debug) JsSIP.debug.enable('JsSIP:*');
    else JsSIP.debug.enable('JsSIP:ERROR*'); // JsSIP's own errors go to console.error, which the driver forwards

    const socket = new JsSIP.WebSocketInterface(o.wsUrl);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: o.aor,
      password: o.password,
      authorization_user: o.user,
      register: false, // registration is driven explicitly by the harness
      register_expires: o.expires,
      session_timers: false,
    });
    let unregistering = false;

    ua.on('connected', () => report({ event: 'transport', state: 'connected' }));
    ua.on('disconnected', (e) => {
      report({ event: 'transport', state: 'disconnected', error: !!e.error, code: e.code ?? null, reason: e.reason || null });
      if (e.error) console.error(`JsSIP WebSocket ${o.wsUrl} closed abnormally (code ${e.code}${e.reason ? `, reason ${e.reason}` : ''})`);
    });
    ua.on('registered', (e) => {
      const r = e.response;
      const contacts = (r.headers.Contact || []).reduce((a, h) => a.concat(h.parsed || []), []);
      const instance = `"<urn:uuid:${ua.configuration.instance_id}>"`;
      const isOurs = (c) => c.getParam('+sip.instance') === instance || c.uri.user === ua.contact.uri.user;
      const exp = r.hasHeader('Expires') ? r.getHeader('Expires') : undefined;
      report({ event: 'registered', status: r.status_code, ...binding(contacts, isOurs, exp, o.expires) });
    });
    ua.on('registrationFailed', (e) => {
      report({
        event: 'registration_failed',
        cause: e.cause,
        status: e.response ? e.response.status_code : null,
        reason: e.response ? e.response.reason_phrase : null,
      });
    });
    ua.on('unregistered', (e) => {
      const status = e.response ? e.response.status_code : null;
      if (unregistering) {
        unregistering = false;
        // JsSIP sets a cause only when the un-REGISTER did not get a 2xx.
        if (e.cause) report({ event: 'unregister_failed', cause: e.cause, status });
        else report({ event: 'unregistered', status });
      } else {
        // Not asked for: the transport dropped or a refresh failed.
        report({ event: 'registration_lost', cause: e.cause || 'transport closed', status });
      }
    });

    // Resolves once the WebSocket is up; rejects on the first failed attempt, and stops the UA so
    // JsSIP's reconnection back-off doesn't keep hitting the server behind the test's back.
    function connected() {
      if (ua.isConnected()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const onConnected = () => { off(); resolve(); };
        const onDisconnected = (e) => {
          off();
          ua.stop();
          reject(new Error(`WebSocket connection to ${o.wsUrl} failed (code ${e.code ?? 'none'})`));
        };
        const off = () => {
          ua.removeListener('connected', onConnected);
          ua.removeListener('disconnected', onDisconnected);
        };
        ua.on('connected', onConnected);
        ua.on('disconnected', onDisconnected);
        ua.start(); // first start, or restart after a stop(); a no-op while already connecting
      });
    }

    return {
      async register() {
        try {
          await connected();
        } catch (err) {
          report({ event: 'registration_failed', cause: 'Connection Error', status: null, message: describe(err) });
          return;
        }
        // JsSIP emits 'registered' only on a transition; clearing its private flag makes a refresh
        // requested by the test report its 200 like a first registration.
        if (ua.isRegistered()) ua.registrator()._registered = false;
        ua.register();
      },
      unregister() {
        if (!ua.isRegistered()) {
          report({ event: 'unregister_failed', cause: 'not registered', status: null });
          return;
        }
        unregistering = true;
        ua.unregister();
      },
      status: () => ({ registered: ua.isRegistered(), connected: ua.isConnected() }),
    };
  }

  function sipjs(o) {
    const ua = new SIP.UserAgent({
      uri: SIP.UserAgent.makeURI(o.aor),
      transportOptions: { server: o.wsUrl, connectionTimeout: Math.max(1, Math.ceil(o.timeoutMs / 1000)) },
      authorizationUsername: o.user,
      authorizationPassword: o.password,
      logLevel: o.debug ? 'debug' : 'warn',
      delegate: {
        onConnect: () => report({ event: 'transport', state: 'connected' }),
        onDisconnect: (error) => {
          report({ event: 'transport', state: 'disconnected', error: !!error, reason: error ? describe(error) : null });
          if (error) console.error(`SIP.js WebSocket ${o.wsUrl} closed abnormally: ${describe(error)}`);
        },
      },
    });
    const registerer = new SIP.Registerer(ua, { expires: o.expires });
    let pending = null; // 'register' | 'unregister' while an explicit request is in flight

    registerer.stateChange.addListener((state) => {
      // An unrequested Registered -> Unregistered means a refresh failed or the binding expired.
      if (state === SIP.RegistererState.Unregistered && pending === null) {
        report({ event: 'registration_lost', cause: 'refresh failed or expired', status: null });
      }
    });

    async function connected() {
      if (ua.state !== SIP.UserAgentState.Started) await ua.start();
      else if (!ua.isConnected()) await ua.reconnect();
    }

    const statusOf = (response) => response.message.statusCode;
    const reasonOf = (response) => response.message.reasonPhrase;

    return {
      async register() {
        try {
          await connected();
        } catch (err) {
          report({ event: 'registration_failed', cause: 'Connection Error', status: null, message: describe(err) });
          return;
        }
        pending = 'register';
        const done = () => { pending = null; };
        try {
          await registerer.register({
            requestDelegate: {
              onAccept(response) {
                done();
                const m = response.message;
                const n = m.getHeaders('contact').length;
                const contacts = [];
                for (let i = 0; i < n; i++) {
                  const c = m.parseHeader('contact', i);
                  if (c) contacts.push(c);
                }
                const isOurs = (c) => c.uri.user === ua.contact.uri.user;
                const exp = m.hasHeader('expires') ? m.getHeader('expires') : undefined;
                report({ event: 'registered', status: m.statusCode, ...binding(contacts, isOurs, exp, o.expires) });
              },
              onReject(response) {
                // Also where SIP.js turns a timeout or transport error into an internal 408/503.
                done();
                report({ event: 'registration_failed', cause: reasonOf(response), status: statusOf(response), reason: reasonOf(response) });
              },
              onRedirect(response) {
                done();
                report({ event: 'registration_failed', cause: 'Redirected', status: statusOf(response), reason: reasonOf(response) });
              },
            },
          });
        } catch (err) {
          done();
          report({ event: 'registration_failed', cause: describe(err), status: null });
        }
      },
      async unregister() {
        if (registerer.state !== SIP.RegistererState.Registered) {
          report({ event: 'unregister_failed', cause: 'not registered', status: null });
          return;
        }
        pending = 'unregister';
        const done = () => { pending = null; };
        try {
          await registerer.unregister({
            requestDelegate: {
              onAccept(response) { done(); report({ event: 'unregistered', status: statusOf(response) }); },
              onReject(response) {
                done();
                report({ event: 'unregister_failed', cause: reasonOf(response), status: statusOf(response) });
              },
            },
          });
        } catch (err) {
          done();
          report({ event: 'unregister_failed', cause: describe(err), status: null });
        }
      },
      status: () => ({ registered: registerer.state === SIP.RegistererState.Registered, connected: ua.isConnected() }),
    };
  }

  let adapter = null;
  window.harness = {
    init(o) {
      adapter = o.lib === 'jssip' ? jssip(o) : sipjs(o);
    },
    // Fire-and-forget: results arrive as events, so evaluate() must not wait for the SIP exchange.
    register() { adapter.register().catch((err) => report({ event: 'error', message: describe(err) })); },
    unregister() { Promise.resolve(adapter.unregister()).catch((err) => report({ event: 'error', message: describe(err) })); },
    status() { return adapter.status(); },
  };
})();
