import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ifNoneMatchHits } from '../src/core/http/entity-tags.ts';
import {
  buildCreativeBundle,
  buildUnifiedBundle,
  creativeRuntimeTag,
} from '../src/core/static/tsjs-route.ts';
import { startOrigin, type TestOrigin } from './helpers/origin.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { testSettings } from './helpers/settings.ts';

describe('GET /static/tsjs=…', () => {
  let origin: TestOrigin;
  let server: TestServer;

  before(async () => {
    origin = await startOrigin((_req, res) => res.end('from origin'));
    server = await startTestServer(testSettings(origin.url));
  });
  after(async () => {
    await server.close();
    await origin.close();
  });

  it('serves the bundle with a content-hash ETag and the upstream cache headers', async () => {
    for (const name of ['tsjs-unified.min.js', 'tsjs-unified.js']) {
      const response = await fetch(`${server.url}/static/tsjs=${name}?v=anything`);
      assert.equal(response.status, 200);
      const body = Buffer.from(await response.arrayBuffer());
      const hash = createHash('sha256').update(body).digest('hex');
      assert.equal(response.headers.get('etag'), `"sha256-${hash}"`);
      assert.equal(response.headers.get('content-type'), 'application/javascript; charset=utf-8');
      assert.equal(
        response.headers.get('cache-control'),
        'public, max-age=300, s-maxage=300, stale-while-revalidate=60, stale-if-error=86400',
      );
      assert.equal(response.headers.get('surrogate-control'), 'max-age=300');
      assert.equal(response.headers.get('vary'), 'Accept-Encoding');
      assert.match(body.toString(), /tsjs/);
    }
    assert.equal(origin.seen.length, 0, 'the bundle must not come from the origin');
  });

  it('answers a matching If-None-Match (strong, weak, in a list, or *) with 304 and no body', async () => {
    const first = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`);
    const etag = first.headers.get('etag') ?? '';
    await first.arrayBuffer();
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`, {
        headers: { 'if-none-match': header },
      });
      assert.equal(response.status, 304, header);
      assert.equal(response.headers.get('etag'), etag);
      assert.equal((await response.arrayBuffer()).byteLength, 0);
    }
    const stale = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`, {
      headers: { 'if-none-match': '"sha256-0000"' },
    });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();
  });

  it('returns 404 for unknown bundle names, without asking the origin', async () => {
    for (const name of ['tsjs-other.js', 'tsjs-unified.min.js.map', '../package.json', '']) {
      const response = await fetch(`${server.url}/static/tsjs=${name}`);
      assert.equal(response.status, 404, name);
      assert.equal(await response.text(), 'Not Found\n');
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
    assert.equal(origin.seen.length, 0);
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`, {
      method: 'HEAD',
    });
    assert.equal(response.status, 200);
    assert.ok(Number(response.headers.get('content-length')) > 0);
  });

  it('hashes exactly the bytes it serves', async () => {
    const bundle = await buildUnifiedBundle();
    assert.equal(bundle.hash, createHash('sha256').update(bundle.body).digest('hex'));
    assert.equal(ifNoneMatchHits('W/"a", "b"', '"b"'), true);
    assert.equal(ifNoneMatchHits('"a"', '"b"'), false);
    assert.equal(ifNoneMatchHits(null, '"b"'), false);
  });

  it('serves the creative runtime alone, with its own hash, under the tag the rewriter injects', async () => {
    const tag = await creativeRuntimeTag();
    const match =
      /^<script src="(\/static\/tsjs=tsjs-creative\.min\.js\?v=([0-9a-f]{64}))"><\/script>$/.exec(
        tag,
      );
    assert.ok(match, tag);
    const response = await fetch(`${server.url}${match[1]}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/javascript; charset=utf-8');
    const body = Buffer.from(await response.arrayBuffer());
    const hash = createHash('sha256').update(body).digest('hex');
    assert.equal(match[2], hash, 'the ?v= of the tag is the hash of the served bytes');
    assert.equal(response.headers.get('etag'), `"sha256-${hash}"`);
    assert.match(body.toString(), /first-party\/proxy-rebuild/);

    const unified = await fetch(`${server.url}/static/tsjs=tsjs-unified.min.js`);
    await unified.arrayBuffer();
    assert.notEqual(unified.headers.get('etag'), response.headers.get('etag'));
    assert.doesNotMatch(body.toString(), /\bque\b/, 'the page API is not in the creative runtime');

    const revalidated = await fetch(`${server.url}${match[1]}`, {
      headers: { 'if-none-match': `"sha256-${hash}"` },
    });
    assert.equal(revalidated.status, 304);
    await revalidated.arrayBuffer();
    assert.equal((await buildCreativeBundle()).hash, hash);
    assert.equal(origin.seen.length, 0);
  });

  it('passes exclude_domains to the runtime as an escaped attribute', async () => {
    const tag = await creativeRuntimeTag(['cdn.example', '*.partner.example', '"><x']);
    assert.match(
      tag,
      / data-ts-direct="cdn\.example \*\.partner\.example &quot;>&lt;x"><\/script>$/,
    );
  });
});
