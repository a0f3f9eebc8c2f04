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


  // A signalling-only stand-in for RTCPeerConnection, used by calls. Chromium's own one offers
  // ICE + DTLS-SRTP (UDP/TLS/RTP/SAVPF), which a SIP phone such as baresip refuses with 488, and
  // browser-to-phone media needs the media relay the edge does not have yet. This one offers and
  // answers plain RTP/AVP PCMU on 127.0.0.1 port 9 (discard), accepts any remote description with
  // an audio stream, and sends nothing itself; JsSIP's call handling around it is JsSIP's own.
  // The local MediaStream is still a real one (getUserMedia with Chromium's fake device).
  let sdpVersion = 0;
  function plainSdp() {
    sdpVersion += 1;
    return ['v=0', `o=- 4242 ${sdpVersion} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      'm=audio 9 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');
  }
  class SignallingOnlyPeerConnection extends EventTarget {
    constructor() {
      super();
      this.signalingState = 'stable';
      this.iceGatheringState = 'complete'; // JsSIP then sends the SDP at once
      this.iceConnectionState = 'new';
      this.connectionState = 'new';
      this.localDescription = null;
      this.remoteDescription = null;
      this.senders = [];
    }
    async createOffer() { return { type: 'offer', sdp: plainSdp() }; }
    async createAnswer() {
      if (!this.remoteDescription) throw new Error('createAnswer() without a remote offer');
      return { type: 'answer', sdp: plainSdp() };
    }
    async setLocalDescription(d) {
      this.localDescription = { type: d.type, sdp: d.sdp };
      this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable';
    }
    async setRemoteDescription(d) {
      if (!/^m=audio [1-9][0-9]* RTP\/AVP /m.test(d.sdp)) throw new Error(`no usable audio stream in the remote SDP: ${d.sdp}`);
      this.remoteDescription = { type: d.type, sdp: d.sdp };
      this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
    }
    addTrack(track) {
      const sender = { track, replaceTrack: async (t) => { sender.track = t; } };
      this.senders.push(sender);
      return sender;
    }
    removeTrack(sender) { this.senders = this.senders.filter((s) => s !== sender); }
    getSenders() { return [...this.senders]; }
    getReceivers() { return []; }
    getTransceivers() { return []; }
    async getStats() { return new Map(); }
    close() { this.signalingState = 'closed'; }
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

    // Calls (JsSIP only): one session at a time. Every outcome is reported from the session's own
    // events, so 'call_accepted' means JsSIP took a 2xx and 'call_ended' that it saw or sent a BYE.
    let session = null;
    const mediaOptions = () => ({
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] }, // no STUN/TURN: nothing leaves the machine
    });
    function watch(s) {
      session = s;
      s.on('progress', (e) => report({ event: 'call_progress', originator: e.originator, status: e.response ? e.response.status_code : null }));
      s.on('accepted', (e) => report({
        event: 'call_accepted',
        originator: e.originator,
        status: e.response ? e.response.status_code : null,
        sdp: e.response ? e.response.body : null, // the 2xx's SDP, as the callee sent it
      }));
      s.on('confirmed', (e) => report({ event: 'call_confirmed', originator: e.originator }));
      s.on('ended', (e) => {
        if (session === s) session = null;
        report({ event: 'call_ended', originator: e.originator, cause: e.cause, method: e.message ? e.message.method || null : null });
      });
      s.on('failed', (e) => {
        if (session === s) session = null;
        report({ event: 'call_failed', originator: e.originator, cause: e.cause, status: e.message && e.message.status_code ? e.message.status_code : null });
      });
    }
    ua.on('newRTCSession', (e) => {
      if (e.originator !== 'remote') return;
      if (session) {
        e.session.terminate({ status_code: 486 });
        return;
      }
      watch(e.session);
      const r = e.request;
      report({ event: 'incoming_call', from: r.from.uri.toString(), to: r.to.uri.toString(), ruri: r.ruri.toString() });
    });

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
      call(target) {
        if (session) throw new Error('a call is already in progress');
        window.RTCPeerConnection = SignallingOnlyPeerConnection;
        watch(ua.call(target, mediaOptions()));
      },
      answer() {
        if (!session || session.direction !== 'incoming') throw new Error('no incoming call to answer');
        window.RTCPeerConnection = SignallingOnlyPeerConnection;
        session.answer(mediaOptions());
      },
      hangup() {
        if (!session) throw new Error('no call to hang up');
        session.terminate();
      },
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
  function guard(what, fn) {
    if (!adapter[what]) {
      report({ event: 'error', message: `${what}: not supported with this library` });
      return;
    }
    try {
      fn();
    } catch (err) {
      report({ event: 'error', message: `${what}: ${describe(err)}` });
    }
  }
  window.harness = {
    init(o) {
      adapter = o.lib === 'jssip' ? jssip(o) : sipjs(o);
    },
    // Fire-and-forget: results arrive as events, so evaluate() must not wait for the SIP exchange.
    register() { adapter.register().catch((err) => report({ event: 'error', message: describe(err) })); },
    unregister() { Promise.resolve(adapter.unregister()).catch((err) => report({ event: 'error', message: describe(err) })); },
    status() { return adapter.status(); },
    // Calls: synchronous errors (bad state, bad target, SIP.js) become an 'error' event.
    call(target) { guard('call', () => adapter.call(target)); },
    answer() { guard('answer', () => adapter.answer()); },
    hangup() { guard('hangup', () => adapter.hangup()); },
  };
})();
