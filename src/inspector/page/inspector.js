// The inspector page: follows the node's Server-Sent Events, keeps a table of actors, and shows
// the one the user picked: its chart with the active states lit, its context, and the event log.
/* global document, EventSource, requestAnimationFrame */
import { highlight, layoutChart, renderChart } from './chart.js';
import { EventLog, renderContext } from './panels.js';

const $ = (selector) => document.querySelector(selector);

const view = {
  instance: null,
  lastSeq: 0,
  /** sessionId → { sessionId, rootId, parentId, id, machine, snapshot } */
  actors: new Map(),
  /** definition key → Promise of the laid-out chart */
  charts: new Map(),
  selected: null,
  /** The machine key whose chart is on screen. */
  drawn: null,
  userPicked: false,
  /** The latest event records of every actor, so the log can be redrawn for another selection. */
  events: [],
};
const MAX_EVENTS = 2000;

const svg = $('#chart');
const log = new EventLog($('#log'), {
  actorName,
  filterInput: $('#filter'),
  typeList: $('#event-types'),
});

function actorName(sessionId) {
  if (!sessionId) return 'outside';
  const actor = view.actors.get(sessionId);
  if (!actor) return sessionId;
  if (actor.machine && !actor.parentId) return `${actor.machine}`;
  return actor.id;
}

/** How an actor is listed: its machine, and for peers the address it talks to. */
function actorLabel(actor) {
  const options = actor.snapshot?.context?.options;
  const where = options?.host ? ` ${options.host}:${options.port}` : '';
  const status = actor.snapshot && actor.snapshot.status !== 'active' ? ` (${actor.snapshot.status})` : '';
  return `${actor.parentId ? '↳ ' : ''}${actor.machine}${where} · ${actor.sessionId}${status}`;
}

/** Is this actor the selected one or one of its descendants (its socket, its codec)? */
function inSelection(sessionId) {
  for (let actor = view.actors.get(sessionId); actor; actor = view.actors.get(actor.parentId)) {
    if (actor.sessionId === view.selected) return true;
    if (!actor.parentId) break;
  }
  return false;
}

function shownInLog(record) {
  return $('#all-actors').checked || inSelection(record.sessionId) || inSelection(record.sourceId);
}

function redrawLog() {
  log.clear();
  for (const record of view.events) if (shownInLog(record)) log.add(record);
}

function chartFor(key) {
  if (!view.charts.has(key)) {
    const promise = fetch(`machines/${encodeURIComponent(key)}.json`)
      .then((response) => {
        if (!response.ok) throw new Error(`machine ${key}: ${response.status}`);
        return response.json();
      })
      .then((definition) => layoutChart(definition));
    promise.catch(() => view.charts.delete(key));
    view.charts.set(key, promise);
  }
  return view.charts.get(key);
}

function refreshActorList() {
  const select = $('#actor');
  const machines = [...view.actors.values()].filter((a) => a.machine);
  const options = machines.map((a) => {
    const option = document.createElement('option');
    option.value = a.sessionId;
    option.textContent = actorLabel(a);
    option.selected = a.sessionId === view.selected;
    return option;
  });
  select.replaceChildren(...options);
  select.disabled = machines.length === 0;
  $('#actor-count').textContent = `${machines.length} machine actor${machines.length === 1 ? '' : 's'}`;
}

/** Picks the first running root machine, unless the user chose one. */
function autoSelect() {
  if (view.userPicked && view.actors.has(view.selected)) return;
  const machines = [...view.actors.values()].filter((a) => a.machine);
  const pick =
    machines.find((a) => !a.parentId && a.snapshot?.status === 'active') ??
    machines.find((a) => !a.parentId) ??
    machines[0];
  if (pick && pick.sessionId !== view.selected) select(pick.sessionId, false);
}

async function select(sessionId, byUser) {
  const changed = view.selected !== sessionId;
  view.selected = sessionId;
  view.userPicked ||= byUser;
  refreshActorList();
  if (changed) redrawLog();
  const actor = view.actors.get(sessionId);
  if (!actor?.machine) return;
  if (view.drawn !== actor.machine) {
    view.drawn = actor.machine;
    document.body.dataset.chart = 'layout';
    $('#chart-note').textContent = 'laying out…';
    try {
      const layout = await chartFor(actor.machine);
      if (view.drawn !== actor.machine) return;
      renderChart(svg, layout);
      fitChart();
      document.body.dataset.chart = 'ready';
      $('#chart-note').textContent = '';
    } catch (error) {
      view.drawn = null;
      document.body.dataset.chart = 'error';
      $('#chart-note').textContent = String(error);
      return;
    }
  }
  // Read again: snapshots went on arriving while ELK was busy.
  showSnapshot(view.actors.get(view.selected)?.snapshot ?? null, []);
}

/** The innermost active states, as `link.connected.idle`, for the status line. */
function activeLabel(snapshot) {
  const ids = snapshot?.active ?? [];
  const leaves = ids.filter((id) => !ids.some((other) => other.startsWith(`${id}.`)));
  const root = ids[0] ?? '';
  return leaves.map((id) => id.slice(root.length + 1) || id).join(', ');
}

function showSnapshot(snapshot, taken) {
  const label = activeLabel(snapshot);
  $('#active').textContent = label || '—';
  svg.dataset.active = (snapshot?.active ?? []).join(' ');
  if (document.body.dataset.chart === 'ready') highlight(svg, snapshot?.active ?? [], taken);
  renderContext($('#context'), snapshot, label);
}

function onRecord(record) {
  if (record.seq <= view.lastSeq) return;
  view.lastSeq = record.seq;
  document.body.dataset.seq = String(record.seq);
  switch (record.kind) {
    case 'actor': {
      const known = view.actors.get(record.sessionId);
      view.actors.set(record.sessionId, { ...record, snapshot: known?.snapshot ?? null });
      if (record.machine) {
        refreshActorList();
        autoSelect();
      }
      return;
    }
    case 'snapshot': {
      const actor = view.actors.get(record.sessionId);
      if (!actor) return;
      const statusChanged = actor.snapshot?.status !== record.status;
      actor.snapshot = record;
      if (actor.machine && statusChanged) {
        refreshActorList();
        autoSelect();
      }
      if (record.sessionId === view.selected) showSnapshot(record, record.transitions);
      return;
    }
    case 'event':
      view.events.push(record);
      if (view.events.length > MAX_EVENTS) view.events.shift();
      if (shownInLog(record)) log.add(record);
      return;
  }
}

function onHello(hello) {
  // A new server (the node restarted) numbers its records from 1 again: start over.
  if (hello.instance !== view.instance) {
    view.instance = hello.instance;
    view.lastSeq = 0;
    view.actors.clear();
    view.events = [];
    log.clear();
  }
  for (const actor of hello.actors) {
    const known = view.actors.get(actor.sessionId);
    if (!known || (actor.snapshot?.seq ?? 0) >= (known.snapshot?.seq ?? 0)) view.actors.set(actor.sessionId, actor);
  }
  refreshActorList();
  autoSelect();
  const current = view.actors.get(view.selected);
  if (current) showSnapshot(current.snapshot, []);
}

function connect() {
  const source = new EventSource('events');
  const status = $('#stream');
  source.onopen = () => {
    status.textContent = 'live';
    status.className = 'live';
    document.body.dataset.stream = 'open';
  };
  source.onerror = () => {
    status.textContent = 'disconnected: the node has stopped, or is restarting';
    status.className = 'down';
    document.body.dataset.stream = 'closed';
  };
  source.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.kind === 'hello') onHello(data);
    else if (data.kind === 'gap') $('#gap').textContent = `${data.dropped} events skipped (the page fell behind)`;
    else onRecord(data);
  };
}

let zoom = null;
function fitChart() {
  const width = Number(svg.dataset.width || 0);
  const available = $('#chart-box').clientWidth - 16;
  setZoom(width > 0 ? Math.min(1, available / width) : 1);
}

function setZoom(value) {
  zoom = Math.max(0.2, Math.min(3, value));
  const width = Number(svg.dataset.width || 0);
  if (width > 0) svg.style.width = `${Math.round(width * zoom)}px`;
  $('#zoom').textContent = `${Math.round(zoom * 100)}%`;
}

$('#actor').addEventListener('change', (e) => select(e.target.value, true));
$('#all-actors').addEventListener('change', () => redrawLog());
$('#zoom-in').addEventListener('click', () => setZoom((zoom ?? 1) * 1.25));
$('#zoom-out').addEventListener('click', () => setZoom((zoom ?? 1) / 1.25));
$('#zoom-fit').addEventListener('click', () => fitChart());
requestAnimationFrame(connect);
