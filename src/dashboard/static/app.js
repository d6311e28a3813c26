/* global document, EventSource, Node */
// The dashboard page: one EventSource on /events; each message is a whole snapshot of the cluster
// (see src/dashboard/collect.ts), rendered into the sections of index.html.
import { renderGraph } from './graph.js';

const $ = (sel) => document.querySelector(sel);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

const fmtBytes = (b) => (b === null ? '–' : b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)} GiB` : `${(b / (1 << 20)).toFixed(0)} MiB`);
const fmtPct = (p) => (p === null ? '–' : `${p.toFixed(0)}%`);
const fmtNum = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
function fmtDuration(s) {
  if (s === null) return '–';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
const fmtTime = (ms) => new Date(ms).toLocaleTimeString('en-GB');

function renderNodes(nodes) {
  const rows = nodes.map((n) =>
    h(
      'tr',
      { 'data-node': n.id, 'data-state': n.state },
      h('td', {}, n.id),
      h('td', { class: `state ${n.state}` }, n.state),
      h('td', { class: 'num' }, n.pid ?? '–'),
      h('td', { class: 'num' }, fmtDuration(n.uptimeSeconds)),
      h('td', { class: 'num' }, n.restarts),
      h('td', { class: 'num' }, fmtPct(n.cpuPercent)),
      h('td', { class: 'num' }, fmtBytes(n.rssBytes)),
    ),
  );
  $('#nodes tbody').replaceChildren(...rows);
  const alive = nodes.filter((n) => n.state === 'alive').length;
  $('#counts').textContent = `${alive}/${nodes.length} nodes alive`;
}

const STAGE_ORDER = ['source', 'tx-filter', 'item-filter', 'q1-sort', 'q2-agg', 'q3-agg', 'q4-count', 'q4-top'];

function renderSessions(sessions) {
  if (sessions.length === 0) {
    $('#sessions').replaceChildren(h('p', { class: 'empty' }, 'no session'));
    return;
  }
  const cards = sessions.map((s) => {
    const stages = STAGE_ORDER.filter((name) => s.stages[name]).map((name) => {
      const st = s.stages[name];
      const frac = st.closed ? 1 : st.expected ? Math.min(1, st.received / st.expected) : 0;
      const label = name === 'source' ? 'from client' : name;
      return h(
        'div',
        { class: `stage${st.closed ? ' closed' : ''}`, 'data-stage': name, 'data-received': st.received },
        h('span', {}, `${label}: ${st.received}/${st.expected ?? '?'}`),
        h('div', { class: 'bar' }, h('div', { style: `width:${(frac * 100).toFixed(1)}%` })),
        h('small', {}, st.closed ? 'closed' : `waiting for ${st.waitingFor}`),
      );
    });
    const pct = s.sourceProgress === null ? '–' : `${(s.sourceProgress * 100).toFixed(0)}%`;
    return h(
      'div',
      { class: 'session', 'data-session': s.id, 'data-rows': s.rows },
      h(
        'div',
        { class: 'head' },
        h('code', {}, s.id),
        h('span', {}, `controller ${s.controller}`),
        h('span', {}, `sent ${pct}`),
        h('span', { class: 'rows' }, `${fmtNum(s.rows)} rows`),
        h('span', {}, `${fmtNum(s.rowsPerSecond)} rows/s`),
        h('span', {}, s.complete ? 'complete: delivering reports' : 'running'),
      ),
      h('div', { class: 'stages' }, ...stages),
    );
  });
  $('#sessions').replaceChildren(...cards);
}

function renderQueues(queues) {
  const rows = queues.map((q) => h('tr', {}, h('td', {}, q.queue), h('td', { class: 'num' }, q.depth === null ? '–' : fmtNum(q.depth))));
  $('#queues tbody').replaceChildren(...rows);
}

function renderTimeline(entries) {
  const items = entries.map((e) =>
    h('li', { class: e.type, 'data-type': e.type, 'data-node': e.id }, h('time', {}, fmtTime(e.at)), e.text),
  );
  $('#timeline').replaceChildren(...items);
}

// What each section last showed: a section whose data did not change is not rebuilt, so an idle
// cluster costs the browser (and the machine it shares with the pipeline) next to nothing.
const shown = new Map();
function update(name, data, draw) {
  const key = JSON.stringify(data);
  if (shown.get(name) === key) return;
  shown.set(name, key);
  draw(data);
}

function render(snap) {
  $('#cluster-name').textContent = `· ${snap.name}`;
  $('#leader').textContent = snap.leader ?? 'none';
  update('graph', snap.stages, (stages) => renderGraph($('#graph'), stages));
  update('nodes', snap.nodes, renderNodes);
  update('sessions', snap.sessions, renderSessions);
  update('queues', snap.queues, renderQueues);
  update('timeline', snap.timeline, renderTimeline);
}

// A tab in the background does not listen: the server stops collecting once no page listens.
let source = null;
function listen() {
  source = new EventSource('/events');
  source.onopen = () => {
    $('#conn').textContent = 'live';
    $('#conn').className = 'conn on';
  };
  source.onerror = () => {
    $('#conn').textContent = 'reconnecting…';
    $('#conn').className = 'conn off';
  };
  source.onmessage = (ev) => render(JSON.parse(ev.data));
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    source?.close();
    source = null;
    $('#conn').textContent = 'paused (tab hidden)';
    $('#conn').className = 'conn off';
  } else if (source === null) listen();
});
listen();
