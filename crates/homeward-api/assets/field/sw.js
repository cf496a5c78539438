// The field page's service worker: keeps the page and its assets so the page loads and
// takes reports with no network after its first load. The API is never cached: reports
// wait in the page's IndexedDB outbox, not here.
'use strict';

const CACHE = 'homeward-field-v1';
const ASSETS = ['/field', '/field/app.js', '/field/i18n.js', '/field/style.css'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('homeward-field-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Network first (a new version is picked up when online), the kept copy when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const asset = url.pathname === '/field' ? '/field' : (ASSETS.includes(url.pathname) ? url.pathname : null);
  if (!asset) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(asset, copy));
        }
        return response;
      })
      .catch(() => caches.open(CACHE).then((c) => c.match(asset)).then((hit) => hit || Response.error())),
  );
});
