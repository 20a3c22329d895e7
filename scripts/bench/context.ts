/** What every scenario gets: the options, where results go, and the servers to measure. */
import type { BenchOptions } from './options.ts';
import type { BenchOrigin } from './origin.ts';
import type { Results } from './results.ts';
import type { RunningServer } from './servers.ts';

export interface Subject {
  name: string;
  url: URL;
  /** Known when we started the process ourselves. */
  pid?: number;
}

/** What a scenario that needs no server (`--store`) gets. */
export interface BenchBase {
  options: BenchOptions;
  results: Results;
  /** A progress line on stderr (kept off stdout so the tables stay readable when piped). */
  progress(message: string): void;
}

export interface BenchContext extends BenchBase {
  /** The server under test: ours, started here, or `--target`. */
  subject: Subject;
  /** Present when the bench runs its own origin (not with `--target`). */
  origin?: BenchOrigin;
  /** `--peers`: servers measured beside the subject. */
  peers: RunningServer[];
  /** Starts another server like the subject, cold. Absent with `--target`. */
  freshServer?: (readyPath: string) => Promise<RunningServer>;
}

/** The endpoints the bench knows, every route that exists, publisher proxy first. */
export interface Endpoint {
  name: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** What Chrome sends: the default client of the load and endpoint scenarios (`--accept-encoding`). */
export const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

/** The endpoints, the page and the bundle asked for with `acceptEncoding`. */
export function endpointsFor(acceptEncoding: string): readonly Endpoint[] {
  const headers = { 'accept-encoding': acceptEncoding };
  return [
    { name: 'publisher proxy', path: '/', method: 'GET', headers },
    { name: 'static tsjs', path: '/static/tsjs=tsjs-unified.min.js', method: 'GET', headers },
    { name: 'health', path: '/health', method: 'GET', headers: {} },
  ];
}

/** `name` as a metric key part: `publisher proxy` → `publisher-proxy`. */
export const keyOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
