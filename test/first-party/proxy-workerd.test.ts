/**
 * The first-party proxy and click routes on Cloudflare: the production Worker bundle in a real
 * workerd, the creative host on loopback (workerd's local network service may reach it, and the
 * config turns `allow_private_targets` on, as only tests may). Skipped, with the reason, where
 * workerd cannot run.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildWorker } from '../../src/build/worker.ts';
import { startWorkerd, type RunningWorkerd } from '../../src/build/workerd.ts';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { baseToml, SECRET_PROXY } from '../helpers/settings.ts';
import { workerdUnavailable } from '../helpers/workerd-process.ts';

const unavailable = workerdUnavailable();
if (unavailable !== undefined)
  console.log(`# skipping the workerd first-party test: ${unavailable}`);

const signer = createProxyTokenSigner(new Secret(SECRET_PROXY));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EC_ID = `${'ef'.repeat(32)}.Ww34Ee`;
const CF_HEADER = 'x-test-cf-blob';
const CANADA = { [CF_HEADER]: JSON.stringify({ country: 'CA', regionCode: 'ON' }) };

describe('first-party proxy in workerd', { skip: unavailable }, () => {
  let dir: string;
  let host: TestOrigin;
  let origin: TestOrigin;
  let workerd: RunningWorkerd;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-fp-workerd-'));
    host = await startOrigin((req, res) => {
      if (req.url?.startsWith('/hop')) {
        res.writeHead(302, { location: '/img.png' });
        return res.end();
      }
      res.writeHead(200, {
        'content-type': 'image/png',
        'set-cookie': 'tracker=1',
        'access-control-allow-origin': '*',
      });
      res.end(PNG);
    });
    origin = await startOrigin((_req, res) => res.end('origin'));
    const config = join(dir, 'trusted-server.toml');
    const address = origin.url.slice('http://'.length);
    await writeFile(
      config,
      `${baseToml('http://www.origin.test')}\n[proxy]\norigin_address = "${address}"\nallow_private_targets = true\n`,
    );
    const built = await buildWorker({ config, outDir: dir });
    workerd = await startWorkerd({ ...built, cfBlobHeader: CF_HEADER });
  });
  after(async () => {
    await workerd?.close();
    await host?.close();
    await origin?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('proxies an image through a redirect, without the host’s cookie or CORS grant', async () => {
    const href = (await signTarget(signer, `${host.url}/hop?x=1`))?.href ?? '';
    const response = await fetch(workerd.url + href, {
      headers: { ...CANADA, cookie: `ts-ec=${EC_ID}`, authorization: 'Bearer reader' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), PNG);
    assert.equal(response.headers.get('set-cookie'), null);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    const first = host.seen.find((seen) => seen.url.startsWith('/hop'));
    assert.equal(first?.headers['authorization'], undefined);
    assert.equal(first?.headers['cookie'], undefined);
    assert.equal(new URL(first?.url ?? '', 'http://h').searchParams.get('ts-ec'), EC_ID);
  });

  it('refuses a tampered URL without fetching', async () => {
    const seen = host.seen.length;
    const href = (await signTarget(signer, `${host.url}/img.png`))?.href ?? '';
    const response = await fetch(workerd.url + href.replace('img.png', 'img.gif'));
    assert.equal(response.status, 403);
    assert.equal(host.seen.length, seen);
  });

  it('answers a click with a 302 and no-store', async () => {
    const href = (
      await signTarget(signer, 'https://advertiser.example/l?c=1', {
        basePath: '/first-party/click',
      })
    )?.href;
    const response = await fetch(workerd.url + href, { redirect: 'manual', headers: CANADA });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'https://advertiser.example/l?c=1');
    assert.equal(response.headers.get('cache-control'), 'no-store, private');
  });
});

describe('first-party proxy in workerd, configured as in production', { skip: unavailable }, () => {
  let dir: string;
  let workerd: RunningWorkerd;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-fp-workerd-'));
    const config = join(dir, 'trusted-server.toml');
    await writeFile(
      config,
      `${baseToml('http://www.origin.test')}\n[proxy]\norigin_address = "127.0.0.1:9"\n`,
    );
    workerd = await startWorkerd({
      ...(await buildWorker({ config, outDir: dir })),
      cfBlobHeader: CF_HEADER,
    });
  });
  after(async () => {
    await workerd?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses private and metadata IP literals before fetching (names: see docs/security.md)', async () => {
    const cases: [string, string][] = [
      [
        'https://169.254.169.254/latest/meta-data/',
        'creative host 169.254.169.254 is a link-local address',
      ],
      ['https://[::1]:8443/', 'creative host [::1] is a loopback address'],
      ['http://127.0.0.1:8080/', 'creative URL must be https (got http:)'],
    ];
    for (const [target, reason] of cases) {
      const href = (await signTarget(signer, target))?.href ?? '';
      const response = await fetch(workerd.url + href);
      assert.equal(response.status, 403, target);
      assert.equal(await response.text(), `${reason}\n`);
    }
  });
});
