/**
 * Command-line options of `npm run soak`. Unknown flags and bad numbers are refused with a message
 * naming the flag (the bench's house style, and its `UsageError` and `--accept-encoding` check).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from '../bench/compare.ts';
import { BROWSER_ACCEPT_ENCODING } from '../bench/context.ts';
import { acceptEncoding, positiveNumber as positive, UsageError } from '../bench/options.ts';

export interface SoakOptions {
  /** Minutes of load (fractional allowed). */
  minutes: number;
  connections: number;
  /** Seconds of sampling after the load stops (a forced GC half-way). */
  idle: number;
  /** Seconds between memory samples. */
  sample: number;
  acceptEncoding: string;
  /** Where the JSON and SVG go. */
  out: string;
  /** The project checkout whose `src/cli/main.ts serve` is measured (default: this one). */
  serverRoot: string | undefined;
  /** Extra Node/V8 flags for the server process (before its own start-up settings). */
  nodeFlags: string[];
  nextjs: boolean;
}

export const USAGE = `usage: npm run soak -- [options]

Starts the bench origin (the fixture page, gzip) and one \`trusted-server serve\` process, drives
load for --minutes, samples the server's memory, then samples it idle (a forced GC half-way).
Prints a table and a summary and writes soak-<stamp>.json and soak-<stamp>.svg to --out.

options
  --minutes N          minutes of load, fractional allowed (3)
  --connections C      concurrent connections (64)
  --idle S             seconds of idle sampling after the load (60)
  --sample S           seconds between memory samples (5)
  --accept-encoding V  the client's Accept-Encoding (default "${BROWSER_ACCEPT_ENCODING}", a
                       browser's: br from Trusted Server; "gzip" for the gzip path)
  --out DIR            where the JSON and SVG go (benchmark-results/)
  --server-root DIR    measure another checkout's server (e.g. the code before a change)
  --node-flags="F …"  Node/V8 flags for the server, space-separated (e.g. --node-flags=--max-semi-space-size=8)
  --no-nextjs          run the server with [integrations.nextjs] disabled
`;

export function parseSoakOptions(argv: string[]): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      minutes: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      idle: { type: 'string', default: '60' },
      sample: { type: 'string', default: '5' },
      'accept-encoding': { type: 'string', default: BROWSER_ACCEPT_ENCODING },
      out: { type: 'string', default: RESULTS_DIR },
      'server-root': { type: 'string' },
      'node-flags': { type: 'string', default: '' },
      'no-nextjs': { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  let serverRoot: string | undefined;
  if (values['server-root'] !== undefined) {
    serverRoot = resolve(values['server-root']);
    if (!existsSync(join(serverRoot, 'src/cli/main.ts'))) {
      throw new UsageError(
        `--server-root must be a checkout of this project (no src/cli/main.ts in "${values['server-root']}")`,
      );
    }
  }
  const nodeFlags = values['node-flags'].split(/\s+/).filter((flag) => flag !== '');
  const notFlag = nodeFlags.find((flag) => !flag.startsWith('--'));
  if (notFlag !== undefined) {
    throw new UsageError(`--node-flags takes flags that start with "--", got "${notFlag}"`);
  }
  const minutes = positive('minutes', values.minutes, false);
  if (minutes > 24 * 60) throw new UsageError(`--minutes must be at most 1440, got "${minutes}"`);
  const idle = positive('idle', values.idle, false);
  if (idle > 3600) throw new UsageError(`--idle must be at most 3600, got "${idle}"`);
  return {
    minutes,
    connections: positive('connections', values.connections, true),
    idle,
    sample: positive('sample', values.sample, false),
    acceptEncoding: acceptEncoding(values['accept-encoding']),
    out: resolve(values.out),
    serverRoot,
    nodeFlags,
    nextjs: values['no-nextjs'] !== true,
  };
}
