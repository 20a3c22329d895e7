/**
 * The soak's samples, their summary (baseline, peak, plateau, idle) against the memory goal, and
 * the table printed at the end.
 */
import { median } from '../bench/results.ts';
import { renderTable } from '../bench/table.ts';
import type { MemoryReading } from './memory.ts';

export type Phase = 'baseline' | 'load' | 'idle';

export interface Sample {
  /** Seconds since the load started (negative before). */
  t: number;
  phase: Phase;
  /** 2xx responses per second over the interval ending here (0 outside the load). */
  rps: number;
  /** Interval length, seconds. */
  seconds: number;
  errors: Record<string, number>;
  memory: MemoryReading;
}

/** The memory goal: RSS plateaus below this under load… */
export const GOAL_PLATEAU_MB = 250;

export interface Summary {
  /** Median RSS before the load, MB. */
  baselineRss: number;
  peakRss: number;
  /** Median RSS of the last third of the load phase. */
  plateauRss: number;
  /** Least-squares slope of RSS over the last third of the load, MB per minute. */
  plateauSlope: number;
  /** RSS at the end of the idle phase's first half (before the forced GC). */
  idleRss: number;
  /** RSS at the end of the idle phase (after the forced GC). */
  afterIdleRss: number;
  plateauHeap: number;
  plateauExternal: number;
  afterIdleHeap: number;
  afterIdleExternal: number;
  /** 2xx responses per second over the whole load phase. */
  rps: number;
  responses: number;
  errors: Record<string, number>;
  /** Plateau below the goal; idle RSS gave back at least half of the rise to the peak. */
  plateauMet: boolean;
  idleMet: boolean;
}

const MB = 1e6;
const mb = (bytes: number) => bytes / MB;

function slopePerMinute(points: { t: number; y: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 60;
}

export function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [kind, count] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + count;
}

export function summarise(samples: readonly Sample[]): Summary {
  const of = (phase: Phase) => samples.filter((s) => s.phase === phase);
  const load = of('load');
  const idle = of('idle');
  const tail = load.slice(Math.floor((load.length * 2) / 3));
  const errors: Record<string, number> = {};
  let ok = 0;
  let loadSeconds = 0;
  for (const sample of load) {
    addErrors(errors, sample.errors);
    ok += sample.rps * sample.seconds;
    loadSeconds += sample.seconds;
  }
  const beforeGc = idle.filter((s) => !s.memory.gc);
  const last = idle.at(-1) ?? load.at(-1);
  const baselineRss = mb(median(of('baseline').map((s) => s.memory.rss)));
  const peakRss = mb(Math.max(...samples.map((s) => s.memory.rss)));
  const plateauRss = mb(median(tail.map((s) => s.memory.rss)));
  const afterIdleRss = mb(last?.memory.rss ?? Number.NaN);
  return {
    baselineRss,
    peakRss,
    plateauRss,
    plateauSlope: slopePerMinute(tail.map((s) => ({ t: s.t, y: mb(s.memory.rss) }))),
    idleRss: mb(beforeGc.at(-1)?.memory.rss ?? Number.NaN),
    afterIdleRss,
    plateauHeap: mb(median(tail.map((s) => s.memory.heapUsed))),
    plateauExternal: mb(median(tail.map((s) => s.memory.external))),
    afterIdleHeap: mb(last?.memory.heapUsed ?? Number.NaN),
    afterIdleExternal: mb(last?.memory.external ?? Number.NaN),
    rps: loadSeconds > 0 ? ok / loadSeconds : 0,
    responses: Math.round(ok),
    errors,
    plateauMet: plateauRss < GOAL_PLATEAU_MB,
    idleMet: afterIdleRss <= baselineRss + (peakRss - baselineRss) / 2,
  };
}

const fmt = (value: number, digits = 1) =>
  Number.isFinite(value)
    ? (Object.is(Number(value.toFixed(digits)), -0) ? 0 : value).toFixed(digits)
    : '—';

export function errorText(errors: Record<string, number>): string {
  const kinds = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return kinds.length === 0 ? '0' : kinds.map(([kind, n]) => `${kind}: ${n}`).join(', ');
}

/**
 * One row per group of samples (at most ~`maxRows` for the load phase): requests/s over the
 * group, its errors, and memory at its end.
 */
export function sampleTable(samples: readonly Sample[], maxRows = 20): string {
  const rows: string[][] = [];
  for (const phase of ['baseline', 'load', 'idle'] as const) {
    const list = samples.filter((s) => s.phase === phase);
    const group = phase === 'load' ? Math.max(1, Math.ceil(list.length / maxRows)) : 1;
    for (let i = 0; i < list.length; i += group) {
      const slice = list.slice(i, i + group);
      const end = slice.at(-1) as Sample;
      const seconds = slice.reduce((s, x) => s + x.seconds, 0);
      const ok = slice.reduce((s, x) => s + x.rps * x.seconds, 0);
      const errors: Record<string, number> = {};
      for (const x of slice) addErrors(errors, x.errors);
      const m = end.memory;
      rows.push([
        fmt(end.t, 0),
        phase + (m.gc ? ' (gc)' : ''),
        phase === 'load' ? fmt(seconds > 0 ? ok / seconds : 0, 0) : '',
        phase === 'load' ? errorText(errors) : '',
        fmt(mb(m.rss)),
        fmt(mb(m.heapUsed)),
        fmt(mb(m.external)),
        fmt(mb(m.arrayBuffers)),
      ]);
    }
  }
  return renderTable(
    ['t (s)', 'phase', 'req/s', 'errors', 'RSS MB', 'heap MB', 'external MB', 'arrayBuffers MB'],
    rows,
  );
}

export function summaryText(summary: Summary): string {
  const s = summary;
  const lines = [
    `load        ${fmt(s.rps, 0)} req/s (2xx), ${s.responses} responses, errors: ${errorText(s.errors)}`,
    `RSS         baseline ${fmt(s.baselineRss)} MB, peak ${fmt(s.peakRss)} MB, plateau ${fmt(s.plateauRss)} MB (median of the load's last third; slope ${fmt(s.plateauSlope, 2)} MB/min)`,
    `idle        ${fmt(s.idleRss)} MB before the forced GC, ${fmt(s.afterIdleRss)} MB at the end`,
    `heap        ${fmt(s.plateauHeap)} MB used at plateau, ${fmt(s.afterIdleHeap)} MB after idle; external ${fmt(s.plateauExternal)} → ${fmt(s.afterIdleExternal)} MB`,
    `goal        plateau < ${GOAL_PLATEAU_MB} MB: ${s.plateauMet ? 'met' : 'NOT met'}; idle gives back ≥ half the rise to the peak: ${s.idleMet ? 'met' : 'NOT met'}`,
  ];
  return lines.join('\n');
}
