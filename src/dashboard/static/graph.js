/* global document */
// The pipeline as a graph: one box per stage (replicas alive / configured, messages per second),
// an arrow from each upstream stage. Columns by depth from the gateway; plain SVG, no library.

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 150;
const BOX_H = 52;

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Depth of each stage: 0 for the gateway, else one more than its deepest upstream. */
function depths(stages) {
  const byName = new Map(stages.map((s) => [s.stage, s]));
  const memo = new Map();
  const depth = (name) => {
    if (memo.has(name)) return memo.get(name);
    const s = byName.get(name);
    const d = !s || s.upstream.length === 0 ? 0 : 1 + Math.max(...s.upstream.map(depth));
    memo.set(name, d);
    return d;
  };
  for (const s of stages) depth(s.stage);
  return memo;
}

function fmtRate(r) {
  if (r === null || r === undefined) return '–';
  return r >= 100 ? `${Math.round(r)} msg/s` : `${r.toFixed(1)} msg/s`;
}

export function renderGraph(svg, stages) {
  const d = depths(stages);
  const columns = [];
  for (const s of stages) (columns[d.get(s.stage)] ??= []).push(s);
  const width = svg.clientWidth || 900;
  const rows = Math.max(...columns.map((c) => c.length));
  const height = Math.max(120, rows * (BOX_H + 14) + 20);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.style.height = `${height}px`;
  const gap = columns.length > 1 ? (width - BOX_W - 20) / (columns.length - 1) : 0;
  const pos = new Map();
  columns.forEach((col, ci) =>
    col.forEach((s, ri) => {
      const y = (height - col.length * (BOX_H + 14)) / 2 + ri * (BOX_H + 14) + 7;
      pos.set(s.stage, { x: 10 + ci * gap, y });
    }),
  );
  svg.replaceChildren();
  const defs = el('defs', {});
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
  marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7a6a5c' }));
  defs.append(marker);
  svg.append(defs);
  for (const s of stages) {
    const to = pos.get(s.stage);
    for (const u of s.upstream) {
      const from = pos.get(u);
      if (!from) continue;
      const x1 = from.x + BOX_W;
      const y1 = from.y + BOX_H / 2;
      const x2 = to.x;
      const y2 = to.y + BOX_H / 2;
      const mx = (x1 + x2) / 2;
      svg.append(el('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    }
  }
  for (const s of stages) {
    const { x, y } = pos.get(s.stage);
    const g = el('g', { 'data-stage': s.stage });
    g.append(el('rect', { class: `box${s.alive < s.replicas ? ' degraded' : ''}`, x, y, width: BOX_W, height: BOX_H, rx: 6 }));
    g.append(el('text', { x: x + 8, y: y + 18 }, `${s.stage}  ×${s.alive}/${s.replicas}`));
    g.append(el('text', { class: 'rate', x: x + 8, y: y + 38 }, fmtRate(s.messagesPerSecond)));
    svg.append(g);
  }
}
