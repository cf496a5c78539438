// The screen's token: taken from ?token= once and kept in localStorage (never in a
// requested URL), its expiry, the page shown when it is refused, and reading JSON with it.

import { $, state } from './common.js';
import { stopLive } from './live.js';
import { stopReplayTimers } from './replay.js';

export const TOKEN_KEY = 'homeward.wall.token';

export function takeTokenFromUrl() {
  const url = new URL(window.location.href);
  const t = url.searchParams.get('token');
  if (t !== null) {
    if (t.trim()) {
      try {
        window.localStorage.setItem(TOKEN_KEY, t.trim());
      } catch (_) {
        state.token = t.trim(); // storage blocked: keep it for this page only
      }
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  if (!state.token) {
    try {
      state.token = window.localStorage.getItem(TOKEN_KEY);
    } catch (_) {
      state.token = null;
    }
  }
}

export function tokenExpiry(token) {
  try {
    const part = token.split('.')[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json);
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch (_) {
    return null;
  }
}

export function showAuth(reason) {
  state.stopped = true;
  stopLive();
  stopReplayTimers();
  $('auth-reason').textContent = reason;
  $('auth-url').textContent = `${window.location.origin}/?token=TOKEN`;
  $('auth').hidden = false;
  $('app').hidden = true;
  document.body.classList.remove('booting');
  document.body.classList.add('auth-needed');
}

export function authProblem(status) {
  if (status === 403) return 'The stored token may not read the board. Issue one with the wall_display role.';
  return 'The server did not accept the stored token (it may have expired or been issued by another server).';
}

export function authHeaders() {
  return { Authorization: `Bearer ${state.token}` };
}

export async function getJson(path) {
  const res = await fetch(path, { headers: { ...authHeaders(), Accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 401 || res.status === 403) {
    showAuth(authProblem(res.status));
    throw new Error('unauthorized');
  }
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const p = await res.json();
      if (p && p.detail) detail = p.detail;
    } catch (_) {
      /* not JSON */
    }
    const err = new Error(detail);
    err.status = res.status;
    throw err;
  }
  return res.json();
}
