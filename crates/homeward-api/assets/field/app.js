// Homeward field capture: reports are written into an outbox in IndexedDB (each with an
// idempotency key made on this device) and sent to POST /v1/incidents/{id}/reports when
// the network allows, retried with backoff. A report the server refuses (a 4xx problem:
// the incident was closed, the officer was taken off it) is marked refused with the
// problem's reason and not retried. The token comes once as /field?token=..., is kept in
// localStorage and removed from the address bar. A service worker (/field/sw.js) keeps
// the page for use without network.
(function () {
  'use strict';

  const I = window.HomewardFieldI18n;
  const t = I.t;
  const TOKEN_KEY = 'homeward.field.token';
  const CACHE_KEY = 'homeward.field.assigned';
  const DB_NAME = 'homeward-field';
  const STORE = 'outbox';
  const FIRST_BACKOFF_MS = 1000;
  const MAX_BACKOFF_MS = 60000;
  const CATEGORIES = ['situation', 'security', 'medical', 'logistics', 'contact', 'welfare', 'media', 'other'];

  const $ = (sel) => document.querySelector(sel);
  const form = $('#report');
  const outboxEl = $('#outbox');
  let token = null;
  let db = null;
  let syncing = false;
  let timer = null;
  let position = null;
  let occurredTouched = false;

  // ------------------------------------------------------------------ token
  function takeToken() {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl && fromUrl.trim()) {
      token = fromUrl.trim();
      try { window.localStorage.setItem(TOKEN_KEY, token); } catch (e) { /* kept for this page only */ }
      url.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    }
    if (!token) {
      try { token = window.localStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
    }
  }

  function showAuth(reason) {
    $('#auth').hidden = false;
    $('#auth-reason').textContent = reason;
  }

  // ------------------------------------------------------------------ IndexedDB
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: 'key' });
        store.createIndex('created', 'created');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  // One transaction; resolves once it is committed (durable before we say "queued").
  function tx(mode, work) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode, { durability: 'strict' });
      const store = transaction.objectStore(STORE);
      let result;
      Promise.resolve(work(store)).then((r) => { result = r; }, reject);
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  function all() {
    return tx('readonly', (store) => new Promise((resolve, reject) => {
      const req = store.index('created').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  }

  function put(item) {
    return tx('readwrite', (store) => { store.put(item); });
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // ------------------------------------------------------------------ incidents
  function cached() {
    try { return JSON.parse(window.localStorage.getItem(CACHE_KEY) || 'null'); } catch (e) { return null; }
  }

  function fillSelects(assigned) {
    const incident = form.elements.incident;
    const chosen = incident.value;
    incident.textContent = '';
    const incidents = (assigned && assigned.incidents) || [];
    for (const i of incidents) {
      const o = document.createElement('option');
      o.value = i.id;
      o.textContent = `${i.title} (${i.country})`; // as registered
      incident.appendChild(o);
    }
    if (chosen && incidents.some((i) => i.id === chosen)) incident.value = chosen;
    $('#no-incidents').hidden = incidents.length > 0;
    const category = form.elements.category;
    const was = category.value;
    category.textContent = '';
    const categories = (assigned && assigned.report_categories) || CATEGORIES;
    for (const c of categories) {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = t(`cat_${c}`);
      category.appendChild(o);
    }
    if (was && categories.includes(was)) category.value = was;
  }

  async function loadAssigned() {
    fillSelects(cached());
    if (!token) return;
    try {
      const r = await fetch('/v1/me/incidents', { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
      if (r.status === 401) { showAuth(t('auth_refused')); return; }
      if (!r.ok) return;
      const body = await r.json();
      try { window.localStorage.setItem(CACHE_KEY, JSON.stringify(body)); } catch (e) { /* shown, not kept */ }
      fillSelects(body);
    } catch (e) { /* offline: the cached list stays */ }
  }

  // ------------------------------------------------------------------ form
  function localInput(date) {
    const p = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
  }

  function resetOccurred() {
    occurredTouched = false;
    form.elements.occurred_at.value = localInput(new Date());
  }

  function occurredAt() {
    const v = form.elements.occurred_at.value;
    if (!occurredTouched || !v) return new Date().toISOString();
    const d = new Date(v); // datetime-local: the device's local time
    return Number.isNaN(d.getTime()) ? new Date().toISOString() : d.toISOString();
  }

  async function submit(event) {
    event.preventDefault();
    const incident = form.elements.incident.value;
    const category = form.elements.category.value;
    const text = form.elements.text.value.trim();
    if (!incident || !category || !text) {
      $('#form-note').textContent = t('missing');
      return;
    }
    const place = form.elements.place.value.trim();
    const item = {
      key: newKey(),
      incident,
      incident_title: form.elements.incident.selectedOptions[0] ? form.elements.incident.selectedOptions[0].textContent : '',
      category,
      text,
      place: place || null,
      lat: position && form.elements.share_position.checked ? position.lat : null,
      lon: position && form.elements.share_position.checked ? position.lon : null,
      occurred_at: occurredAt(),
      created: Date.now(),
      state: 'queued',
      attempts: 0,
      next_at: 0,
      reason: null,
    };
    await put(item);
    form.elements.text.value = '';
    form.elements.place.value = '';
    resetOccurred();
    $('#form-note').textContent = t('queued_note');
    await render();
    sync();
  }

  function watchPosition(event) {
    if (!event.target.checked) { position = null; $('#position').textContent = ''; return; }
    if (!navigator.geolocation) { $('#position').textContent = t('position_denied'); return; }
    navigator.geolocation.getCurrentPosition((p) => {
      position = { lat: p.coords.latitude, lon: p.coords.longitude };
      $('#position').textContent = `${t('position_got')}: ${position.lat.toFixed(4)}, ${position.lon.toFixed(4)}`;
    }, () => {
      position = null;
      event.target.checked = false;
      $('#position').textContent = t('position_denied');
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  // ------------------------------------------------------------------ outbox
  async function render() {
    const items = (await all()).reverse();
    outboxEl.textContent = '';
    let queued = 0;
    for (const item of items) {
      if (item.state === 'queued') queued += 1;
      const li = document.createElement('li');
      li.className = item.state;
      li.dataset.key = item.key;
      li.dataset.state = item.state;
      const state = document.createElement('span');
      state.className = 'state';
      state.textContent = I.stateWord(item.state);
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = `${item.incident_title} · ${t(`cat_${item.category}`)} · ${t('written')} ${new Date(item.occurred_at).toLocaleString()}`;
      const text = document.createElement('div');
      text.className = 'text';
      text.textContent = item.text;
      li.append(state, meta, text);
      if (item.state === 'refused' && item.reason) {
        const reason = document.createElement('div');
        reason.className = 'reason';
        reason.textContent = item.reason;
        li.appendChild(reason);
      }
      outboxEl.appendChild(li);
    }
    $('#outbox-count').textContent = queued ? `${queued} ${I.stateWord('queued')}` : '';
  }

  function showNet() {
    const el = $('#net');
    el.textContent = navigator.onLine ? t('online') : t('offline');
    el.classList.toggle('offline', !navigator.onLine);
  }

  function schedule(ms) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; sync(); }, Math.max(250, ms));
  }

  function backoff(attempts) {
    const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(attempts, 16));
    return base / 2 + Math.random() * (base / 2);
  }

  // Sends one report. 'sent', 'refused' (with the reason) or 'retry'.
  async function send(item) {
    const body = { text: item.text, category: item.category, occurred_at: item.occurred_at };
    if (item.place) body.place = item.place;
    if (item.lat !== null && item.lon !== null) { body.lat = item.lat; body.lon = item.lon; }
    let r;
    try {
      r = await fetch(`/v1/incidents/${encodeURIComponent(item.incident)}/reports`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': item.key,
        },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      return { outcome: 'retry' };
    }
    if (r.ok) return { outcome: 'sent' };
    if (r.status === 401) return { outcome: 'auth' };
    // Worth another try: the server is busy, overloaded or restarting.
    if (r.status === 408 || r.status === 429 || r.status >= 500) return { outcome: 'retry' };
    let reason = `HTTP ${r.status}`;
    try {
      const problem = await r.json();
      reason = [problem.title, problem.detail].filter(Boolean).join(': ') || reason;
    } catch (e) { /* not a problem document */ }
    return { outcome: 'refused', reason };
  }

  async function runSync() {
    let next = Infinity;
    const items = await all();
    for (const item of items) {
      if (item.state !== 'queued') continue;
      if (!navigator.onLine) { next = Math.min(next, 5000); break; }
      if (item.next_at > Date.now()) { next = Math.min(next, item.next_at - Date.now()); continue; }
      const result = await send(item);
      if (result.outcome === 'auth') { showAuth(t('auth_refused')); return; }
      if (result.outcome === 'sent') {
        item.state = 'sent';
        item.sent_at = Date.now();
      } else if (result.outcome === 'refused') {
        item.state = 'refused';
        item.reason = result.reason;
      } else {
        item.attempts += 1;
        item.next_at = Date.now() + backoff(item.attempts);
        next = Math.min(next, item.next_at - Date.now());
      }
      await put(item);
      await render();
      // After a failure, the others wait for the same network to come back.
      if (result.outcome === 'retry') break;
    }
    if (next !== Infinity) schedule(next);
  }

  async function sync() {
    if (syncing || !token || !db) return;
    syncing = true;
    try {
      // One tab sends at a time (the idempotency keys make a second sender harmless).
      if (navigator.locks && navigator.locks.request) {
        await navigator.locks.request('homeward-field-sync', runSync);
      } else {
        await runSync();
      }
    } catch (e) {
      schedule(5000);
    } finally {
      syncing = false;
    }
  }

  // A report that waits for backoff is tried at once when the network comes back.
  async function online() {
    showNet();
    const items = await all();
    for (const item of items) {
      if (item.state === 'queued' && item.next_at > 0) { item.next_at = 0; await put(item); }
    }
    loadAssigned();
    sync();
  }

  // ------------------------------------------------------------------ start
  function translate() {
    document.documentElement.lang = I.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `Homeward · ${t('title')}`;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  }

  async function start() {
    translate();
    takeToken();
    showNet();
    if (!token) showAuth(t('auth_none'));
    resetOccurred();
    form.elements.occurred_at.addEventListener('input', () => { occurredTouched = true; });
    form.elements.share_position.addEventListener('change', watchPosition);
    form.addEventListener('submit', submit);
    window.addEventListener('online', online);
    window.addEventListener('offline', showNet);
    db = await openDb();
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    await render();
    await loadAssigned();
    document.body.dataset.ready = 'true';
    sync();
    setInterval(sync, 15000);
    if ('serviceWorker' in navigator) {
      navigator.serviceWorker.register('/field/sw.js', { scope: '/field' }).then(() => navigator.serviceWorker.ready)
        .then(() => {
          if (navigator.serviceWorker.controller) document.body.dataset.offline = 'ready';
          navigator.serviceWorker.addEventListener('controllerchange', () => { document.body.dataset.offline = 'ready'; });
        })
        .catch(() => {});
    }
  }

  start();
})();
