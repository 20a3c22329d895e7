/**
 * A loopback stand-in for the Trusted Server routes the creative runtime talks to, run in a worker
 * thread: happy-dom loads classic `<script src>` synchronously (it blocks the main thread on a
 * child process), so a server on the main thread would never answer.
 *
 * It signs and verifies with the project's real first-party token code, so every URL the runtime
 * ends up with is checked exactly as the real routes would check it.
 *
 * Test control: `POST /_page` `{path, html}` registers a page; `GET /_seen` lists what was asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import {
  FIRST_PARTY_CLICK_PATH,
  signParts,
  signTarget,
  type QueryPair,
} from '../../src/core/first-party/signed-url.ts';
import { verifySignedUrl } from '../../src/core/first-party/verify-signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { buildUnifiedBundle, createTsjsRoute } from '../../src/core/static/tsjs-route.ts';
import { STAND_IN_SECRET, type SeenRequest } from './stand-in.ts';

const signer = createProxyTokenSigner(new Secret(STAND_IN_SECRET));
const tsjs = createTsjsRoute(buildUnifiedBundle());
const pages = new Map<string, string>();
const seen: SeenRequest[] = [];

/** Hosts `/first-party/sign` refuses, as the real route refuses excluded or disallowed hosts. */
const REFUSED_PATH = '/refused';

type Answer = { status: number; headers?: Record<string, string>; body?: string };

async function answer(req: http.IncomingMessage, body: string, url: URL): Promise<Answer> {
  if (url.pathname === '/_page' && req.method === 'POST') {
    const { path, html } = JSON.parse(body) as { path: string; html: string };
    pages.set(path, html);
    return { status: 204 };
  }
  if (url.pathname === '/_seen') return { status: 200, body: JSON.stringify(seen) };
  if (url.pathname.startsWith('/static/tsjs=')) {
    const response = await tsjs(new Request(url), url);
    return {
      status: response.status,
      headers: { 'content-type': 'application/javascript' },
      body: await response.text(),
    };
  }
  if (url.pathname === '/first-party/sign') return sign(req, body, url);
  if (url.pathname === '/first-party/proxy-rebuild') return rebuild(req, body, url);
  if (url.pathname === '/first-party/click' || url.pathname === '/first-party/proxy') {
    const check = await verifySignedUrl(signer, url, { now: Date.now() });
    if (!check.ok) return { status: 403, body: check.message };
    return { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>first party</p>' };
  }
  const page = pages.get(url.pathname);
  if (page !== undefined) {
    return { status: 200, headers: { 'content-type': 'text/html' }, body: page };
  }
  return { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>direct</p>' };
}

async function sign(req: http.IncomingMessage, body: string, url: URL): Promise<Answer> {
  const target =
    req.method === 'POST'
      ? (JSON.parse(body) as { url?: string }).url
      : url.searchParams.get('url');
  // CORS-simple GETs come from opaque-origin creatives (`Origin: null`): they may read the answer.
  const cors: Record<string, string> =
    req.method === 'GET' ? { 'access-control-allow-origin': '*' } : {};
  if (!target || new URL(target).pathname.startsWith(REFUSED_PATH)) {
    return { status: 403, headers: cors, body: 'refused' };
  }
  const signed = await signTarget(signer, target, {
    expiresAt: Math.floor(Date.now() / 1000) + 30,
  });
  if (!signed) return { status: 400, headers: cors, body: 'unsupported url' };
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', ...cors },
    body: JSON.stringify({ href: signed.href, base: signed.tsurl }),
  };
}

/** §5.10, stricter than upstream: the incoming click must verify before it is re-signed. */
async function rebuild(req: http.IncomingMessage, body: string, url: URL): Promise<Answer> {
  let tsclick: string | null;
  let add: Record<string, string> = {};
  let del: string[] = [];
  if (req.method === 'POST') {
    const parsed = JSON.parse(body) as { tsclick?: string; add?: typeof add; del?: typeof del };
    tsclick = parsed.tsclick ?? null;
    add = parsed.add ?? {};
    del = parsed.del ?? [];
  } else {
    tsclick = url.searchParams.get('tsclick');
    add = JSON.parse(url.searchParams.get('add') ?? '{}') as typeof add;
    del = JSON.parse(url.searchParams.get('del') ?? '[]') as typeof del;
  }
  if (!tsclick) return { status: 400, body: 'missing tsclick' };
  const click = new URL(tsclick, 'https://edge.local');
  if (click.pathname !== FIRST_PARTY_CLICK_PATH) return { status: 400, body: 'invalid tsclick' };
  const check = await verifySignedUrl(signer, click, { now: Date.now() });
  if (!check.ok) return { status: 403, body: check.message };
  const params = new Map<string, string>();
  click.searchParams.forEach((value, name) => {
    if (name !== 'tsurl' && name !== 'tstoken') params.set(name, value);
  });
  for (const name of del) params.delete(name);
  for (const [name, value] of Object.entries(add)) {
    if (params.has(name)) return { status: 400, body: `cannot modify existing parameter: ${name}` };
    params.set(name, value);
  }
  const pairs: QueryPair[] = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const href = await signParts(signer, check.tsurl, pairs, FIRST_PARTY_CLICK_PATH);
  if (req.method === 'GET') return { status: 302, headers: { location: href } };
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ href, base: check.tsurl }),
  };
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (!url.pathname.startsWith('/_')) {
      seen.push({
        method: req.method ?? '',
        url: url.href,
        origin: req.headers.origin ?? null,
        cookie: req.headers.cookie ?? null,
        body,
      });
    }
    answer(req, body, url)
      .then(({ status, headers, body: text }) => {
        res.writeHead(status, headers);
        res.end(text);
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
});
server.listen(0, '127.0.0.1', () => {
  parentPort?.postMessage({ port: (server.address() as AddressInfo).port });
});
parentPort?.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort?.close());
});
