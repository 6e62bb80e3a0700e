// The context panel beside the chart: the selected actor's context, its timers, and the whole
// context folded.
import { hostPort } from './actors.js';
import { clock, h } from './event-log.js';
import { formatLeft } from './headline.js';

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
  // What the machine waits for, as the node scheduled it: the delay's name, its length, when it fires.
  for (const timer of snapshot?.timers ?? []) {
    const what = timer.delay ? `after ${timer.delay}` : timer.event;
    list.append(...row('timer', `${what}: ${formatLeft(timer.ms)}, fires at ${clock(timer.dueAt)}`));
  }
  if (context && typeof context === 'object') {
    if ('retries' in context) {
      const of = 'maxRetries' in context ? ` of ${context.maxRetries}` : '';
      list.append(...row('retries', `${context.retries}${of}`));
    }
    if ('attempts' in context) list.append(...row('attempts', context.attempts));
    const options = context.options ?? {};
    if (options.host) list.append(...row('peer', `${hostPort(options.host, options.port)} (${options.network ?? ''}, ${options.role ?? ''})`));
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
