// The headline above the chart: the node's own sentence for the selected actor
// (`connected — idle, next ping in`), with the time left counted down here, once a second.
/* global document */

const pad = (n) => String(n).padStart(2, '0');

/** Time left as a person reads it: `4 s` under a minute, `1:52`, `1:02:03`. */
export function formatLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total < 60) return `${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/**
 * The headline as text at `now` (the node's clock): `state — detail`, and when the node sent a
 * timer, the time left until it fires after the detail, which ends where that time belongs.
 */
export function headlineText(headline, now) {
  if (!headline) return '—';
  const left = headline.dueAt === null || headline.dueAt === undefined ? '' : ` ${formatLeft(headline.dueAt - now)}`;
  const detail = `${headline.detail ?? ''}${left}`.trim();
  return detail ? `${headline.state} — ${detail}` : headline.state;
}

/** Keeps the headline element counting down; `now` returns the node's time. */
export class HeadlineView {
  constructor(element, now) {
    this.element = element;
    this.now = now;
    this.headline = null;
    this.timer = null;
  }

  show(headline) {
    this.headline = headline ?? null;
    this.render();
    const counting = this.headline && this.headline.dueAt !== null && this.headline.dueAt !== undefined;
    if (counting && this.timer === null) this.timer = setInterval(() => this.render(), 1000);
    if (!counting && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  render() {
    const text = headlineText(this.headline, this.now());
    const dash = text.indexOf(' — ');
    const strong = document.createElement('strong');
    strong.textContent = dash < 0 ? text : text.slice(0, dash);
    this.element.replaceChildren(strong, dash < 0 ? '' : text.slice(dash));
    this.element.dataset.state = this.headline?.state ?? '';
  }
}
