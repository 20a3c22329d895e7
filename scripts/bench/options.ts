/**
 * Command-line options of `npm run bench`. Modes select scenarios; with none, the full suite runs.
 * Unknown flags and bad numbers are refused with a message naming the flag.
 */
import { parseArgs } from 'node:util';
import { BROWSER_ACCEPT_ENCODING } from './context.ts';

export const MODES = [
  'quick',
  'ttfb',
  'endpoints',
  'cold-start',
  'drip',
  'memory',
  'load',
  'store',
  'consent',
  'ec',
  'signing',
  'first-party',
] as const;
export type Mode = (typeof MODES)[number];

/**
 * Scenarios that measure something other than the usual server, or start their own (`ec`): no
 * origin or server is started for them.
 */
export const STANDALONE_MODES = ['store', 'consent', 'ec', 'signing', 'first-party'] as const;
export type StandaloneMode = (typeof STANDALONE_MODES)[number];
export type ServerMode = Exclude<Mode, StandaloneMode>;
export const isStandalone = (mode: Mode): mode is StandaloneMode =>
  (STANDALONE_MODES as readonly Mode[]).includes(mode);

/** What the full suite runs, in order: cheap and cold-sensitive scenarios first, load last. */
const FULL_SUITE: Mode[] = ['cold-start', 'ttfb', 'endpoints', 'drip', 'memory', 'load'];
/** Scenarios that need a server process of ours (not possible against `--target`). */
export const LOCAL_ONLY: ReadonlySet<Mode> = new Set(['cold-start', 'drip', 'memory']);

export interface BenchOptions {
  modes: Mode[];
  target: URL | undefined;
  peers: boolean;
  connections: number;
  /** Seconds per load run. */
  duration: number;
  /** Repetitions for drip, cold start and per-endpoint timing. */
  runs: number;
  /** Interleaved repetitions of every load run (medians reported). */
  rounds: number;
  /** Sequential requests in the TTFB scenario. */
  requests: number;
  nextjs: boolean;
  /** The client's `Accept-Encoding` in the load, endpoint and quick scenarios. */
  acceptEncoding: string;
  save: string | undefined;
  compare: string | undefined;
}

export const USAGE = `usage: npm run bench -- [mode…] [options]

modes (any number; none = the full suite: ${FULL_SUITE.join(', ')})
  --quick          smoke: every endpoint once, a short load run
  --ttfb           20 sequential GET / on a fresh server: first vs rest (cold-start pattern)
  --endpoints      DNS / connect / TLS / TTFB / total per endpoint (median of --runs)
  --cold-start     process start to first good response (median of --runs)
  --drip           origin drips the page: proxy's first/last byte after the origin's
  --memory         RSS rise of the proxy for a 50 MB HTML page
  --load           requests/s and p50/p95/p99 latency under load (autocannon)
  --store          key-value store get / put / CAS: p50, p99 and ops/s for the memory, SQLite and
                   Redis stores (no server; not in the full suite)
  --consent        decode cost of a TC, a GPP and a hostile TC string: ours vs the IAB libraries
                   vs memo, medians in µs (no server; not in the full suite)
  --ec             Edge Cookie cost: returning readers' page requests/s with EC on vs off (bar
                   ≥ 0.95), and the added p50 of a minting navigation on SQLite (bar < 0.5 ms);
                   its own origin and two servers, at least 3 rounds (not in the full suite)
  --signing        Ed25519 sign/verify ops/s (WebCrypto and noble) vs node:crypto, first-party URL
                   sign/verify ops/s vs an HMAC-SHA256 token (no server; not in the full suite)
  --first-party    the first-party creative proxy's added latency over a direct fetch of the same
                   creative, p50/p99 (its own creative host and server; not in the full suite)

options
  --target URL     measure a deployed instance instead of starting one (no cold-start/drip/memory)
  --peers          also measure a plain Node passthrough proxy and a workerd HTMLRewriter worker
  --connections N  load-test connections (16)
  --duration S     seconds per load run (8); --store and --consent measure each case S/8 s
  --runs N         repetitions for drip, cold start and endpoints (7)
  --rounds N       interleaved repetitions of every load run; medians and per-round ratios (1)
  --requests N     requests in --ttfb (20); --ec makes 10× as many navigations of each kind
  --no-nextjs      run the server with [integrations.nextjs] disabled (default: enabled)
  --accept-encoding VALUE
                   the load client's Accept-Encoding (default "${BROWSER_ACCEPT_ENCODING}", a
                   browser's: br from Trusted Server and the workerd peer; "gzip" for gzip)
  --save NAME      write results to benchmark-results/NAME.json
  --compare NAME   compare this run with benchmark-results/NAME.json (table + SVG chart)
`;

export class UsageError extends Error {}

/**
 * A tool's options from its command line, or the process ends: usage on stdout and exit 0 for
 * `--help`, the message and usage on stderr and exit 2 for a bad flag (named in the message).
 */
export function parseOrExit<T>(tool: string, usage: string, parse: () => T | 'help'): T {
  try {
    const options = parse();
    if (options === 'help') {
      process.stdout.write(usage);
      process.exit(0);
    }
    return options;
  } catch (error) {
    const message =
      error instanceof UsageError || error instanceof TypeError ? error.message : String(error);
    process.stderr.write(`${tool}: ${message}\n\n${usage}`);
    process.exit(2);
  }
}

export function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`,
    );
  }
  return value;
}

function resultName(flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[\w.-]+$/.test(raw) || raw.startsWith('.')) {
    throw new UsageError(`--${flag} NAME may use letters, digits, "-", "_" and ".", got "${raw}"`);
  }
  return raw;
}

/** `--accept-encoding`'s value, checked to be a header value (bench and profile alike). */
export function acceptEncoding(raw: string): string {
  // A header value: visible ASCII and spaces, at least one coding.
  if (!/^[\x20-\x7e]+$/.test(raw) || raw.trim() === '') {
    throw new UsageError(
      `--accept-encoding must be a header value such as "gzip, br", got "${raw}"`,
    );
  }
  return raw.trim();
}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(MODES.map((mode) => [mode, { type: 'boolean' as const }])),
      target: { type: 'string' },
      peers: { type: 'boolean' },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '8' },
      runs: { type: 'string', default: '7' },
      rounds: { type: 'string', default: '1' },
      requests: { type: 'string', default: '20' },
      'no-nextjs': { type: 'boolean' },
      'accept-encoding': { type: 'string', default: BROWSER_ACCEPT_ENCODING },
      save: { type: 'string' },
      compare: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const flags = values as Record<string, unknown>;
  let modes = MODES.filter((mode) => flags[mode] === true);
  if (modes.length === 0) modes = [...FULL_SUITE];
  let target: URL | undefined;
  if (values.target !== undefined) {
    try {
      target = new URL(values.target);
    } catch {
      throw new UsageError(`--target must be an absolute http(s) URL, got "${values.target}"`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new UsageError(`--target must be an http: or https: URL, got "${values.target}"`);
    }
  }
  return {
    modes,
    target,
    peers: values.peers === true,
    connections: positiveNumber('connections', values.connections, true),
    duration: positiveNumber('duration', values.duration, false),
    runs: positiveNumber('runs', values.runs, true),
    rounds: positiveNumber('rounds', values.rounds, true),
    requests: positiveNumber('requests', values.requests, true),
    nextjs: values['no-nextjs'] !== true,
    acceptEncoding: acceptEncoding(values['accept-encoding']),
    save: resultName('save', values.save),
    compare: resultName('compare', values.compare),
  };
}
