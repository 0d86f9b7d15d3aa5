// The dashboard's entry: finds out who is signed in, then routes #/... to a page.

import { ApiError, api, el, session, setToken, show } from './lib.js';
import * as pages from './pages.js';

const main = document.getElementById('main');
let stop = () => {};

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'jobs' && parts[1]) return ['jobs', pages.job, { id: parts[1] }];
  const page = { '': 'overview', jobs: 'jobs', workers: 'workers', schedules: 'schedules', dead: 'dead' }[parts[0] || ''];
  return page ? [page, pages[page], { query }] : ['overview', pages.overview, {}];
}

function render() {
  stop();
  stop = () => {};
  const [name, page, params] = route();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === name);
  show('');
  stop = page(main, params) || (() => {});
}

function signIn(message) {
  stop();
  stop = () => {};
  const input = el('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', placeholder: 'token', required: true });
  const form = el('form', { class: 'signin' },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'This coordinator asks for a token (one line of its tokens file, made with ', el('code', {}, 'bin/spc token'), ').'),
    message ? el('p', { class: 'error' }, message) : '',
    input, el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    setToken(input.value.trim());
    start();
  });
  document.getElementById('nav').hidden = true;
  main.replaceChildren(form);
  input.focus();
}

async function start() {
  try {
    Object.assign(session, await api('/v1/session'));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      const had = !!sessionStorage.getItem('spc-token');
      setToken('');
      signIn(had ? e.message : '');
      return;
    }
    main.replaceChildren(el('p', { class: 'error' }, `The coordinator did not answer: ${e.message}`));
    return;
  }
  document.getElementById('nav').hidden = false;
  const who = document.getElementById('who');
  who.replaceChildren(session.auth ? el('span', {}, `${session.name} (${session.role}) `,
    el('button', { type: 'button', class: 'link', onclick: () => { setToken(''); location.reload(); } }, 'sign out')) : '');
  render();
}

window.addEventListener('hashchange', () => { if (session.name) render(); });
// A call refused later (token withdrawn) sends the user back to the sign-in page.
window.addEventListener('unhandledrejection', e => {
  if (e.reason instanceof ApiError && e.reason.status === 401) { setToken(''); signIn(e.reason.message); }
});
start();
