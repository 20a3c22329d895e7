/**
 * Pull sync from a real `trusted-server serve` process to a real HTTPS partner on loopback. The
 * partner's certificate is self-signed, made here with openssl, and trusted by the server process
 * through `NODE_EXTRA_CA_CERTS` — certificate checking stays on, as in production.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIdentityGraph, type IdentityGraph } from '../../src/core/identity/identity-graph.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { openSqliteKv } from '../../src/node/stores/sqlite-kv.ts';
import { makeSelfSignedCertificate } from '../helpers/self-signed.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { startServeProcess, type ServedProcess } from '../helpers/serve-process.ts';
import { endpointToml, seedEntry } from './endpoint-fixtures.ts';

const PULL_TOKEN = 'https-pull-token-0123456789abcdef0123';
const id = (digit: string) => `${digit.repeat(64)}.Ab12Cd`;

interface Seen {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  cookie: string | undefined;
}

interface HttpsPartner {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 with the test certificate, answering `answer` per request. */
async function startHttpsPartner(
  key: Buffer,
  cert: Buffer,
  answer: (query: URLSearchParams) => {
    status: number;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<HttpsPartner> {
  const seen: Seen[] = [];
  const server = https.createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    seen.push({
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
    });
    const { status, body, headers } = answer(url.searchParams);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => boolean | Promise<boolean>, message: string) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('pull sync to a real HTTPS partner', () => {
  let dir: string;
  let partner: HttpsPartner;
  let elsewhere: HttpsPartner;
  let origin: TestOrigin;
  let served: ServedProcess;
  let kv: KvStore;
  let graph: IdentityGraph;
  const KNOWN = id('1');
  const UNKNOWN = id('2');
  const REDIRECTED = id('3');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-pull-'));
    const { key: keyPath, cert: certPath } = makeSelfSignedCertificate(dir, '127.0.0.1');
    const key = readFileSync(keyPath);
    const cert = readFileSync(certPath);
    elsewhere = await startHttpsPartner(key, cert, () => ({
      status: 200,
      body: '{"uid":"stolen"}',
    }));
    partner = await startHttpsPartner(key, cert, (query) => {
      const ecId = query.get('ec_id');
      if (ecId === KNOWN) return { status: 200, body: '{"uid":"https-uid"}' };
      if (ecId === REDIRECTED) {
        return { status: 302, headers: { location: `${elsewhere.url}/pull?ec_id=${ecId}` } };
      }
      return { status: 404 };
    });
    origin = await startOrigin((_req, res) => res.end('<p>article</p>'));
    const store = join(dir, 'graph.db');
    const toml = endpointToml({
      originUrl: origin.url,
      partners: `
[[ec.partners]]
name = "Puller"
source_domain = "puller.example"
api_token = "puller-api-token-0123456789abcdef012345"
pull_sync_enabled = true
pull_sync_url = "${partner.url}/pull"
pull_sync_allowed_domains = ["127.0.0.1"]
pull_sync_rate_limit = 60
ts_pull_token = "${PULL_TOKEN}"
`,
      extra: `\n[geo]\nmode = "fixed"\ncountry = "CA"\n\n[store]\npath = "${store}"\n`,
    });
    const config = join(dir, 'ts.toml');
    writeFileSync(config, toml);
    kv = openSqliteKv({ path: store, busyTimeoutMs: 1000 });
    graph = createIdentityGraph(kv, { now: Date.now });
    for (const reader of [KNOWN, UNKNOWN, REDIRECTED]) await seedEntry(graph, reader);
    // Only the server process trusts the test certificate; verification stays on.
    process.env['NODE_EXTRA_CA_CERTS'] = certPath;
    try {
      served = await startServeProcess(['--config', config]);
    } finally {
      delete process.env['NODE_EXTRA_CA_CERTS'];
    }
  });

  after(async () => {
    served?.child.kill('SIGTERM');
    await served?.exited;
    await kv?.close();
    await partner?.close();
    await elsewhere?.close();
    await origin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const view = async (reader: string) => {
    const response = await fetch(`${served.url}/article`, {
      headers: { cookie: `ts-ec=${reader}` },
    });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '<p>article</p>');
  };

  it('asks with the ID and its Bearer token over verified TLS, and stores the UID', async () => {
    await view(KNOWN);
    await until(
      async () => (await graph.get(KNOWN))?.entry.ids['puller.example']?.uid === 'https-uid',
      `the UID was not stored:\n${served.output()}`,
    );
    const call = partner.seen.find((seen) => seen.query.get('ec_id') === KNOWN);
    assert.ok(call);
    assert.equal(call.path, '/pull');
    assert.equal(call.authorization, `Bearer ${PULL_TOKEN}`);
    assert.equal(call.cookie, undefined, 'the reader’s cookies reached the partner');
    const output = served.output();
    assert.ok(!output.includes(KNOWN), 'the full ID is in the server log');
    assert.ok(!output.includes(PULL_TOKEN), 'the pull token is in the server log');
  });

  it('keeps to the partner budget per household (60 an hour: one call a minute)', async () => {
    await view(UNKNOWN);
    await until(
      () => partner.seen.some((seen) => seen.query.get('ec_id') === UNKNOWN),
      'the partner was not asked',
    );
    await view(UNKNOWN);
    await view(UNKNOWN);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(partner.seen.filter((seen) => seen.query.get('ec_id') === UNKNOWN).length, 1);
  });

  it('never follows a partner’s redirect to another host', async () => {
    await view(REDIRECTED);
    await until(
      () => partner.seen.some((seen) => seen.query.get('ec_id') === REDIRECTED),
      'the partner was not asked',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(elsewhere.seen.length, 0);
    assert.equal((await graph.get(REDIRECTED))?.entry.ids['puller.example'], undefined);
  });
});
