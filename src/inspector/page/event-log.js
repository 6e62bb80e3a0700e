// The event log: by default what a person follows (messages in and out, lifecycle changes,
// disconnects, commands from outside); the plumbing underneath (socket bytes, codec sends and
// writes, timers, raw payload events, snapshots of children) one toggle away.
/* global document, requestAnimationFrame */

const MAX_ROWS = 1500;

/** Emitted events a person follows; every other one is plumbing (rtt, handshake, addresses, status…). */
const FOLLOWED_EMITS = new Set(['message', 'state', 'disconnect', 'dropped', 'send-rejected', 'peer-stopped', 'node']);

/** `hh:mm:ss.mmm` in the browser's time zone. */
export function clock(time) {
  const d = new Date(time);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** An element with attributes (`class`, `data-*`, or properties) and children; null children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** A list's length before the node cut it (it sends 50 items and `… N more`). */
function listLength(list) {
  const cut = /^… (\d+) more$/.exec(String(list.at(-1)));
  return cut ? list.length - 1 + Number(cut[1]) : list.length;
}

const count = (list, word) => {
  if (!Array.isArray(list)) return '';
  const n = listLength(list);
  return `${n} ${n === 1 ? word : word.endsWith('s') ? `${word}es` : `${word}s`}`;
};

/** A few words on a message's payload: who a `version` is from, how many items a list holds. */
function payloadSummary(command, payload) {
  if (!payload || typeof payload !== 'object') return '';
  if (command === 'version') return [payload.userAgent, payload.version, payload.startHeight !== undefined ? `height ${payload.startHeight}` : ''].filter(Boolean).join(' ');
  if (command === 'addr' || command === 'addrv2') return count(payload.addresses, 'address');
  if (command === 'inv' || command === 'getdata' || command === 'notfound') return count(payload.items, 'item');
  if (command === 'headers') return count(payload.headers, 'header');
  if (payload.bytes !== undefined) return `${payload.bytes} bytes`;
  return '';
}

/** A plumbing event's detail: the P2P message, or the size of the bytes. */
function plumbingDetail(record) {
  const e = record.event ?? {};
  if (record.eventType.startsWith('payload.')) return `← ${record.eventType.slice('payload.'.length)}`;
  if (record.eventType.startsWith('xstate.after.')) return `after ${record.eventType.split('.')[2]}`;
  if (record.eventType === 'socket.data') return `${e.chunk?.bytes ?? '?'} bytes`;
  if (e.type === 'send' && e.command) return `→ ${e.command}${e.payload?.bytes !== undefined ? ` (${e.payload.bytes} bytes payload)` : ''}`;
  if (e.type === 'write' && e.bytes?.bytes !== undefined) return `${e.bytes.bytes} bytes`;
  if (e.type === 'bytes' && e.chunk?.bytes !== undefined) return `${e.chunk.bytes} bytes`;
  if (e.reason) return String(e.reason);
  return '';
}

/**
 * What one record shows in the log: `what` (the message or the state), `detail`, the route, and
 * whether it is plumbing. Records are events sent between actors, or events a machine emitted.
 */
export function describeRecord(record, name, isMachine = () => true) {
  const e = record.event ?? {};
  if (record.kind === 'emitted') {
    const base = { route: name(record.sessionId), plumbing: !FOLLOWED_EMITS.has(record.eventType) };
    switch (record.eventType) {
      case 'message': {
        const arrow = e.direction === 'in' ? '←' : '→';
        // A command the codec does not decode comes as command 'unknown' with its wire name.
        const command = e.command === 'unknown' ? e.name : e.command;
        return { ...base, what: `${arrow} ${command}`, detail: payloadSummary(command, e.payload), css: `message ${e.direction}` };
      }
      case 'state':
        return { ...base, what: String(e.state), detail: e.reason ? `after ${e.reason}` : e.retries ? `retries ${e.retries}` : '', css: 'lifecycle' };
      case 'disconnect':
        return { ...base, what: 'disconnect', detail: `${e.reason}${e.message ? `: ${e.message}` : ''}`, css: 'disconnect' };
      case 'dropped':
        return { ...base, what: 'dropped', detail: e.error?.message ?? '', css: 'disconnect' };
      case 'send-rejected':
        return { ...base, what: `send ${e.command} refused`, detail: e.why ?? '', css: 'disconnect' };
      case 'peer-stopped':
        return { ...base, what: 'peer stopped', detail: `${e.address}: ${e.output?.reason ?? ''}`, css: 'lifecycle' };
      case 'node':
        return { ...base, what: 'node', detail: `${e.record?.address ?? ''} ${e.record?.reachable ? 'reachable' : (e.record?.error ?? '')}`, css: '' };
      case 'rtt':
        return { ...base, what: 'rtt', detail: `${Number(e.lastMs).toFixed(1)} ms`, css: '' };
      default:
        return { ...base, what: record.eventType, detail: '', css: '' };
    }
  }
  // No source: the embedder (CONNECT, STOP, SEND to a machine, what a person did), or a callback
  // actor writing straight to another (the codec to its socket), which XState cannot name.
  const command = !record.sourceId && isMachine(record.sessionId) && !record.eventType.startsWith('xstate.');
  const route = `${record.sourceId || command ? name(record.sourceId) : '·'} → ${name(record.sessionId)}`;
  if (command) {
    const detail = e.message?.command ? `${e.message.command}` : '';
    return { route, plumbing: false, what: record.eventType, detail, css: 'command' };
  }
  return { route, plumbing: true, what: record.eventType, detail: plumbingDetail(record), css: 'plumbing' };
}

/** Whitespace-separated terms: a row shows if its text contains every plain term and no `-term`. */
export function matchesFilter(text, filter) {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const t = text.toLowerCase();
  return terms.every((term) => (term.startsWith('-') ? !t.includes(term.slice(1)) : t.includes(term)));
}

/** The log list: rows added once per frame, filtered by text and by the plumbing toggle. */
export class EventLog {
  constructor(list, { name, isMachine, filterInput, plumbingToggle, typeList }) {
    this.list = list;
    this.name = name;
    this.isMachine = isMachine;
    this.filterInput = filterInput;
    this.plumbingToggle = plumbingToggle;
    this.typeList = typeList;
    this.words = new Set();
    this.pending = [];
    filterInput.addEventListener('input', () => this.applyFilter());
    plumbingToggle.addEventListener('change', () => this.applyFilter());
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
    const fragment = document.createDocumentFragment();
    for (const record of this.pending.splice(0)) {
      const row = describeRecord(record, this.name, this.isMachine);
      const text = `${record.eventType} ${row.what} ${row.detail}`;
      this.remember(row.plumbing ? record.eventType : row.what.replace(/^[←→] /, ''));
      const item = h(
        'li',
        {
          class: `event ${row.css}`,
          'data-kind': record.kind,
          'data-type': record.eventType,
          'data-plumbing': String(row.plumbing),
          'data-seq': String(record.seq),
          'data-text': text,
          title: JSON.stringify(record.event, null, 2),
        },
        h('time', {}, clock(record.time)),
        h('span', { class: 'route' }, row.route),
        h('span', { class: 'type' }, row.what),
        h('span', { class: 'detail' }, row.detail),
      );
      if (record.kind === 'emitted' && record.eventType === 'message') {
        item.dataset.command = String(record.event?.command ?? '');
        item.dataset.direction = String(record.event?.direction ?? '');
      }
      item.hidden = !this.shows(item);
      fragment.append(item);
    }
    this.list.append(fragment);
    while (this.list.childElementCount > MAX_ROWS) this.list.firstElementChild.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  shows(item) {
    if (item.dataset.plumbing === 'true' && !this.plumbingToggle.checked) return false;
    return matchesFilter(item.dataset.text, this.filterInput.value);
  }

  remember(word) {
    if (!word || this.words.has(word)) return;
    this.words.add(word);
    this.typeList.append(h('option', { value: word }));
  }

  applyFilter() {
    for (const item of this.list.children) item.hidden = !this.shows(item);
  }
}
