/**
 * A self-contained SVG line chart of a soak run: time on x, MB on y (RSS, heap used, external),
 * requests/s as a thin grey line on its own right-hand scale, the load and idle phases shaded,
 * the goal's plateau line dashed and the forced GC marked. Hand-written, like the bench's chart.
 */
import { GOAL_PLATEAU_MB, type Sample, type Summary } from './report.ts';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" step for about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

const SERIES = [
  { name: 'RSS', color: '#c62828', width: 2.5, value: (s: Sample) => s.memory.rss },
  { name: 'heap used', color: '#1565c0', width: 1.5, value: (s: Sample) => s.memory.heapUsed },
  { name: 'external', color: '#2e7d32', width: 1.5, value: (s: Sample) => s.memory.external },
] as const;

export function soakChart(samples: readonly Sample[], summary: Summary, title: string): string {
  const width = 900;
  const height = 440;
  const left = 60;
  const right = 60;
  const top = 56;
  const bottom = 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const t0 = Math.min(...samples.map((s) => s.t));
  const t1 = Math.max(...samples.map((s) => s.t));
  const maxMb = Math.max(GOAL_PLATEAU_MB * 1.1, ...samples.map((s) => s.memory.rss / 1e6));
  const yStep = tickStep(maxMb, 6);
  const yMax = Math.ceil(maxMb / yStep) * yStep;
  const maxRps = Math.max(1, ...samples.map((s) => s.rps));
  const rStep = tickStep(maxRps, 4);
  const rMax = Math.ceil(maxRps / rStep) * rStep;
  const x = (t: number) => left + ((t - t0) / Math.max(1e-9, t1 - t0)) * plotW;
  const y = (mb: number) => top + plotH - (mb / yMax) * plotH;
  const yr = (rps: number) => top + plotH - (rps / rMax) * plotH;
  const parts: string[] = [];

  // Phases: from the first sample of a phase to its last (the load from t = 0).
  const span = (phase: Sample['phase']) => {
    const list = samples.filter((s) => s.phase === phase);
    if (list.length === 0) return undefined;
    return [phase === 'load' ? 0 : (list[0] as Sample).t, (list.at(-1) as Sample).t] as const;
  };
  const load = span('load');
  const idle = span('idle');
  if (load) {
    parts.push(
      `<rect x="${x(load[0]).toFixed(1)}" y="${top}" width="${(x(load[1]) - x(load[0])).toFixed(1)}" height="${plotH}" fill="#fff3e0"/>`,
      `<text x="${(x(load[0]) + 6).toFixed(1)}" y="${top + 16}" fill="#e65100">load</text>`,
    );
  }
  if (idle) {
    const from = load ? load[1] : idle[0];
    parts.push(
      `<rect x="${x(from).toFixed(1)}" y="${top}" width="${(x(idle[1]) - x(from)).toFixed(1)}" height="${plotH}" fill="#e3f2fd"/>`,
      `<text x="${(x(from) + 6).toFixed(1)}" y="${top + 16}" fill="#0d47a1">idle</text>`,
    );
  }
  // Grid and axes.
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(
      `<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#e0e0e0"/>`,
      `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    );
  }
  for (let v = 0; v <= rMax + 1e-9; v += rStep) {
    parts.push(
      `<text x="${left + plotW + 6}" y="${(yr(v) + 4).toFixed(1)}" fill="#757575">${v}</text>`,
    );
  }
  const tStep = tickStep(t1 - t0, 10);
  for (let v = Math.ceil(t0 / tStep) * tStep; v <= t1 + 1e-9; v += tStep) {
    parts.push(
      `<line x1="${x(v).toFixed(1)}" y1="${top + plotH}" x2="${x(v).toFixed(1)}" y2="${top + plotH + 4}" stroke="#444"/>`,
      `<text x="${x(v).toFixed(1)}" y="${top + plotH + 17}" text-anchor="middle">${v}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">seconds since the load started</text>`,
    `<text x="14" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${top + plotH / 2})">MB</text>`,
    `<text x="${width - 12}" y="${top + plotH / 2}" text-anchor="middle" fill="#757575" transform="rotate(90 ${width - 12} ${top + plotH / 2})">requests/s</text>`,
    `<line x1="${left}" y1="${y(GOAL_PLATEAU_MB).toFixed(1)}" x2="${left + plotW}" y2="${y(GOAL_PLATEAU_MB).toFixed(1)}" stroke="#c62828" stroke-dasharray="6 4" stroke-width="1"/>`,
    `<text x="${left + plotW - 4}" y="${(y(GOAL_PLATEAU_MB) - 4).toFixed(1)}" text-anchor="end" fill="#c62828">goal: plateau &lt; ${GOAL_PLATEAU_MB} MB</text>`,
  );
  for (const gc of samples.filter((s) => s.memory.gc)) {
    parts.push(
      `<line x1="${x(gc.t).toFixed(1)}" y1="${top}" x2="${x(gc.t).toFixed(1)}" y2="${top + plotH}" stroke="#6a1b9a" stroke-dasharray="2 3"/>`,
      `<text x="${(x(gc.t) + 4).toFixed(1)}" y="${top + 30}" fill="#6a1b9a">forced GC</text>`,
    );
  }
  // Lines: requests/s under the memory series.
  const path = (points: [number, number][]) =>
    points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)}`).join(' ');
  const loadSamples = samples.filter((s) => s.phase === 'load');
  parts.push(
    `<path d="${path(loadSamples.map((s) => [x(s.t), yr(s.rps)]))}" fill="none" stroke="#9e9e9e" stroke-width="1"/>`,
  );
  for (const series of SERIES) {
    const points = samples
      .filter((s) => Number.isFinite(series.value(s)))
      .map((s): [number, number] => [x(s.t), y(series.value(s) / 1e6)]);
    parts.push(
      `<path d="${path(points)}" fill="none" stroke="${series.color}" stroke-width="${series.width}"/>`,
    );
  }
  // Legend.
  const legend = [
    ...SERIES.map((s) => [s.name, s.color] as const),
    ['requests/s', '#9e9e9e'] as const,
  ];
  legend.forEach(([name, color], i) => {
    const lx = left + 8 + i * 120;
    parts.push(
      `<line x1="${lx}" y1="${top - 10}" x2="${lx + 22}" y2="${top - 10}" stroke="${color}" stroke-width="2.5"/>`,
      `<text x="${lx + 28}" y="${top - 6}">${escapeXml(name)}</text>`,
    );
  });
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');
  const subtitle = `RSS baseline ${fmt(summary.baselineRss)} MB, peak ${fmt(summary.peakRss)}, plateau ${fmt(summary.plateauRss)}, after idle ${fmt(summary.afterIdleRss)}; ${fmt(summary.rps)} req/s`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="12" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>
<text x="12" y="36" fill="#444">${escapeXml(subtitle)}</text>
${parts.join('\n')}
</svg>
`;
}
