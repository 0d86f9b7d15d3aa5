// Shared by the dashboard's pages: the API client, the signed-in session, DOM and formatting helpers.
// Everything shown is built with text nodes, never parsed as HTML.

const TOKEN = 'spc-token';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.status || '';
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN, t); else sessionStorage.removeItem(TOKEN);
}

/** Calls the HTTP/JSON API; resolves to the parsed answer, rejects with an ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { 'Accept': 'application/json' };
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : {}; } catch { json = null; }
  if (!r.ok) throw new ApiError(r.status, json);
  return json;
}

/** The caller's session ({auth, role, name}), or null when a token is needed first. */
export const session = { auth: false, role: 'reader', name: '' };

const RANK = { reader: 1, submitter: 2, operator: 3, admin: 4 };

/** Whether the signed-in role may do what {@code role} may. */
export function may(role) {
  return (RANK[session.role] || 0) >= RANK[role];
}

/** An element with attributes (on* as listeners) and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function show(flash) {
  const f = document.getElementById('flash');
  f.textContent = flash;
  f.hidden = !flash;
  if (flash) setTimeout(() => { if (f.textContent === flash) f.hidden = true; }, 6000);
}

/** JOB_STATE_RUNNING -> RUNNING; DONE_REASON_TIMEOUT -> TIMEOUT. */
export function short(e) {
  return (e || '').replace(/^(JOB_STATE_|DONE_REASON_)/, '');
}

/** A job's state in one word: its outcome once done. */
export function outcome(job) {
  const s = short(job.state);
  return s === 'DONE' ? short(job.doneReason) || 'DONE' : s || 'UNKNOWN';
}

export function badge(job) {
  const o = outcome(job);
  return el('span', { class: 'badge ' + o.toLowerCase(), 'data-state': o }, o);
}

export function time(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return d.toLocaleString(undefined, { hour12: false });
}

export function ago(ts) {
  if (!ts) return '';
  const s = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(from, to) {
  if (!from) return '';
  const ms = (to ? new Date(to) : new Date()) - new Date(from);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** Base64 (the JSON form of bytes) as text. */
export function text(b64) {
  if (!b64) return '';
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, c => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function jobLink(id) {
  return el('a', { href: '#/jobs/' + encodeURIComponent(id), class: 'mono' }, id);
}

/** A button that runs {@code action} (after {@code confirm}, when given) and reports the outcome. */
export function button(label, action, { confirm: ask, danger } = {}) {
  const b = el('button', { class: danger ? 'danger' : '', type: 'button' }, label);
  b.addEventListener('click', async () => {
    if (ask && !window.confirm(ask)) return;
    b.disabled = true;
    try {
      const msg = await action();
      if (msg) show(msg);
    } catch (e) {
      show(`${label} failed: ${e.message}`);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** Runs {@code f} now and every {@code ms} until the returned stop function is called. */
export function every(ms, f) {
  let stopped = false;
  let timer = 0;
  const tick = async () => {
    try { await f(); } catch (e) { if (!stopped) show(e.message); }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

export function table(headers, rows, empty = 'Nothing here.') {
  if (!rows.length) return el('p', { class: 'muted empty' }, empty);
  return el('table', {},
    el('thead', {}, el('tr', {}, headers.map(h => el('th', {}, h)))),
    el('tbody', {}, rows));
}
