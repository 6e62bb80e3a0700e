// How the page names actors: in the picker as a person would (`peer 127.0.0.1:18444 (outbound)`,
// `pool`, `crawl`), and shortly in the event log (`127.0.0.1:18444`, `socket`, `codec`).

/** `host:port`, IPv6 literals in brackets, as the node writes addresses. */
export function hostPort(host, port) {
  const h = String(host);
  return `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`;
}

/** The address a peer machine talks to, from its snapshot's context, or null for other actors. */
export function peerAddress(actor) {
  const options = actor?.snapshot?.context?.options;
  if (!options || options.host === undefined || options.port === undefined) return null;
  return hostPort(options.host, options.port);
}

/** The picker's name: the machine, and for a peer its address and role; finished ones say so. */
export function actorLabel(actor) {
  const address = peerAddress(actor);
  const role = actor.snapshot?.context?.options?.role;
  const name = address ? `${actor.machine} ${address}${role ? ` (${role})` : ''}` : String(actor.machine ?? actor.id);
  const status = actor.snapshot?.status;
  return status && status !== 'active' ? `${name} — ${status === 'done' ? 'finished' : status}` : name;
}

/** The log's short name: a peer's address, a root machine's name, a child's id; `outside` for commands. */
export function shortName(actor, sessionId) {
  if (!sessionId) return 'outside';
  if (!actor) return sessionId;
  const address = peerAddress(actor);
  if (address) return address;
  if (actor.machine && !actor.parentId) return String(actor.machine);
  return String(actor.id);
}

/**
 * The machine actors in picker order: each root in the order it registered, followed by its
 * descendants (depth-first), with their depth.
 */
export function pickerOrder(actors) {
  const machines = [...actors.values()].filter((a) => a.machine);
  const known = new Set(machines.map((a) => a.sessionId));
  // A machine's parent in the picker: its nearest ancestor that is a machine too.
  const parentOf = (actor) => {
    for (let p = actors.get(actor.parentId); p; p = actors.get(p.parentId)) if (known.has(p.sessionId)) return p.sessionId;
    return null;
  };
  const children = new Map();
  const roots = [];
  for (const actor of machines) {
    const parent = parentOf(actor);
    if (parent === null) roots.push(actor);
    else children.set(parent, [...(children.get(parent) ?? []), actor]);
  }
  const out = [];
  const visit = (actor, depth) => {
    out.push({ actor, depth });
    for (const child of children.get(actor.sessionId) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}
