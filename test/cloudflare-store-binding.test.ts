/**
 * How a Worker's bindings choose its store, and how the Durable Object store places keys. The
 * stores themselves run in workerd (kv-workerd.test.ts); this is the part that needs no runtime:
 * the choice of store and rate limiter and its error messages, where the rate limiter counts and
 * what it makes of an answer that is not a count, and the shard hash that stored data depends on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { TsError } from '../src/core/errors.ts';
import { shardIndex } from '../src/cloudflare/stores/durable-object-shards.ts';
import { createDurableObjectKv } from '../src/cloudflare/stores/durable-object-kv-client.ts';
import type {
  KvObjectNamespace,
  KvObjectStub,
} from '../src/cloudflare/stores/durable-object-kv-protocol.ts';
import { createDurableObjectRateLimiter } from '../src/cloudflare/stores/durable-object-rate-limiter.ts';
import {
  DURABLE_OBJECT_BINDING,
  rateLimiterFromBindings,
  storeFromBindings,
} from '../src/cloudflare/stores/store-binding.ts';

// Shapes of the runtime's bindings: selection looks only at which methods exist.
const durableObjectNamespace = { idFromName: (name: string) => name, get: () => ({}) };
const kvNamespace = { getWithMetadata() {}, put() {}, delete() {}, list() {} };

const configurationError = (pattern: RegExp) => (error: unknown) =>
  error instanceof TsError && error.code === 'configuration' && pattern.test(error.message);

describe('Cloudflare store selection', () => {
  it('no store binding: no store', () => {
    assert.equal(storeFromBindings({ OTHER: 'x' }, Date.now), undefined);
  });

  it('TS_KV selects the Durable Object store, TS_KV_NAMESPACE the Workers KV store', () => {
    const durable = storeFromBindings({ TS_KV: durableObjectNamespace }, Date.now);
    assert.equal(durable?.kind, 'durable-object');
    assert.deepEqual(durable.capabilities, { cas: true, ttl: true, consistent: true });
    const eventual = storeFromBindings({ TS_KV_NAMESPACE: kvNamespace }, Date.now);
    assert.equal(eventual?.kind, 'workers-kv');
    assert.deepEqual(eventual.capabilities, { cas: false, ttl: true, consistent: false });
  });

  it('both bindings at once are refused, naming both', () => {
    assert.throws(
      () =>
        storeFromBindings(
          { TS_KV: durableObjectNamespace, TS_KV_NAMESPACE: kvNamespace },
          Date.now,
        ),
      configurationError(/both TS_KV .* and TS_KV_NAMESPACE .* are bound/),
    );
  });

  it('a binding of the wrong kind is refused, naming it and what to declare', () => {
    assert.throws(
      () => storeFromBindings({ TS_KV: 'a plain variable' }, Date.now),
      configurationError(/binding TS_KV is not a Durable Object namespace.*durable_objects/),
    );
    assert.throws(
      () => storeFromBindings({ TS_KV_NAMESPACE: durableObjectNamespace }, Date.now),
      configurationError(/binding TS_KV_NAMESPACE is not a Workers KV namespace.*kv_namespaces/),
    );
  });
});

describe('Cloudflare rate limiter selection', () => {
  it('follows the store: shared with TS_KV, per isolate with Workers KV, none without a store', () => {
    assert.equal(
      rateLimiterFromBindings({ TS_KV: durableObjectNamespace }, Date.now)?.scope,
      'shared',
    );
    assert.equal(
      rateLimiterFromBindings({ TS_KV_NAMESPACE: kvNamespace }, Date.now)?.scope,
      'process',
    );
    assert.equal(rateLimiterFromBindings({ OTHER: 'x' }, Date.now), undefined);
  });

  it('refuses the same binding mistakes as the store, naming the binding', () => {
    assert.throws(
      () => rateLimiterFromBindings({ TS_KV: 'a plain variable' }, Date.now),
      configurationError(/binding TS_KV is not a Durable Object namespace/),
    );
    assert.throws(
      () =>
        rateLimiterFromBindings(
          { TS_KV: durableObjectNamespace, TS_KV_NAMESPACE: kvNamespace },
          Date.now,
        ),
      configurationError(/both TS_KV .* and TS_KV_NAMESPACE .* are bound/),
    );
  });

  /** A namespace recording the object names called, whose objects answer `increment` with `answer`. */
  const recordingNamespace = (answer: unknown) => {
    const called: string[] = [];
    const namespace: KvObjectNamespace = {
      idFromName: (name: string) => name,
      get: (id: unknown) =>
        new Proxy({} as KvObjectStub, {
          get: () => () => {
            called.push(id as string);
            return Promise.resolve(answer);
          },
        }),
    };
    return { namespace, called };
  };

  it("counts on objects of its own, never on the store's", async () => {
    const { namespace, called } = recordingNamespace(1);
    const limiter = createDurableObjectRateLimiter(namespace);
    const store = createDurableObjectKv(namespace);
    await limiter.exceeded('ec:a', 5);
    await store.get('ec:a');
    assert.deepEqual(called, ['trusted-server-rate/16/8', 'trusted-server-kv/16/8']);
  });

  it('an answer that is not a count is store_unavailable, never a pass', async () => {
    for (const answer of [undefined, 'ok', 0, 1.5]) {
      const limiter = createDurableObjectRateLimiter(recordingNamespace(answer).namespace);
      await assert.rejects(limiter.exceeded('batch:ssp', 10), {
        code: 'store_unavailable',
        message: 'rate limiter durable object store: the object did not answer with a count',
      });
    }
  });
});

describe('Durable Object store sharding', () => {
  it('places a key on the same shard in every release (stored data depends on it)', () => {
    // FNV-1a's published 32-bit test vectors (a modulus of 2^32 shows the whole hash).
    assert.equal(shardIndex('a', 2 ** 32), 0xe40c292c);
    assert.equal(shardIndex('foobar', 2 ** 32), 0xbf9cf968);
    assert.deepEqual(
      ['ec:a', 'ec:b', 'ä✓', 'a'.repeat(512)].map((key) => shardIndex(key, 16)),
      [8, 1, 0, 5],
    );
  });

  it('spreads keys of one shape evenly over the shards', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const shard = shardIndex(`ec:${i.toString(16).padStart(8, '0')}.partner`, 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) assert.ok(count > 800 && count < 1200, `shard holds ${count}`);
  });
});

describe('wrangler.toml', () => {
  it('binds the store Durable Object as TS_KV (the rate limiter too), with a SQLite migration for its class', () => {
    const wrangler = parseToml(
      readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8'),
    ) as {
      durable_objects?: { bindings?: { name: string; class_name: string }[] };
      migrations?: { tag: string; new_sqlite_classes?: string[] }[];
    };
    assert.deepEqual(
      wrangler.durable_objects?.bindings?.map((binding) => ({ ...binding })),
      [{ name: DURABLE_OBJECT_BINDING, class_name: 'TrustedServerKv' }],
    );
    // SQLite-backed: the object's storage.sql API exists only for such classes.
    assert.ok(
      wrangler.migrations?.some((migration) =>
        migration.new_sqlite_classes?.includes('TrustedServerKv'),
      ),
    );
  });
});
