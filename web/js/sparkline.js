// A small SVG trend of daily volume, with a red dot on days that had complaints. SVG nodes are
// built one by one (no markup strings), like everything else.
const svgNs = 'http://www.w3.org/2000/svg';

function svg(tag, attributes) {
  const node = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** points: [{ at, sent, complaints }] oldest first. */
export function sparkline(points, { width = 96, height = 24 } = {}) {
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'sparkline', role: 'img' });
  const max = Math.max(1, ...points.map((p) => p.sent));
  const step = points.length > 1 ? (width - 4) / (points.length - 1) : 0;
  const x = (i) => 2 + i * step;
  const y = (value) => height - 2 - (value / max) * (height - 4);
  root.append(svg('polyline', { points: points.map((p, i) => `${x(i).toFixed(1)},${y(p.sent).toFixed(1)}`).join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }));
  points.forEach((p, i) => {
    if (p.complaints > 0) root.append(svg('circle', { cx: x(i).toFixed(1), cy: y(p.sent).toFixed(1), r: 2.5, class: 'spark-complaint' }));
  });
  const title = svg('title', {});
  const total = (name) => points.reduce((sum, p) => sum + p[name], 0);
  title.textContent = `${points.length} days: ${total('sent')} sent, ${total('complaints')} complaints, ${total('hardBounces')} hard bounces`;
  root.append(title);
  return root;
}
