// chart.js (loaded by index.html as /ui/vendor/chart.umd.min.js, served from node_modules) with the
// dashboard's defaults: no animation (a chart is drawn at once, and tests can read its pixels),
// UTC hour/day labels, rates as percentages.
import { el } from './dom.js';
import { percent } from './format.js';

export const colours = {
  complaints: 'rgb(200, 40, 40)',
  hardBounces: 'rgb(30, 100, 200)',
  sent: 'rgb(120, 130, 140)',
  warn: 'rgb(200, 190, 0)',
  throttle: 'rgb(230, 150, 0)',
  suspend: 'rgb(150, 0, 60)',
};

const charts = new Set();

/** Destroys the charts of the previous view before a new one is drawn. */
export function destroyCharts() {
  for (const chart of charts) chart.destroy();
  charts.clear();
}

export const bucketLabel = (iso, bucket) => (bucket === 'day' ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`);

/**
 * A line chart of rates with horizontal lines for thresholds, in a box of fixed height.
 * series: [{ label, colour, values: number[] }]; lines: [{ label, colour, value }].
 */
export function rateChart({ labels, series, lines, title }) {
  const canvas = el('canvas', { role: 'img', 'aria-label': title });
  const box = el('div', { class: 'chart-box' }, canvas);
  const datasets = [
    ...series.map((s) => ({ label: s.label, data: s.values, borderColor: s.colour, backgroundColor: s.colour, borderWidth: 2, pointRadius: 0, tension: 0.2 })),
    ...lines.map((line) => ({ label: line.label, threshold: line.threshold, data: labels.map(() => line.value), borderColor: line.colour, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 })),
  ];
  draw(canvas, {
    type: 'line',
    data: { labels, datasets },
    options: {
      scales: { y: { beginAtZero: true, ticks: { callback: (value) => percent(Number(value), 2) } }, x: { ticks: { maxTicksLimit: 8 } } },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${percent(item.parsed.y)}` } } },
    },
  });
  return box;
}

/**
 * The configured warn, throttle and suspend lines of a rate ({ warn, throttle, suspend }, as the
 * API gives them), for rateChart: every rate chart shows where the actions start.
 */
export function thresholdLines(line, digits) {
  return ['warn', 'throttle', 'suspend'].map((name) => ({ label: `${name} ${percent(line[name], digits)}`, colour: colours[name], value: line[name], threshold: name }));
}

/** Bars of volume with complaint and bounce counts as lines on a second axis. */
export function volumeChart({ labels, sent, complaints, hardBounces, title }) {
  const canvas = el('canvas', { role: 'img', 'aria-label': title });
  const box = el('div', { class: 'chart-box' }, canvas);
  draw(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: 'sent', data: sent, backgroundColor: colours.sent, yAxisID: 'y' },
        { type: 'line', label: 'complaints', data: complaints, borderColor: colours.complaints, backgroundColor: colours.complaints, yAxisID: 'events', pointRadius: 2 },
        { type: 'line', label: 'hard bounces', data: hardBounces, borderColor: colours.hardBounces, backgroundColor: colours.hardBounces, yAxisID: 'events', pointRadius: 2 },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, position: 'left' },
        events: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        x: { ticks: { maxTicksLimit: 8 } },
      },
    },
  });
  return box;
}

function draw(canvas, config) {
  const Chart = globalThis.Chart;
  if (!Chart) throw new Error('chart.js did not load (/ui/vendor/chart.umd.min.js)');
  // Drawn once the canvas is in the page, so chart.js can size it to its box.
  queueMicrotask(() => {
    if (!canvas.isConnected) return;
    const chart = new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, interaction: { mode: 'index', intersect: false }, ...config.options } });
    charts.add(chart);
  });
}
