// The inspector page: follows the node's Server-Sent Events, keeps a table of actors, and shows
// the one the user picked: its headline, its chart with the active states lit, its context, and
// the event log.
/* global CSS, document, EventSource, requestAnimationFrame */
import { actorLabel, pickerOrder, shortName } from './actors.js';
import { highlight, layoutChart, renderChart } from './chart.js';
import { EventLog } from './event-log.js';
import { HeadlineView } from './headline.js';
import { renderContext } from './panels.js';

const $ = (selector) => document.querySelector(selector);

const view = {
  instance: null,
  lastSeq: 0,
  /** The node's clock minus ours, from its hello: countdowns use the node's time. */
  skew: 0,
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
const scroller = $('.scroller');
const headline = new HeadlineView($('#headline'), () => Date.now() + view.skew);
const log = new EventLog($('#log'), {
  name: (sessionId) => shortName(view.actors.get(sessionId), sessionId),
  isMachine: (sessionId) => Boolean(view.actors.get(sessionId)?.machine),
  filterInput: $('#filter'),
  plumbingToggle: $('#plumbing'),
  typeList: $('#event-types'),
});

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

/** Running machines first, each followed by its children; finished ones in their own group. */
function refreshActorList() {
  const select = $('#actor');
  const ordered = pickerOrder(view.actors);
  const option = ({ actor, depth }) => {
    const element = document.createElement('option');
    element.value = actor.sessionId;
    element.textContent = `${'\u00a0\u00a0'.repeat(depth)}${actorLabel(actor)}`;
    element.selected = actor.sessionId === view.selected;
    return element;
  };
  const running = ordered.filter(({ actor }) => !actor.snapshot || actor.snapshot.status === 'active');
  const finished = ordered.filter(({ actor }) => actor.snapshot && actor.snapshot.status !== 'active');
  const children = running.map(option);
  if (finished.length > 0) {
    const group = document.createElement('optgroup');
    group.label = `finished (${finished.length})`;
    group.append(...finished.map(({ actor }) => option({ actor, depth: 0 })));
    children.push(group);
  }
  select.replaceChildren(...children);
  select.disabled = ordered.length === 0;
  $('#actor-count').textContent = `${running.length} running${finished.length ? `, ${finished.length} finished` : ''}`;
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
      setZoom(legibleZoom());
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
  showSnapshot(view.actors.get(view.selected)?.snapshot ?? null, [], true);
}

/** The innermost active states, as `session.link.connected.idle`, for the line under the headline. */
function activeLabel(snapshot) {
  const ids = snapshot?.active ?? [];
  const leaves = ids.filter((id) => !ids.some((other) => other.startsWith(`${id}.`)));
  const root = ids[0] ?? '';
  return leaves.map((id) => id.slice(root.length + 1) || id).join(', ');
}

let shownLeaves = '';
function showSnapshot(snapshot, taken, jump = false) {
  const label = activeLabel(snapshot);
  $('#active').textContent = label || '—';
  headline.show(snapshot?.headline ?? null);
  svg.dataset.active = (snapshot?.active ?? []).join(' ');
  if (document.body.dataset.chart === 'ready') {
    highlight(svg, snapshot?.active ?? [], taken);
    if (jump || label !== shownLeaves) keepActiveInView();
  }
  shownLeaves = label;
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
      const firstSnapshot = !actor.snapshot;
      actor.snapshot = record;
      // A peer's address is in its first snapshot's context: the picker can name it now.
      if (actor.machine && (statusChanged || firstSnapshot)) {
        refreshActorList();
        autoSelect();
      }
      if (record.sessionId === view.selected) showSnapshot(record, record.transitions);
      return;
    }
    case 'event':
    case 'emitted':
      view.events.push(record);
      if (view.events.length > MAX_EVENTS) view.events.shift();
      if (shownInLog(record)) log.add(record);
      return;
  }
}

function onHello(hello) {
  if (typeof hello.time === 'number') view.skew = hello.time - Date.now();
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

// ---- zoom and scrolling ----------------------------------------------------------------------

/** State names are drawn at 13 px: at this zoom they are 11.5 px on screen, a little over the least that reads well. */
const LEGIBLE = 11.5 / 13;
let zoom = 1;
/** Until when a scroll of the user's own keeps the chart from following the active state. */
let userScrolledUntil = 0;
/** Set while the page scrolls by itself, so that its own scrolling is not taken for the user's. */
let scrolling = false;

/** The zoom the chart opens at: the whole width if that is still legible, else legible and scrolled. */
function legibleZoom() {
  const width = Number(svg.dataset.width || 0);
  const available = scroller.clientWidth - 16;
  const fit = width > 0 ? available / width : 1;
  return Math.min(1, Math.max(LEGIBLE, fit));
}

function fitWhole() {
  const width = Number(svg.dataset.width || 0);
  const height = Number(svg.dataset.height || 0);
  if (!width || !height) return;
  setZoom(Math.min((scroller.clientWidth - 16) / width, (scroller.clientHeight - 16) / height, 1));
}

function setZoom(value) {
  zoom = Math.max(0.2, Math.min(3, value));
  const width = Number(svg.dataset.width || 0);
  if (width > 0) svg.style.width = `${Math.round(width * zoom)}px`;
  $('#zoom').textContent = `${Math.round(zoom * 100)}%`;
  document.body.dataset.zoom = zoom.toFixed(3);
}

/**
 * Scrolls so the innermost active state is in view, with as much of its active ancestors as fits
 * (`connected` around `idle`), unless the user is looking elsewhere.
 */
function keepActiveInView() {
  if (Date.now() < userScrolledUntil) return;
  // The deepest active leaf: in a parallel state, the lifecycle's (`link.connected.idle`), not the
  // region that only watches traffic.
  const leaves = [...svg.querySelectorAll('g.state.active-leaf')];
  const depth = (g) => g.dataset.id.split('.').length;
  const deepest = leaves.sort((a, b) => depth(b) - depth(a))[0];
  if (!deepest) return;
  const frame = scroller.getBoundingClientRect();
  const fits = (box) => box.width <= frame.width - 16 && box.height <= frame.height - 16;
  const boxOf = (id) => svg.querySelector(`g.state[data-id="${CSS.escape(id)}"] > rect`)?.getBoundingClientRect();
  let box = deepest.querySelector(':scope > rect').getBoundingClientRect();
  const parts = deepest.dataset.id.split('.');
  for (let n = parts.length - 1; n > 1; n--) {
    const outer = boxOf(parts.slice(0, n).join('.'));
    if (!outer || !fits(outer)) break;
    box = outer;
  }
  const inView = box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom;
  if (inView) return;
  scrolling = true;
  scroller.scrollBy({
    left: box.left + box.width / 2 - (frame.left + frame.width / 2),
    top: box.top + box.height / 2 - (frame.top + frame.height / 2),
  });
  requestAnimationFrame(() => (scrolling = false));
}

for (const type of ['wheel', 'pointerdown', 'keydown']) {
  scroller.addEventListener(type, () => {
    if (!scrolling) userScrolledUntil = Date.now() + 15_000;
  });
}

$('#actor').addEventListener('change', (e) => select(e.target.value, true));
$('#all-actors').addEventListener('change', () => redrawLog());
$('#zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
$('#zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
$('#zoom-fit').addEventListener('click', () => fitWhole());
requestAnimationFrame(connect);
