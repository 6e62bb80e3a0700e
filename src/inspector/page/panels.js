// The panels beside the chart: the selected actor's context, and the log of events.
/* global document, requestAnimationFrame */

const MAX_ROWS = 1500;

export function clock(time) {
  const d = new Date(time);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function row(label, value) {
  return [h('dt', {}, label), h('dd', {}, value === null || value === undefined ? '—' : String(value))];
}

/**
 * The context panel. Peers get their fields by name (retries, the remote's version, RTT, the
 * last disconnect); every machine's whole context is there too, folded.
 */
export function renderContext(container, snapshot, activeLabel) {
  const context = snapshot?.context ?? null;
  const list = h('dl', { class: 'facts' });
  list.append(...row('state', activeLabel || '—'), ...row('status', snapshot?.status ?? '—'));
  if (context && typeof context === 'object') {
    if ('retries' in context) {
      const of = 'maxRetries' in context ? ` of ${context.maxRetries}` : '';
      list.append(...row('retries', `${context.retries}${of}`));
    }
    if ('attempts' in context) list.append(...row('attempts', context.attempts));
    const options = context.options ?? {};
    if (options.host) list.append(...row('peer', `${options.host}:${options.port} (${options.network ?? ''}, ${options.role ?? ''})`));
    const remote = context.remote;
    if (remote) {
      list.append(
        ...row('user agent', remote.userAgent),
        ...row('version', remote.version),
        ...row('services', remote.services),
        ...row('height', remote.startHeight),
      );
    }
    const rtt = context.rtt;
    const ms = (value) => `${Number(value).toFixed(1)} ms`;
    if (rtt) list.append(...row('rtt', rtt.lastMs === null ? null : `${ms(rtt.lastMs)} (min ${ms(rtt.minMs)})`));
    const last = context.lastDisconnect;
    if (last) list.append(...row('last disconnect', `${last.reason}: ${last.message}`));
  }
  const raw = h('details', { class: 'raw' }, h('summary', {}, 'full context'), h('pre', {}, JSON.stringify(context, null, 2)));
  container.replaceChildren(list, raw);
}

/** A short description of an event for its log row: the P2P message, or the size of the bytes. */
function detail(record) {
  const e = record.event ?? {};
  if (record.eventType.startsWith('payload.')) return `← ${record.eventType.slice('payload.'.length)}`;
  if (record.eventType.startsWith('xstate.after.')) return `after ${record.eventType.split('.')[2]}`;
  if (record.eventType === 'codec.frame') return `→ ${e.command ?? ''}${e.bytes?.bytes ? ` (${e.bytes.bytes} bytes)` : ''}`;
  if (record.eventType === 'socket.data') return `${e.chunk?.bytes ?? '?'} bytes`;
  if (e.type === 'send' && e.message?.command) return `send ${e.message.command}`;
  if (e.type === 'write' && e.bytes?.bytes) return `${e.bytes.bytes} bytes`;
  if (e.reason) return String(e.reason);
  return '';
}

/** Whitespace-separated terms: an event shows if it contains every plain term and no `-term`. */
export function matchesFilter(type, filter) {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const t = type.toLowerCase();
  return terms.every((term) => (term.startsWith('-') ? !t.includes(term.slice(1)) : t.includes(term)));
}

export class EventLog {
  constructor(list, { actorName, filterInput, typeList }) {
    this.list = list;
    this.actorName = actorName;
    this.filterInput = filterInput;
    this.typeList = typeList;
    this.types = new Set();
    this.pending = [];
    filterInput.addEventListener('input', () => this.applyFilter());
  }

  clear() {
    this.pending = [];
    this.list.replaceChildren();
  }

  /** Queues a row; rows are added once per frame, however fast events arrive. */
  add(record) {
    this.pending.push(record);
    if (this.pending.length === 1) requestAnimationFrame(() => this.flush());
  }

  flush() {
    const atBottom = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 24;
    const filter = this.filterInput.value;
    const fragment = document.createDocumentFragment();
    for (const record of this.pending.splice(0)) {
      this.rememberType(record.eventType);
      const item = h(
        'li',
        { class: 'event', 'data-type': record.eventType, title: JSON.stringify(record.event, null, 2) },
        h('time', {}, clock(record.time)),
        h('span', { class: 'route' }, `${this.actorName(record.sourceId)} → ${this.actorName(record.sessionId)}`),
        h('span', { class: 'type' }, record.eventType),
        h('span', { class: 'detail' }, detail(record)),
      );
      item.hidden = !matchesFilter(record.eventType, filter);
      fragment.append(item);
    }
    this.list.append(fragment);
    while (this.list.childElementCount > MAX_ROWS) this.list.firstElementChild.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  rememberType(type) {
    if (this.types.has(type)) return;
    this.types.add(type);
    this.typeList.append(h('option', { value: type }));
  }

  applyFilter() {
    const filter = this.filterInput.value;
    for (const item of this.list.children) item.hidden = !matchesFilter(item.dataset.type, filter);
  }
}
