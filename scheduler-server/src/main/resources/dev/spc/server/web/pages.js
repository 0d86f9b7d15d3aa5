// The dashboard's pages. Each takes the main element and the route's parameters, draws itself,
// keeps itself live (polling the API, or the job's event stream), and returns a function that
// stops whatever it started.

import { api, ago, badge, button, duration, el, every, jobLink, may, outcome, short, show, table, text, time, token } from './lib.js';
import { lineChart } from './chart.js';

const OUTCOMES = [
  ['done', '#2da44e'], ['crashed', '#cf222e'], ['timeout', '#bc4c00'],
  ['cancelled', '#8250df'], ['expired', '#6e7781'],
];

function n(v) {
  return Number(v || 0);
}

function card(label, value, cls = '') {
  return el('div', { class: 'card ' + cls }, el('div', { class: 'value', 'data-stat': label }, String(value)),
    el('div', { class: 'label' }, label));
}

/** Rates per second between consecutive history samples. */
function rates(samples, pick) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].at - samples[i - 1].at) / 1000;
    const d = pick(samples[i]) - pick(samples[i - 1]);
    if (dt > 0 && d >= 0) out.push([samples[i].at, d / dt]);
  }
  return out;
}

export function overview(main) {
  const cards = el('div', { class: 'cards' });
  const charts = el('div', { class: 'charts' });
  const workers = el('div');
  main.replaceChildren(el('h1', {}, 'Overview'), cards,
    el('h2', {}, 'Last minutes'), charts, el('h2', {}, 'Workers'), workers);
  const stopStats = every(2000, async () => {
    const s = await api('/v1/stats');
    cards.replaceChildren(
      card('pending', n(s.pending)), card('running', n(s.running), 'running'),
      card('scheduled', n(s.scheduled)), card('blocked', n(s.blocked)),
      card('done', n(s.doneDone), 'done'), card('failed', n(s.doneCrashed) + n(s.doneTimeout), 'crashed'),
      card('cancelled', n(s.doneCancelled)), card('workers', n(s.workers)),
      card('busy slots', `${n(s.busySlots)} / ${n(s.slots)}`));
    const ws = (await api('/v1/workers')).workers || [];
    workers.replaceChildren(workerTable(ws, false));
  });
  const stopHistory = every(5000, async () => {
    const h = await api('/v1/history');
    const samples = h.samples || [];
    const finishedAll = x => Object.values(x.finished || {}).reduce((a, b) => a + n(b), 0);
    charts.replaceChildren(
      el('figure', {}, el('figcaption', {}, 'Throughput'), lineChart('Throughput', [
        { name: 'submitted', color: '#1f6feb', points: rates(samples, x => n(x.submitted)) },
        { name: 'finished', color: '#2da44e', points: rates(samples, finishedAll) },
      ], 'jobs/s')),
      el('figure', {}, el('figcaption', {}, 'Outcomes'), lineChart('Outcomes',
        OUTCOMES.map(([k, c]) => ({ name: k, color: c, points: rates(samples, x => n((x.finished || {})[k])) })),
        'jobs/s')),
      el('figure', {}, el('figcaption', {}, 'Queue'), lineChart('Queue', [
        { name: 'pending', color: '#bf8700', points: samples.map(x => [x.at, n(x.pending)]) },
        { name: 'running', color: '#1f6feb', points: samples.map(x => [x.at, n(x.running)]) },
        { name: 'scheduled', color: '#6e7781', points: samples.map(x => [x.at, n(x.scheduled)]) },
      ], 'jobs')));
  });
  return () => { stopStats(); stopHistory(); };
}

const STATES = ['', 'PENDING', 'RUNNING', 'SCHEDULED', 'BLOCKED', 'DONE'];

function jobRows(jobs) {
  return jobs.map(j => el('tr', { 'data-job': j.jobId },
    el('td', {}, jobLink(j.jobId)), el('td', {}, j.spec?.type || ''), el('td', {}, badge(j)),
    el('td', { class: 'num' }, n(j.spec?.priority)),
    el('td', { title: time(j.submittedAt) }, ago(j.submittedAt)),
    el('td', {}, j.startedAt ? duration(j.startedAt, j.finishedAt) : ''),
    el('td', {}, j.worker || ''),
    el('td', { class: 'detail' }, j.pendingReason || j.error || '')));
}

const JOB_HEADERS = ['Job', 'Type', 'State', 'Priority', 'Submitted', 'Ran', 'Worker', 'Detail'];

export function jobs(main, params) {
  const q = new URLSearchParams(params.query || '');
  const state = el('select', { name: 'state' }, STATES.map(s => el('option', { value: s, selected: q.get('state') === s }, s || 'any state')));
  const type = el('input', { name: 'type', placeholder: 'type', value: q.get('type') || '' });
  const label = el('input', { name: 'label', placeholder: 'label key=value', value: q.get('label') || '' });
  const id = el('input', { name: 'id', placeholder: 'go to job id' });
  const form = el('form', { class: 'filters' }, state, type, label,
    el('button', { type: 'submit' }, 'Filter'), id);
  form.addEventListener('submit', e => {
    e.preventDefault();
    if (id.value.trim()) { location.hash = '#/jobs/' + encodeURIComponent(id.value.trim()); return; }
    const p = new URLSearchParams();
    if (state.value) p.set('state', state.value);
    if (type.value.trim()) p.set('type', type.value.trim());
    if (label.value.trim()) p.set('label', label.value.trim());
    location.hash = '#/jobs' + (p.toString() ? '?' + p : '');
  });
  const body = el('div');
  const pager = el('div', { class: 'pager' });
  main.replaceChildren(el('h1', {}, 'Jobs'), form, body, pager);
  const tokens = [''];
  let page = 0;
  const load = async () => {
    const p = new URLSearchParams({ newest_first: 'true', page_size: '50' });
    if (q.get('state')) p.set('state', 'JOB_STATE_' + q.get('state'));
    if (q.get('type')) p.set('type', q.get('type'));
    const l = q.get('label');
    if (l) {
      const i = l.indexOf('=');
      p.set('labels.' + (i < 0 ? l : l.slice(0, i)), i < 0 ? '*' : l.slice(i + 1));
    }
    if (tokens[page]) p.set('page_token', tokens[page]);
    const r = await api('/v1/jobs?' + p);
    tokens[page + 1] = r.nextPageToken || '';
    body.replaceChildren(table(JOB_HEADERS, jobRows(r.jobs || []), 'No jobs match.'));
    pager.replaceChildren(
      el('button', { type: 'button', disabled: page === 0, onclick: () => { page--; load(); } }, '← Newer'),
      el('span', { class: 'muted' }, `page ${page + 1}`),
      el('button', { type: 'button', disabled: !r.nextPageToken, onclick: () => { page++; load(); } }, 'Older →'));
  };
  // The first page follows new jobs as they come; older pages stay put while read.
  return every(3000, () => (page === 0 ? load() : null));
}

function kv(rows) {
  return el('dl', { class: 'kv' }, rows.filter(r => r[1] !== '' && r[1] !== undefined && r[1] !== null)
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function job(main, params) {
  const id = params.id;
  const head = el('div', { class: 'jobhead' });
  const actions = el('div', { class: 'actions' });
  const details = el('div');
  const progress = el('div', { class: 'progress' });
  const log = el('pre', { class: 'log', id: 'log' });
  const live = el('span', { class: 'muted', id: 'live' }, 'connecting…');
  main.replaceChildren(el('h1', {}, 'Job ', el('span', { class: 'mono' }, id)), head, actions, progress,
    el('h2', {}, 'Log ', live), log, details);
  let current = null;

  const draw = j => {
    current = j;
    head.replaceChildren(badge(j), ' ', el('span', {}, j.spec?.type || ''),
      j.pendingReason ? el('span', { class: 'muted' }, ' — ' + j.pendingReason) : '',
      j.error ? el('span', { class: 'error' }, ' — ' + j.error) : '');
    const done = short(j.state) === 'DONE';
    actions.replaceChildren(
      may('submitter') && !done && short(j.state) !== 'UNKNOWN' ? button('Cancel', async () => {
        const r = await api(`/v1/jobs/${encodeURIComponent(id)}:cancel`, { method: 'POST', body: {} });
        return `cancelled: now ${short(r.state)} ${short(r.doneReason)}`;
      }, { confirm: `Cancel job ${id}?`, danger: true }) : '',
      may('submitter') && done ? button('Re-run', async () => {
        const r = await api(`/v1/jobs/${encodeURIComponent(id)}:rerun`, { method: 'POST', body: {} });
        location.hash = '#/jobs/' + encodeURIComponent(r.jobId);
      }) : '');
    if (j.progress !== undefined) {
      progress.replaceChildren(el('progress', { max: 1, value: j.progress }),
        ` ${Math.round(j.progress * 100)} % ${j.progressMessage || ''}`);
    }
    const spec = { ...j.spec };
    details.replaceChildren(
      el('h2', {}, 'Details'),
      kv([['Outcome', outcome(j)], ['Submitted', time(j.submittedAt)], ['Started', time(j.startedAt)],
        ['Finished', time(j.finishedAt)], ['Ran', j.startedAt ? duration(j.startedAt, j.finishedAt) : ''],
        ['Worker', j.worker], ['Attempt', j.attempt ? `${j.attempt} of ${j.maxAttempts || 1}` : ''],
        ['Exit code', j.exitCode], ['Next attempt', time(j.nextAttemptAt)],
        ['Re-run of', j.rerunOf ? jobLink(j.rerunOf) : ''], ['Schedule', j.scheduleId],
        ['Result', text(j.result)]]),
      (j.dependencies || []).length ? el('div', {}, el('h3', {}, 'Depends on'),
        table(['Job', 'Outcome'], j.dependencies.map(d => el('tr', {}, el('td', {}, jobLink(d.jobId)),
          el('td', {}, outcome(d)))))) : '',
      (j.attempts || []).length ? el('div', {}, el('h3', {}, 'Attempts'),
        table(['#', 'Worker', 'Started', 'Ran', 'Outcome', 'Error'], j.attempts.map(a => el('tr', {},
          el('td', {}, a.attempt), el('td', {}, a.worker || ''), el('td', {}, time(a.startedAt)),
          el('td', {}, duration(a.startedAt, a.finishedAt)), el('td', {}, short(a.doneReason)),
          el('td', { class: 'detail' }, a.error || ''))))) : '',
      j.stdoutTail ? el('div', {}, el('h3', {}, 'stdout (tail)'), el('pre', { class: 'tail' }, text(j.stdoutTail))) : '',
      j.stderrTail ? el('div', {}, el('h3', {}, 'stderr (tail)'), el('pre', { class: 'tail' }, text(j.stderrTail))) : '',
      !j.stdoutTail && j.outputTail ? el('div', {}, el('h3', {}, 'Output (tail)'), el('pre', { class: 'tail' }, text(j.outputTail))) : '',
      el('h3', {}, 'Spec'), el('pre', { class: 'spec' }, JSON.stringify(spec, null, 2)));
  };

  const url = `/v1/jobs/${encodeURIComponent(id)}/events?follow=true` +
    (token() ? '&access_token=' + encodeURIComponent(token()) : '');
  const events = new EventSource(url);
  events.addEventListener('open', () => {
    // A (re)connected watch starts over with the retained events.
    log.replaceChildren();
    live.textContent = 'live';
  });
  events.addEventListener('JobEvent', m => {
    const e = JSON.parse(m.data);
    if (e.state) draw(e.state);
    else if (e.logLine !== undefined) {
      log.append(el('div', { class: 'line ' + (e.stream || '') }, el('span', { class: 'at' }, time(e.at)), ' ', e.logLine));
      log.scrollTop = log.scrollHeight;
    } else if (e.progress && current) {
      draw({ ...current, progress: e.progress.fraction || 0, progressMessage: e.progress.message });
    } else if (e.skipped) {
      log.append(el('div', { class: 'line muted' }, `(${e.skipped} events skipped)`));
    }
  });
  events.addEventListener('end', () => {
    events.close();
    live.textContent = 'ended';
  });
  events.addEventListener('error', m => {
    if (m.data) {
      events.close();
      const err = JSON.parse(m.data).error || {};
      live.textContent = '';
      if (err.status === 'NOT_FOUND' || err.code === 404) head.replaceChildren(el('span', { class: 'error' }, err.message));
      else show(err.message || 'the event stream failed');
    } else {
      live.textContent = 'reconnecting…';
    }
  });
  // The watch ends when the job is done; the page still shows the job afterwards.
  api(`/v1/jobs/${encodeURIComponent(id)}`).then(j => { if (!current) draw(j); }).catch(e => show(e.message));
  return () => events.close();
}

function workerTable(ws, buttons) {
  return table(['Worker', 'Host', 'Types', 'Slots', 'Running', 'Stuck', 'Unsent', 'Labels', 'Heartbeat', ''],
    ws.map(w => el('tr', { 'data-worker': w.name },
      el('td', {}, w.name, w.draining ? el('span', { class: 'badge draining' }, 'draining') : ''),
      el('td', {}, w.host || ''), el('td', {}, (w.jobTypes || []).join(', ')),
      el('td', { class: 'num' }, n(w.slots)), el('td', { class: 'num' }, (w.runningJobIds || []).length),
      el('td', { class: 'num ' + (n(w.stuckSlots) ? 'error' : '') }, n(w.stuckSlots)),
      el('td', { class: 'num' }, n(w.unsentLeases)),
      el('td', {}, Object.entries(w.labels || {}).map(([k, v]) => `${k}=${v}`).join(' ')),
      el('td', {}, ago(w.lastHeartbeatAt)),
      el('td', {}, buttons && may('operator') ? [
        w.draining ? '' : button('Drain', async () => {
          await api(`/v1/workers/${encodeURIComponent(w.name)}:stop`, { method: 'POST', body: { drain: true } });
          return `${w.name} is draining`;
        }, { confirm: `Drain ${w.name}? It finishes its running jobs and leaves.` }),
        button('Stop', async () => {
          const r = await api(`/v1/workers/${encodeURIComponent(w.name)}:stop`, { method: 'POST', body: {} });
          return `${w.name} stopped; cancelled ${(r.cancelledJobIds || []).length} jobs`;
        }, { confirm: `Stop ${w.name}? Its running jobs are cancelled.`, danger: true })] : ''))),
    'No workers connected.');
}

export function workers(main) {
  const body = el('div');
  main.replaceChildren(el('h1', {}, 'Workers'), body);
  return every(2000, async () => body.replaceChildren(workerTable((await api('/v1/workers')).workers || [], true)));
}

export function schedules(main) {
  const body = el('div');
  main.replaceChildren(el('h1', {}, 'Schedules'), body);
  const act = (s, verb) => button(verb[0].toUpperCase() + verb.slice(1), async () => {
    await api(`/v1/schedules/${encodeURIComponent(s.scheduleId)}:${verb}`, { method: 'POST', body: {} });
    return `${s.scheduleId}: ${verb} done`;
  });
  return every(3000, async () => {
    const ss = (await api('/v1/schedules?page_size=1000')).schedules || [];
    body.replaceChildren(table(['Schedule', 'When', 'Type', 'Next fires', 'Last job', ''],
      ss.map(s => el('tr', { 'data-schedule': s.scheduleId },
        el('td', {}, s.scheduleId, s.paused ? el('span', { class: 'badge paused' }, 'paused') : ''),
        el('td', { class: 'mono' }, s.cron ? `${s.cron} ${s.timeZone || 'UTC'}` : `every ${s.interval}`),
        el('td', {}, s.job?.type || ''), el('td', {}, (s.nextFireTimes || []).slice(0, 2).map(time).join(', ')),
        el('td', {}, s.lastJobId ? jobLink(s.lastJobId) : ''),
        el('td', {}, may('submitter') ? [s.paused ? act(s, 'resume') : act(s, 'pause'), act(s, 'trigger')] : ''))),
      'No schedules.'));
  });
}

export function dead(main) {
  const body = el('div');
  main.replaceChildren(el('h1', {}, 'Dead set'),
    el('p', { class: 'muted' }, 'Jobs that failed for good, with no attempt left.'), body);
  return every(5000, async () => {
    const r = await api('/v1/jobs?retries_exhausted=true&newest_first=true&page_size=200');
    body.replaceChildren(table(['Job', 'Type', 'Outcome', 'Attempts', 'Finished', 'Error', ''],
      (r.jobs || []).map(j => el('tr', { 'data-job': j.jobId },
        el('td', {}, jobLink(j.jobId)), el('td', {}, j.spec?.type || ''), el('td', {}, badge(j)),
        el('td', { class: 'num' }, n(j.attempt)), el('td', {}, ago(j.finishedAt)),
        el('td', { class: 'detail' }, j.error || ''),
        el('td', {}, may('submitter') ? button('Re-run', async () => {
          const x = await api(`/v1/jobs/${encodeURIComponent(j.jobId)}:rerun`, { method: 'POST', body: {} });
          return `re-run as ${x.jobId}`;
        }) : ''))),
      'The dead set is empty.'));
  });
}
