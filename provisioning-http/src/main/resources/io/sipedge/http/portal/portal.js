// The sip-edge self-service page (issue 17). Plain JavaScript, no build step, no third-party code:
// it signs a user in (password or Microsoft), lists their devices and shows a device's QR code.
// It speaks only to the edge's users' routes under /api/ (README, "Users sign in").
//
// Tokens live in sessionStorage (this tab only, gone when it closes) and travel only in the
// Authorization header, never in a URL. A tab the legacy Microsoft sign-in
// (POST /api/login/by_microsoft) brought here holds the session cookie instead, which the page
// cannot read (HttpOnly) and sends only then. The Content-Security-Policy allows no inline script, so
// everything here is wired with addEventListener and every server string goes in as text.
'use strict';

(() => {
  const TOKENS = 'sipedge.portal.tokens';
  const DOMAIN = 'sipedge.portal.domain';
  // A Microsoft sign-in this tab started: its random state, which the edge hands back on return.
  // A return without it (a link someone sent) is not exchanged, so nobody can sign this tab in as
  // themselves (login CSRF).
  const MICROSOFT_STATE = 'sipedge.portal.microsoft-state';
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ status and views

  function say(text, kind) {
    const s = $('status');
    s.textContent = text || '';
    s.dataset.kind = kind || 'info';
  }

  function show(view) {
    $('signin').hidden = view !== 'signin';
    $('account').hidden = view !== 'account';
  }

  // ------------------------------------------------------------------ tokens

  function tokens() {
    try {
      return JSON.parse(sessionStorage.getItem(TOKENS));
    } catch (e) {
      return null;
    }
  }

  function keep(t) {
    sessionStorage.setItem(TOKENS, JSON.stringify({ access: t.access_token, refresh: t.refresh_token }));
  }

  function forget() {
    sessionStorage.removeItem(TOKENS);
  }

  // ------------------------------------------------------------------ HTTP

  class SignedOut extends Error {}

  // The answer's message for the user: the server's own words where it has them.
  async function problem(res, fallback) {
    if (res.status === 429) {
      const after = Number(res.headers.get('Retry-After'));
      return after > 0 ? `Too many attempts. Try again in ${after} second${after === 1 ? '' : 's'}.`
        : 'Too many attempts. Try again later.';
    }
    try {
      const body = await res.json();
      if (body && typeof body.message === 'string' && body.message) {
        return `${fallback} (${body.message})`;
      }
    } catch (e) {
      // not JSON: the fallback says enough
    }
    return `${fallback} (HTTP ${res.status})`;
  }

  // Signed in by the legacy session cookie rather than bearer tokens.
  let cookieSession = false;

  function request(method, path, body, access) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (access) headers.Authorization = `Bearer ${access}`;
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: cookieSession ? 'same-origin' : 'omit', // the cookie only for a cookie session
      cache: 'no-store',
    });
  }

  let refreshing = null;

  // One refresh at a time: two calls that both meet a 401 share it (the refresh token is single-use).
  function refresh() {
    if (!refreshing) {
      refreshing = (async () => {
        const t = tokens();
        if (!t || !t.refresh) return false;
        const res = await request('POST', '/api/auth/refresh_token', { refresh_token: t.refresh });
        if (!res.ok) return false;
        keep(await res.json());
        return true;
      })().catch(() => false).finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // A signed-in call. On a 401 it refreshes once and tries again; if that fails the session is
  // over: back to the form, and the caller gets SignedOut.
  async function call(method, path, body) {
    let t = tokens();
    if (!t && !cookieSession) throw signedOut('Please sign in.');
    let res = await request(method, path, body, t ? t.access : null);
    if (res.status === 401 && t && await refresh()) {
      t = tokens();
      res = await request(method, path, body, t.access);
    }
    if (res.status === 401) throw signedOut('Your session has ended. Please sign in again.');
    return res;
  }

  function signedOut(message) {
    forget();
    cookieSession = false;
    clearQr();
    showSignIn(message, 'error');
    return new SignedOut(message);
  }

  // Runs an action of a button or form; reports what went wrong in the status region.
  function action(fn) {
    return async (event) => {
      if (event) event.preventDefault();
      try {
        await fn(event);
      } catch (e) {
        if (!(e instanceof SignedOut)) say(`Something went wrong: ${e.message}`, 'error');
      }
    };
  }

  // ------------------------------------------------------------------ signing in

  // The form; focus moves to it when the user was elsewhere on the page (not on first load, where
  // focus stays at the top of the document for screen readers and keyboards alike).
  function showSignIn(message, kind, initial) {
    show('signin');
    const domain = $('domain');
    if (!domain.value) domain.value = sessionStorage.getItem(DOMAIN) || '';
    $('password').value = '';
    checkMicrosoft();
    say(message, kind);
    if (!initial) domain.focus();
  }

  async function signIn() {
    const body = { username: $('username').value.trim(), password: $('password').value,
      domain: $('domain').value.trim() };
    const missing = ['domain', 'username', 'password'].find((k) => !body[k]);
    if (missing) {
      say(`Please enter your ${missing}.`, 'error');
      $(missing).focus();
      return;
    }
    say('Signing in…');
    $('signin-submit').disabled = true;
    try {
      const res = await request('POST', '/api/auth/sign_in', body);
      if (res.status === 401) {
        say('Wrong username, password or domain.', 'error');
        $('password').value = '';
        $('password').focus();
        return;
      }
      if (!res.ok) {
        say(await problem(res, 'Could not sign in'), 'error');
        return;
      }
      keep(await res.json());
      sessionStorage.setItem(DOMAIN, body.domain);
      $('password').value = '';
      await showAccount('Signed in.');
    } finally {
      $('signin-submit').disabled = false;
    }
  }

  // Whether the tenant of the domain typed offers Microsoft sign-in (GET /api/info).
  let infoTimer = null;
  let infoAsked = '';

  function checkMicrosoft() {
    clearTimeout(infoTimer);
    infoTimer = setTimeout(async () => {
      const domain = $('domain').value.trim();
      if (domain === infoAsked) return;
      infoAsked = domain;
      const offered = domain !== '' && await microsoftOffered(domain);
      if ($('domain').value.trim() !== domain) return; // typed on meanwhile: a later check decides
      $('microsoft').hidden = !offered;
      $('microsoft-signin').disabled = !offered;
    }, 300);
  }

  async function microsoftOffered(domain) {
    try {
      const res = await request('GET', `/api/info?domain=${encodeURIComponent(domain)}`);
      return res.ok && (await res.json()).microsoft === true;
    } catch (e) {
      return false;
    }
  }

  async function microsoftSignIn() {
    const domain = $('domain').value.trim();
    if (!domain) {
      say('Please enter your domain.', 'error');
      $('domain').focus();
      return;
    }
    say('Taking you to Microsoft…');
    const random = new Uint8Array(32);
    crypto.getRandomValues(random);
    const state = btoa(String.fromCharCode(...random)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    sessionStorage.setItem(MICROSOFT_STATE, state);
    const res = await request('POST', '/api/auth/sign_in/microsoft',
      { domain, callback_url: `${location.origin}/portal`, state });
    if (!res.ok) {
      say(await problem(res, 'Microsoft sign-in is not available'), 'error');
      return;
    }
    sessionStorage.setItem(DOMAIN, domain);
    location.assign((await res.json()).url);
  }

  // Back from Microsoft: ?code= (one-time, for POST /api/auth/token) or ?error=&error_description=.
  // The query leaves the address bar before anything else happens, so no code stays in the history.
  async function returnFromMicrosoft() {
    const q = new URLSearchParams(location.search);
    const code = q.get('code');
    const error = q.get('error');
    if (code === null && error === null) return false;
    history.replaceState(null, '', location.pathname);
    const expected = sessionStorage.getItem(MICROSOFT_STATE);
    sessionStorage.removeItem(MICROSOFT_STATE);
    if (error !== null) {
      const why = q.get('error_description');
      showSignIn(`Microsoft sign-in failed: ${why || error}`, 'error');
      return true;
    }
    if (expected === null || q.get('state') !== expected) {
      // Not the sign-in this tab began: the code is not used (it stays someone else's to spend).
      showSignIn('Microsoft sign-in failed: it was not started in this tab. Please sign in again.', 'error');
      return true;
    }
    say('Signing in…');
    const res = await request('POST', '/api/auth/token', { code });
    if (!res.ok) {
      showSignIn(await problem(res, 'Microsoft sign-in failed'), 'error');
      return true;
    }
    keep(await res.json());
    await showAccount('Signed in with Microsoft.');
    return true;
  }

  async function signOut() {
    const t = tokens();
    if (t) {
      // Ends the session on the edge; whatever it answers, this tab forgets the tokens.
      await request('POST', '/api/auth/sign_out', undefined, t.access).catch(() => null);
    } else if (cookieSession) {
      await request('POST', '/api/logout').catch(() => null); // ends the session and clears the cookie
    }
    forget();
    cookieSession = false;
    clearQr();
    $('devices').replaceChildren();
    showSignIn('Signed out.');
  }

  // ------------------------------------------------------------------ devices

  async function showAccount(message) {
    // The same user, by the route of the session's kind (the bearer's, or the legacy cookie's).
    const user = await call('GET', cookieSession ? '/api/login' : '/api/auth/user');
    if (!user.ok) throw new Error(await problem(user, 'Could not read your account'));
    const u = await user.json();
    const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.username;
    $('greeting').textContent = `Hello, ${name} (${u.username}@${u.domain})`;
    show('account');
    await loadDevices();
    say(message);
    $('devices-title').focus();
  }

  async function loadDevices() {
    const res = await call('GET', '/api/me/devices');
    if (!res.ok) throw new Error(await problem(res, 'Could not list your devices'));
    const devices = await res.json();
    const list = $('devices');
    list.replaceChildren(...devices.map(deviceRow));
    $('devices-empty').hidden = devices.length > 0;
  }

  function deviceRow(d) {
    const li = document.createElement('li');
    li.className = 'device';
    li.dataset.deviceId = d.id;
    const registered = Boolean(d.status && d.status.registered);
    li.dataset.registered = String(registered);

    const name = document.createElement('p');
    name.className = 'name';
    name.textContent = d.name || d.username;
    const who = document.createElement('p');
    who.className = 'username';
    who.textContent = d.username;
    const state = document.createElement('p');
    state.className = `state ${registered ? 'registered' : 'unregistered'}`;
    state.textContent = (registered ? 'Registered' : 'Not registered') + (d.enabled === false ? ' · disabled' : '');

    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'show-qr';
    button.dataset.action = 'show-qr';
    button.textContent = 'Show QR code';
    button.setAttribute('aria-label', `Show QR code for ${d.name || d.username}`);
    button.addEventListener('click', action(() => showQr(d)));

    li.append(name, who, state, button);
    return li;
  }

  // ------------------------------------------------------------------ QR codes

  // The device shown and its provisioning token (the answer of POST …/provisioning_token).
  let current = null;
  let blobUrl = null;

  function format() {
    return document.querySelector('input[name="qr-format"]:checked').value;
  }

  async function showQr(device) {
    say('Making a QR code…');
    current = { device, token: await issue(device) };
    $('qr-device').textContent = device.name || device.username;
    document.querySelectorAll('#devices .device').forEach((li) => {
      li.classList.toggle('selected', li.dataset.deviceId === device.id);
    });
    $('qr-panel').hidden = false;
    await drawQr();
    $('qr-title').focus();
  }

  // A new provisioning token for the device; it replaces the previous one, whose link stops working.
  async function issue(device) {
    const res = await call('POST', `/api/me/devices/${encodeURIComponent(device.id)}/provisioning_token`);
    if (!res.ok) throw new Error(await problem(res, 'Could not make a QR code'));
    return res.json();
  }

  async function regenerate() {
    if (!current) return;
    say('Making a new QR code…');
    current.token = await issue(current.device);
    await drawQr();
    say('New QR code ready. The previous one no longer works.');
  }

  async function drawQr() {
    const img = $('qr');
    const linphone = format() === 'linphone';
    img.removeAttribute('src');
    img.dataset.format = format();
    img.dataset.ready = 'false';
    if (linphone) {
      // The image is fetched from this page's own origin (what the CSP allows); its text, the
      // provisioning link, names the edge's public address, which is what the phone needs.
      setImage(new URL(current.token.qrcode_url).pathname);
      $('provisioning-url').textContent = current.token.url;
      const expires = new Date(current.token.expires_at);
      $('qr-expiry').textContent = `Works ${current.token.single_use ? 'once, ' : ''}until ${expires.toLocaleString()}.`;
      img.alt = `Linphone QR code for ${current.device.name || current.device.username}`;
    } else {
      const res = await call('GET', `/api/me/devices/${encodeURIComponent(current.device.id)}/qrcode?format=scloc`);
      if (!res.ok) throw new Error(await problem(res, 'Could not make the scloc QR code'));
      setImage(URL.createObjectURL(await res.blob()), true);
      img.alt = `scloc QR code for ${current.device.name || current.device.username}`;
    }
    $('linphone-help').hidden = !linphone;
    $('scloc-help').hidden = linphone;
    say(linphone ? 'Scan the QR code with Linphone.' : 'Scan the QR code with your scloc app.');
  }

  function setImage(src, isBlob) {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = isBlob ? src : null;
    $('qr').src = src;
  }

  function clearQr() {
    current = null;
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = null;
    const img = $('qr');
    img.removeAttribute('src');
    img.dataset.ready = 'false';
    $('provisioning-url').textContent = '';
    $('qr-panel').hidden = true;
  }

  // ------------------------------------------------------------------ start

  function wire() {
    $('signin-form').addEventListener('submit', action(signIn));
    $('domain').addEventListener('input', checkMicrosoft);
    $('domain').addEventListener('change', checkMicrosoft);
    $('microsoft-signin').addEventListener('click', action(microsoftSignIn));
    $('signout').addEventListener('click', action(signOut));
    $('devices-refresh').addEventListener('click', action(async () => {
      await loadDevices();
      say('Device list updated.');
    }));
    $('regenerate').addEventListener('click', action(regenerate));
    $('qr-hide').addEventListener('click', () => {
      clearQr();
      $('devices-title').focus();
    });
    document.querySelectorAll('input[name="qr-format"]').forEach((r) => {
      r.addEventListener('change', action(() => (current ? drawQr() : null)));
    });
    const img = $('qr');
    img.addEventListener('load', () => { img.dataset.ready = 'true'; });
    img.addEventListener('error', () => {
      if (img.getAttribute('src')) say('The QR code could not be loaded. Try "Regenerate".', 'error');
    });
  }

  async function start() {
    wire();
    if (await returnFromMicrosoft()) {
      document.documentElement.dataset.started = 'true';
      return;
    }
    if (tokens()) {
      await showAccount('');
    } else if (await cookieSignedIn()) {
      await showAccount('Signed in with Microsoft.');
    } else {
      showSignIn('', 'info', true);
    }
    document.documentElement.dataset.started = 'true'; // for tests and tools: the first view is up
  }

  // Whether the browser holds a live session cookie (the legacy Microsoft sign-in ends here with one).
  async function cookieSignedIn() {
    cookieSession = true;
    const res = await request('GET', '/api/login').catch(() => null);
    cookieSession = Boolean(res && res.ok);
    return cookieSession;
  }

  action(start)();
})();
