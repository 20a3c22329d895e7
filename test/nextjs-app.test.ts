/**
 * A real Next.js App Router app as the origin (test/fixtures/next-app, built with the `next`
 * package in this test's setup): its page HTML and its `RSC: 1` navigation responses through the
 * proxy must carry no origin URL, and their Flight data must still parse.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { flightRows, inlinePayloads } from './helpers/flight.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

const APP = fileURLToPath(new URL('./fixtures/next-app/', import.meta.url));
const NEXT = fileURLToPath(new URL('../node_modules/next/dist/bin/next', import.meta.url));
const ORIGIN_NAME = 'next-origin.test';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: body.toString(),
          });
        });
      })
      .on('error', reject);
  });
}

const skip = existsSync(NEXT) ? false : 'the `next` package is not installed';

describe('a real Next.js App Router origin', { skip, timeout: 180_000 }, () => {
  let next: ChildProcess | undefined;
  let server: TestServer;

  before(async () => {
    const built = spawnSync(process.execPath, [NEXT, 'build', APP], {
      env,
      encoding: 'utf8',
      timeout: 150_000,
    });
    assert.equal(built.status, 0, `next build failed:\n${built.stdout}\n${built.stderr}`);
    const port = await freePort();
    next = spawn(process.execPath, [NEXT, 'start', APP, '-p', String(port), '-H', '127.0.0.1'], {
      env,
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`next start did not get ready:\n${output}`)),
        30_000,
      );
      next?.stdout?.on('data', (data: Buffer) => {
        output += data.toString();
        if (/Ready|started server/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      next?.once('exit', () => reject(new Error(`next start exited:\n${output}`)));
    });
    server = await startTestServer(
      testSettings(`http://${ORIGIN_NAME}`, '[integrations.nextjs]\nenabled = true\n', {
        TRUSTED_SERVER__PROXY__ORIGIN_ADDRESS: `127.0.0.1:${port}`,
      }),
    );
  });

  after(async () => {
    await server?.close();
    next?.kill('SIGTERM');
  });

  it('serves the page HTML with no origin URL left and Flight payloads that parse', async () => {
    const page = await get(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.type, /^text\/html/);
    assert.equal(page.body.split(ORIGIN_NAME).length - 1, 0, 'origin references left in the page');
    assert.match(page.body, new RegExp(`href="${server.url}/about"`));
    assert.match(page.body, /id="trustedserver-js"/);
    const rows = flightRows(inlinePayloads(page.body).join(''));
    assert.deepEqual(rows.misframed, []);
    assert.ok(rows.length > 5, `${rows.length} Flight rows`);
  });

  it('rewrites RSC navigation responses (text/x-component) and keeps them parseable', async () => {
    for (const path of ['/about?_rsc', '/?_rsc']) {
      const rsc = await get(`${server.url}${path}`, { rsc: '1' });
      assert.equal(rsc.status, 200, path);
      assert.match(rsc.type, /^text\/x-component/);
      assert.equal(rsc.body.split(ORIGIN_NAME).length - 1, 0, `origin references left in ${path}`);
      assert.ok(rsc.body.includes(new URL(server.url).host), path);
      const rows = flightRows(rsc.body);
      assert.deepEqual(rows.misframed, []);
      assert.ok(rows.length > 5);
    }
  });
});
