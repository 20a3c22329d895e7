/**
 * The one app cache of the edge entries (src/edge/app-cache.ts): Fastly's with a TTL, the
 * Worker's without.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAppCache, STALE_RETRY_MS } from '../src/edge/app-cache.ts';

describe('edge app cache', () => {
  it('builds once, shares concurrent builds, rebuilds after the TTL', async () => {
    let clock = 0;
    let builds = 0;
    const cache = createAppCache<void, number>(() => Promise.resolve(++builds), {
      ttlMs: 1000,
      now: () => clock,
    });
    assert.deepEqual(await Promise.all([cache.get(), cache.get()]), [1, 1]);
    clock = 999;
    assert.equal(await cache.get(), 1);
    clock = 1000;
    assert.equal(await cache.get(), 2);
  });

  it('without a TTL keeps the first app for good and answers it synchronously', async () => {
    let builds = 0;
    const cache = createAppCache((env: { secret: string }) => `${env.secret}#${++builds}`);
    assert.equal(await cache.get({ secret: 'first' }), 'first#1');
    // The Worker's isolate: later requests carry the same env; nothing is rebuilt.
    assert.equal(cache.get({ secret: 'later' }), 'first#1');
  });

  it('does not cache a failed build, whether it rejects or throws', async () => {
    let attempt = 0;
    const cache = createAppCache<void, string>(
      () => {
        attempt += 1;
        if (attempt === 1) return Promise.reject(new Error('Secret Store not linked'));
        if (attempt === 2) throw new Error('missing from the Worker secrets');
        return 'app';
      },
      { ttlMs: 1000, now: () => 0 },
    );
    await assert.rejects(Promise.resolve(cache.get()), /Secret Store not linked/);
    await assert.rejects(Promise.resolve(cache.get()), /missing from the Worker secrets/);
    assert.equal(await cache.get(), 'app');
  });
  it('keeps serving a working app when its rebuild fails, and retries soon', async () => {
    let clock = 0;
    let attempt = 0;
    const heard: unknown[] = [];
    const cache = createAppCache<void, string>(
      () => {
        attempt += 1;
        if (attempt === 2) throw new Error('Config Store unreachable');
        return `app ${attempt}`;
      },
      { ttlMs: 1000, now: () => clock, onStaleRebuildError: (error) => heard.push(error) },
    );
    assert.equal(await cache.get(), 'app 1');
    clock = 1000;
    assert.equal(await cache.get(), 'app 1');
    assert.equal(heard.length, 1);
    clock = 1000 + STALE_RETRY_MS - 1;
    assert.equal(await cache.get(), 'app 1');
    clock = 1000 + STALE_RETRY_MS;
    assert.equal(await cache.get(), 'app 3');
  });
});
