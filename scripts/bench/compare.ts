/**
 * `--save NAME` / `--compare NAME`: results as JSON under `benchmark-results/`, and a before/after
 * table with deltas plus a self-contained SVG chart of the change per metric.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.ts';
import { formatValue, type BenchRun, type Metric } from './results.ts';
import { renderTable } from './table.ts';

/** Overridable so the smoke test writes into a temporary directory. */
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(ROOT, 'benchmark-results');

/** Changes smaller than this are within run-to-run noise on a shared machine. */
const NOISE = 0.05;

export function saveRun(name: string, run: BenchRun): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
  return path;
}

export function loadRun(name: string): BenchRun {
  const path = join(RESULTS_DIR, `${name}.json`);
  if (!existsSync(path))
    throw new Error(`--compare ${name}: ${path} does not exist (save one with --save ${name})`);
  const run = JSON.parse(readFileSync(path, 'utf8')) as BenchRun;
  if (run.version !== 1 || !Array.isArray(run.metrics)) {
    throw new Error(`--compare ${name}: ${path} is not a bench result file (version 1)`);
  }
  return run;
}

export interface Change {
  before: Metric;
  after: Metric;
  /** Relative change of the value, +0.1 = 10 % more. */
  delta: number;
  verdict: 'better' | 'worse' | 'same';
}

export function diffRuns(before: BenchRun, after: BenchRun): Change[] {
  const previous = new Map(before.metrics.map((metric) => [metric.key, metric]));
  const changes: Change[] = [];
  for (const metric of after.metrics) {
    const old = previous.get(metric.key);
    if (!old) continue;
    const delta =
      old.value === 0 ? (metric.value === 0 ? 0 : Infinity) : metric.value / old.value - 1;
    const improved = metric.better === 'higher' ? delta > 0 : delta < 0;
    const verdict = Math.abs(delta) < NOISE ? 'same' : improved ? 'better' : 'worse';
    changes.push({ before: old, after: metric, delta, verdict });
  }
  return changes;
}

const percent = (delta: number) =>
  Number.isFinite(delta) ? `${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(1)} %` : 'new ≠ 0';

export function changeTable(changes: Change[]): string {
  return renderTable(
    ['metric', 'before', 'after', 'change', ''],
    changes.map(({ before, after, delta, verdict }) => [
      after.label,
      formatValue(before.value, before.unit),
      formatValue(after.value, after.unit),
      percent(delta),
      verdict === 'same' ? '' : verdict,
    ]),
  );
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A diverging bar chart: one row per metric, green when it moved the right way. */
export function changeChart(changes: Change[], title: string): string {
  const rowHeight = 22;
  const labelWidth = 460;
  const half = 220;
  const width = labelWidth + 2 * half + 120;
  const height = 60 + rowHeight * changes.length;
  const scale = Math.max(
    0.1,
    ...changes.map((c) => (Number.isFinite(c.delta) ? Math.abs(c.delta) : 0)),
  );
  const axis = labelWidth + half;
  const rows = changes.map((change, index) => {
    const y = 40 + index * rowHeight;
    const delta = Number.isFinite(change.delta) ? change.delta : 0;
    const length = (Math.abs(delta) / scale) * half;
    const x = delta >= 0 ? axis : axis - length;
    const color =
      change.verdict === 'better' ? '#2e7d32' : change.verdict === 'worse' ? '#c62828' : '#9e9e9e';
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(change.after.label)}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y + 4}" width="${Math.max(1, length).toFixed(1)}" height="${rowHeight - 8}" fill="${color}"/>`,
      `<text x="${axis + half + 8}" y="${y + 15}">${escapeXml(`${percent(change.delta)}  ${formatValue(change.before.value, change.before.unit)} → ${formatValue(change.after.value, change.after.unit)}`)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 200}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>
<line x1="${axis}" y1="34" x2="${axis}" y2="${height - 10}" stroke="#444"/>
${rows.join('\n')}
</svg>
`;
}

export function writeChart(name: string, svg: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `compare-${name}.svg`);
  writeFileSync(path, svg);
  return path;
}
