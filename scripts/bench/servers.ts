/**
 * The servers a bench run measures: Trusted Server itself (`serve`, one process) and, with
 * `--peers`, a plain Node streaming passthrough proxy (the ceiling: no rewriting at all) and a
 * Cloudflare Worker doing the same publisher rewrite with its native HTMLRewriter (lol_html) under
 * `workerd`. All three reach the same bench origin.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORIGIN_HOST } from './origin.ts';
import { freePort, ROOT, startChild, stopChild, untilOk } from './processes.ts';

export interface RunningServer {
  name: string;
  url: URL;
  pid: number;
  /** Milliseconds from spawn to the first 200 on `/`. */
  startMs: number;
  /** The tail of the process's stdout and stderr. */
  output: () => string;
  stop(): Promise<void>;
}

const work = mkdtempSync(join(tmpdir(), 'ts-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** What a scenario adds to the bench config: keys under `[ec]`, and whole tables at the end. */
export interface ConfigExtras {
  /** Part of the file name: two configs of one run must not overwrite each other. */
  tag: string;
  ec?: string[];
  /** Lines added to the `[proxy]` table (the config writes that table itself). */
  proxy?: string[];
  tables?: string[];
}

export function writeServerConfig(
  originPort: number,
  nextjs: boolean,
  extras?: ConfigExtras,
): string {
  const tag = extras === undefined ? '' : `-${extras.tag}`;
  const config = join(work, `trusted-server-${originPort}-${nextjs ? 'next' : 'plain'}${tag}.toml`);
  // origin_url is http: the bench origin speaks plain HTTP, which keeps the comparison about
  // rewriting rather than TLS; origin_address points the fixture's host at the bench origin.
  writeFileSync(
    config,
    [
      '[publisher]',
      'domain = "bench.example.com"',
      'hosts = ["127.0.0.1"]',
      'cookie_domain = ".bench.example.com"',
      `origin_url = "http://${ORIGIN_HOST}"`,
      'proxy_secret = "bench-proxy-secret-0123456789"',
      '[ec]',
      'passphrase = "bench-ec-passphrase-0123456789abcdef"',
      ...(extras?.ec ?? []),
      '[proxy]',
      `origin_address = "127.0.0.1:${originPort}"`,
      'max_decoded_body_bytes = 134217728',
      ...(extras?.proxy ?? []),
      '[logging]',
      'level = "warn"',
      '[integrations.nextjs]',
      `enabled = ${nextjs}`,
      ...(extras?.tables ?? []),
      '',
    ].join('\n'),
  );
  return config;
}

async function launch(
  name: string,
  command: string,
  args: string[],
  port: number,
  readyPath: string,
): Promise<RunningServer> {
  const started = performance.now();
  const child = startChild(command, args);
  const url = new URL(`http://127.0.0.1:${port}/`);
  await untilOk(new URL(readyPath, url).href, child);
  const startMs = performance.now() - started;
  return {
    name,
    url,
    pid: child.pid ?? 0,
    startMs,
    output: child.output,
    stop: () => stopChild(child),
  };
}

/**
 * `trusted-server serve --workers 1` on a free port, under this same Node, ready once `readyPath`
 * answers 200 (`/health` leaves the publisher path cold; `/` times a full first page). `root` is
 * the checkout whose server runs (the soak measures another one's with `--server-root`); `extras`
 * what a scenario adds to the config.
 */
export async function startTrustedServer(
  originPort: number,
  nextjs: boolean,
  readyPath = '/health',
  execArgv: string[] = [],
  root = ROOT,
  extras?: ConfigExtras,
): Promise<RunningServer> {
  const port = await freePort();
  const config = writeServerConfig(originPort, nextjs, extras);
  return launch(
    'trusted-server',
    process.execPath,
    [
      ...execArgv,
      join(root, 'src/cli/main.ts'),
      'serve',
      '--config',
      config,
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    port,
    readyPath,
  );
}

/** The ceiling: Node's own http module piping origin to client, no rewriting, keep-alive. */
export async function startPassthrough(originPort: number): Promise<RunningServer> {
  const port = await freePort();
  const script = join(work, 'passthrough.mjs');
  writeFileSync(
    script,
    `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
http.createServer((req, res) => {
  const up = http.request({ host: '127.0.0.1', port: ${originPort}, path: req.url, method: req.method,
    headers: { ...req.headers, host: '${ORIGIN_HOST}' }, agent }, (o) => { res.writeHead(o.statusCode, o.headers); o.pipe(res); });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(${port}, '127.0.0.1');
`,
  );
  return launch('node-passthrough', process.execPath, [script], port, '/');
}

/**
 * The same publisher rewrite as a Cloudflare Worker with the native HTMLRewriter: origin URLs in
 * the URL attributes become first-party, a script is prepended to the first <head>; the Workers
 * runtime decodes the origin's gzip and encodes the answer: br when the client accepts it (as
 * Trusted Server does), else gzip. Undefined when the workerd binary is not installed.
 */
export async function startWorkerdPeer(originPort: number): Promise<RunningServer | undefined> {
  const workerd = join(ROOT, 'node_modules/.bin/workerd');
  if (!existsSync(workerd)) {
    console.log('note: workerd is not installed; the workerd peer is skipped');
    return undefined;
  }
  const port = await freePort();
  writeFileSync(
    join(work, 'worker.js'),
    `const ORIGIN = 'https://${ORIGIN_HOST}';
const FIRST_PARTY = 'http://127.0.0.1:${port}';
const rewrite = (value) => (value && value.includes(ORIGIN) ? value.replaceAll(ORIGIN, FIRST_PARTY) : null);
class Attribute {
  constructor(name) { this.name = name; }
  element(element) { const next = rewrite(element.getAttribute(this.name)); if (next !== null) element.setAttribute(this.name, next); }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const upstream = await env.ORIGIN.fetch(new Request('http://${ORIGIN_HOST}' + url.pathname + url.search, { headers: request.headers }));
    let injected = false;
    let rewriter = new HTMLRewriter();
    for (const name of ['href', 'src', 'action', 'formaction', 'poster', 'srcset', 'imagesrcset']) rewriter = rewriter.on('[' + name + ']', new Attribute(name));
    rewriter = rewriter.on('head', { element(element) { if (!injected) { injected = true; element.prepend('<script src="/static/tsjs=tsjs-unified.min.js" id="trustedserver-js"></script>', { html: true }); } } });
    const response = rewriter.transform(upstream);
    // Like Trusted Server, answer br to a client that takes it (workerd compresses the body as
    // the Content-Encoding header says), else the origin's gzip.
    if (!/\\bbr\\b/i.test(request.headers.get('accept-encoding') ?? '') || !response.headers.has('content-encoding')) return response;
    const headers = new Headers(response.headers);
    headers.set('content-encoding', 'br');
    return new Response(response.body, { status: response.status, headers });
  },
};
`,
  );
  const config = join(work, 'workerd.capnp');
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "origin", external = (address = "127.0.0.1:${originPort}", http = ())),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["brotli_content_encoding"],
  bindings = [ (name = "ORIGIN", service = "origin") ],
);
`,
  );
  return launch('workerd-htmlrewriter', workerd, ['serve', config], port, '/');
}
