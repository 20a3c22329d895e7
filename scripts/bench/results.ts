/**
 * Results of one bench run: named metrics with units and a direction, so any two saved runs can be
 * compared without knowing which scenarios produced them.
 */
import { cpus } from 'node:os';
import { gitCommit } from './processes.ts';

export interface Metric {
  /** Stable key, e.g. `load.trusted-server.rps`. */
  key: string;
  /** Human label for tables. */
  label: string;
  value: number;
  unit: 'ms' | 'µs' | 'req/s' | 'ops/s' | 'MB' | 'MB/s' | 'kB' | '×' | 'count';
  /** Which way is an improvement (ratios and counts of errors included). */
  better: 'lower' | 'higher';
  /** A target this metric is held to (the issues' performance bars), shown in the summary. */
  bar?: { op: '<=' | '>=' | '<'; value: number };
}

export function meetsBar(metric: Metric): boolean | undefined {
  const bar = metric.bar;
  if (!bar) return undefined;
  if (bar.op === '<=') return metric.value <= bar.value;
  if (bar.op === '<') return metric.value < bar.value;
  return metric.value >= bar.value;
}

export interface BenchRun {
  version: 1;
  meta: {
    date: string;
    commit: string;
    node: string;
    cpus: string;
    target: string;
    modes: string[];
    nextjs: boolean;
    argv: string[];
  };
  metrics: Metric[];
}

export class Results {
  readonly metrics: Metric[] = [];

  add(metric: Metric): void {
    if (!Number.isFinite(metric.value)) return;
    this.metrics.push(metric);
  }

  toRun(meta: Omit<BenchRun['meta'], 'date' | 'commit' | 'node' | 'cpus'>): BenchRun {
    const commit = gitCommit();
    const cpuList = cpus();
    return {
      version: 1,
      meta: {
        date: new Date().toISOString(),
        commit,
        node: process.version,
        cpus: `${cpuList.length} × ${cpuList[0]?.model ?? 'unknown'}`,
        ...meta,
      },
      metrics: this.metrics,
    };
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function formatValue(value: number, unit: Metric['unit']): string {
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === 'count') return String(Math.round(value));
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}
