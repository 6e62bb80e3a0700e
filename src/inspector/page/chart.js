// The statechart, drawn from a machine's definition: elkjs lays out the nested states and the
// transitions between them, and this module renders the result as SVG and lights active states.
/* global ELK, document */

const SVG = 'http://www.w3.org/2000/svg';
// State names are the largest text: at the zoom the page opens with, they stay at least 11 px.
const TITLE_FONT = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const SMALL_FONT = '11px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace';
const LINE = 14;
const TITLE = 24;
const INITIAL = 'initial';
const NOTE = 'note';

let measureContext = null;
/** Text width in pixels, measured with the font the SVG will use, so ELK reserves the right space. */
function measure(text, font) {
  measureContext ??= document.createElement('canvas').getContext('2d');
  measureContext.font = font;
  return Math.ceil(measureContext.measureText(text).width);
}

/** `event [guard]`: how a transition is written on its arrow or inside its state. */
export function transitionLabel(t) {
  return `${t.event}${t.guard ? ` [${t.guard}]` : ''}`;
}

const initialId = (state) => `${state.id}#${INITIAL}`;

/** Targetless transitions, written inside their state: `event [guard] / actions`. */
function internalLines(state, internal) {
  return (internal.get(state.id) ?? []).map((t) => `${transitionLabel(t)}${t.actions.length ? ` / ${t.actions.join(', ')}` : ''}`);
}

const textWidth = (title, lines) => Math.max(measure(title, TITLE_FONT), ...lines.map((l) => measure(l, SMALL_FONT)));

const SPACING = {
  'elk.layered.spacing.nodeNodeBetweenLayers': '28',
  'elk.spacing.nodeNode': '18',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeLabel': '3',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
};

const headerHeight = (lines) => TITLE + lines.length * LINE + (lines.length ? 4 : 0);

/**
 * A state as an ELK node. A leaf's lines go in its own box. A compound state's targetless
 * transitions go in a note inside it: ELK sizes leaves exactly, while it may shrink a compound
 * node below a minimum set for text in its header.
 */
function elkNode(state, internal) {
  const invoke = state.invoke.length > 0 ? [`invoke ${state.invoke.join(', ')}`] : [];
  const own = internalLines(state, internal);
  if (state.states.length === 0) {
    const lines = [...invoke, ...own];
    const header = headerHeight(lines);
    return { id: state.id, state, lines, width: Math.max(textWidth(state.key, lines) + 24, 90), height: Math.max(header + 8, 34) };
  }
  const header = headerHeight(invoke);
  const children = state.states.map((s) => elkNode(s, internal));
  if (state.initial) children.unshift({ id: initialId(state), width: 12, height: 12, pseudo: INITIAL });
  if (own.length > 0) {
    const width = textWidth('', own) + 20;
    children.push({ id: `${state.id}#${NOTE}`, pseudo: NOTE, lines: own, width, height: own.length * LINE + 12 });
  }
  return {
    id: state.id,
    state,
    lines: invoke,
    children,
    layoutOptions: {
      ...SPACING,
      'elk.padding': `[top=${header + 10},left=16,bottom=16,right=16]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${textWidth(state.key, invoke) + 32}, ${header + 24})`,
    },
  };
}

/** Transitions with targets, one arrow per source/target pair, every transition a line of its label. */
function elkEdges(definition) {
  const groups = new Map();
  for (const t of definition.transitions) {
    for (const target of t.targets) {
      const id = `${t.source}→${target}`;
      const group = groups.get(id) ?? { id, sources: [t.source], targets: [target], keys: [], lines: [] };
      group.keys.push(t.key);
      group.lines.push(transitionLabel(t));
      groups.set(id, group);
    }
  }
  const edges = [...groups.values()].map((g) => ({
    ...g,
    labels: [
      {
        text: g.lines.join('\n'),
        width: Math.max(...g.lines.map((l) => measure(l, SMALL_FONT))) + 8,
        height: g.lines.length * LINE + 4,
      },
    ],
  }));
  const addInitial = (state) => {
    if (state.initial) {
      edges.push({ id: `${state.id}#start`, sources: [initialId(state)], targets: [state.initial], keys: [], lines: [] });
    }
    state.states.forEach(addInitial);
  };
  addInitial(definition.root);
  return edges;
}

/** Runs ELK over the definition; resolves with the laid-out graph (absolute coordinates). */
export async function layoutChart(definition) {
  const internal = new Map();
  for (const t of definition.transitions) {
    if (t.targets.length > 0) continue;
    internal.set(t.source, [...(internal.get(t.source) ?? []), t]);
  }
  const graph = {
    id: '#graph',
    layoutOptions: {
      ...SPACING,
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [elkNode(definition.root, internal)],
    edges: elkEdges(definition),
  };
  return new ELK().layout(graph);
}

function el(name, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, content, className) {
  const node = el('text', { x, y, class: className }, parent);
  node.textContent = content;
  return node;
}

function drawState(node, layer) {
  if (node.pseudo === INITIAL) {
    el('circle', { cx: node.x + 6, cy: node.y + 6, r: 6, class: 'initial' }, layer);
    return;
  }
  if (node.pseudo === NOTE) {
    const g = el('g', { class: 'note' }, layer);
    el('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: 4 }, g);
    node.lines.forEach((line, i) => text(g, node.x + 10, node.y + 17 + i * LINE, line, 'inner-line'));
    return;
  }
  const { state } = node;
  const classes = ['state', `type-${state.type}`, node.children ? 'compound' : 'leaf'];
  const g = el('g', { class: classes.join(' '), 'data-id': state.id, 'data-key': state.key }, layer);
  // The state's description from the machine: what the state means, on hover.
  if (state.description) el('title', {}, g).textContent = state.description;
  el('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: 8 }, g);
  if (state.type === 'final') {
    const inner = { x: node.x + 3, y: node.y + 3, width: node.width - 6, height: node.height - 6, rx: 6, class: 'inner' };
    el('rect', inner, g);
  }
  text(g, node.x + 10, node.y + 17, state.key, 'title');
  node.lines.forEach((line, i) => text(g, node.x + 10, node.y + TITLE + 10 + i * LINE, line, 'inner-line'));
  if (state.type === 'parallel') g.classList.add('parallel');
  for (const child of node.children ?? []) drawState(child, layer);
}

function drawEdge(edge, layer) {
  const g = el('g', { class: `edge${edge.keys.length === 0 ? ' start' : ''}`, 'data-keys': edge.keys.join('\n') }, layer);
  for (const section of edge.sections ?? []) {
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    el('path', { d: points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }, g);
  }
  for (const label of edge.labels ?? []) {
    if (label.x === undefined) continue;
    el('rect', { x: label.x, y: label.y, width: label.width, height: label.height, rx: 3, class: 'label-bg' }, g);
    label.text.split('\n').forEach((line, i) => text(g, label.x + 4, label.y + 12 + i * LINE, line, 'label'));
  }
}

/** Replaces `svg`'s content with the laid-out chart. */
export function renderChart(svg, layout) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`);
  svg.dataset.width = String(Math.ceil(layout.width));
  svg.dataset.height = String(Math.ceil(layout.height));
  const defs = el('defs', {}, svg);
  // In user units, so that an arrowhead keeps its size when a taken transition's stroke widens.
  const arrow = { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, orient: 'auto' };
  const marker = el('marker', { ...arrow, markerUnits: 'userSpaceOnUse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker);
  const states = el('g', { class: 'states' }, svg);
  const edges = el('g', { class: 'edges' }, svg);
  for (const child of layout.children ?? []) drawState(child, states);
  for (const edge of layout.edges ?? []) drawEdge(edge, edges);
}

/** Marks the active states (innermost ones as leaves) and briefly the transitions just taken. */
export function highlight(svg, activeIds, takenKeys = []) {
  const active = new Set(activeIds);
  for (const g of svg.querySelectorAll('g.state')) {
    const on = active.has(g.dataset.id);
    g.classList.toggle('active', on);
    const innermost = on && ![...active].some((id) => id.startsWith(`${g.dataset.id}.`));
    g.classList.toggle('active-leaf', innermost);
  }
  if (takenKeys.length === 0) return;
  const taken = new Set(takenKeys);
  for (const g of svg.querySelectorAll('g.edge')) {
    if (!g.dataset.keys) continue;
    if (!g.dataset.keys.split('\n').some((k) => taken.has(k))) continue;
    g.classList.remove('taken');
    // Restart the animation: the class is re-added on the next frame.
    void g.getBBox();
    g.classList.add('taken');
  }
}
