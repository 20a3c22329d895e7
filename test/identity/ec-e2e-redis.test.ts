/**
 * Two `serve` processes behind one load balancer share one Redis: an Edge Cookie minted through
 * one is known to the other, and a withdrawal through either is seen by both before the reader's
 * response arrives. Needs redis-server (skipped, with the reason, where it is not installed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeTc } from '../consent/helpers.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { redisSkip, startRedis, type TestRedis } from '../helpers/redis.ts';
import type { ServedProcess } from '../helpers/serve-process.ts';
import {
  EXPIRED_COOKIE,
  get,
  mintedId,
  NAVIGATION,
  redisGraph,
  scratchDir,
  setCookies,
  startEcServer,
  stopServer,
  type GraphReader,
} from './ec-e2e-fixtures.ts';

const GERMANY = 'mode = "fixed"\ncountry = "DE"';
const TC_CONSENT = encodeTc({ purposes: [1, 2, 3, 4] });
const TC_REFUSED = encodeTc({ purposes: [2, 3, 4] });

describe('Edge Cookie over HTTP: two servers, one Redis', { skip: redisSkip }, () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let origin: TestOrigin;
  let redis: TestRedis;
  let a: ServedProcess;
  let b: ServedProcess;
  let graph: GraphReader;

  before(async () => {
    scratch = await scratchDir();
    redis = await startRedis();
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><head></head><body>page</body></html>');
    });
    const options = { geo: GERMANY, store: `url = "${redis.url}"\ntimeout_ms = 1000` };
    [a, b] = await Promise.all([
      startEcServer(scratch.dir, 'a', origin.url, options),
      startEcServer(scratch.dir, 'b', origin.url, options),
    ]);
    graph = await redisGraph(redis.url);
  });
  after(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
    await graph?.close();
    await origin?.close();
    await redis?.stop();
    await scratch?.remove();
  });

  const consented = { ...NAVIGATION, cookie: `euconsent-v2=${TC_CONSENT}` };

  it('an ID minted through A is a returning reader on B', async () => {
    const id = mintedId(await get(a, '/article', consented));
    assert.ok(id);
    assert.equal(await graph.state(id), 'live');
    const onB = await get(b, '/article', {
      ...NAVIGATION,
      cookie: `ts-ec=${id}; euconsent-v2=${TC_CONSENT}`,
    });
    assert.equal(onB.status, 200);
    assert.deepEqual(setCookies(onB), [], 'B knows the reader: no new ID');
  });

  it('a withdrawal through B is a tombstone A sees at once; consent again mints anew', async () => {
    const id = mintedId(await get(a, '/article', consented)) as string;
    assert.ok(id);
    const withdrawn = await get(b, '/article', {
      ...NAVIGATION,
      cookie: `ts-ec=${id}; euconsent-v2=${TC_REFUSED}`,
    });
    assert.deepEqual(setCookies(withdrawn), [EXPIRED_COOKIE]);
    assert.equal(await graph.state(id), 'tombstone');
    // Consent given again through A: a new ID (fresh suffix, same address hash); the old one
    // stays withdrawn.
    const again = mintedId(await get(a, '/article', consented)) as string;
    assert.ok(again);
    assert.notEqual(again, id);
    assert.equal(again.split('.')[0], id.split('.')[0]);
    assert.equal(await graph.state(again), 'live');
    assert.equal(await graph.state(id), 'tombstone');
  });
});
