/**
 * The Fastly store (src/fastly/kv-store-kv.ts) over a stand-in with Fastly's documented KV Store
 * semantics (test/helpers/fastly-kv-stand-in.ts): the contract (its CAS-only cases skip themselves,
 * as the store reports `cas: false`), and what is Fastly's own — escaped keys, the generation kept
 * with the value, entries seeded by other tools, paged counting, failures as `store_unavailable`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../src/core/errors.ts';
import { KV_LIMITS } from '../src/core/store/kv.ts';
import { createFastlyKv } from '../src/fastly/kv-store-kv.ts';
import { EXTERNAL_GENERATION, fastlyKey } from '../src/fastly/kv-store-format.ts';
import { kvContract, TestClock } from './contracts/kv-contract.ts';
import { FastlyKvStandIn } from './helpers/fastly-kv-stand-in.ts';

kvContract('fastly (stand-in)', () => {
  const clock = new TestClock();
  const store = createFastlyKv(new FastlyKvStandIn(clock.now), 'trusted_server_kv');
  return Promise.resolve({ store, clock });
});

function open() {
  const fastly = new FastlyKvStandIn();
  return { fastly, store: createFastlyKv(fastly, 'trusted_server_kv') };
}

function isStoreError(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof TsError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('Fastly KV Store', () => {
  it('reports what Fastly guarantees: TTL, but neither CAS nor consistency across POPs', () => {
    const { store } = open();
    assert.equal(store.kind, 'fastly');
    assert.deepEqual(store.capabilities, { cas: false, ttl: true, consistent: false });
  });

  it('stores keys Fastly refuses under escaped names, and counts them by prefix', async () => {
    const { fastly, store } = open();
    const keys = ['a#b', 'q?x', 'p;1', 'c^d|e', '100%', '.well-known/acme-challenge/t', '.hidden'];
    for (const key of keys) assert.ok((await store.put(key, key)).ok);
    for (const key of keys) assert.equal((await store.get(key))?.value, key);
    assert.deepEqual(fastly.keys().sort(), [
      '%2Ehidden',
      '%2Ewell-known/acme-challenge/t',
      '100%25',
      'a%23b',
      'c%5Ed%7Ce',
      'p%3B1',
      'q%3Fx',
    ]);
    assert.equal(await store.countPrefix('.', 10), 2);
    assert.equal(await store.countPrefix('c^', 10), 1);
    assert.equal(await store.delete('a#b'), true);
    assert.equal(await store.get('a#b'), null);
  });

  it('escaping keeps prefixes: a key starts with p exactly when its Fastly key starts with fastlyKey(p)', () => {
    const samples = ['', 'a', '%', '%2', '%25', '#', '.', '..x', 'a.b', 'ä✓', 'x?%#', '\ud800z'];
    for (const key of samples) {
      for (const prefix of samples) {
        if (prefix === '') continue;
        assert.equal(
          fastlyKey(key || 'k').startsWith(fastlyKey(prefix)),
          (key || 'k').startsWith(prefix),
          `${JSON.stringify(key)} / ${JSON.stringify(prefix)}`,
        );
      }
    }
    // Distinct lone surrogates stay distinct keys (UTF-8 would turn both into U+FFFD).
    assert.notEqual(fastlyKey('k\ud800'), fastlyKey('k\ud801'));
  });

  it("refuses a key that outgrows Fastly's 1024 bytes once escaped, naming both sizes", async () => {
    const { store } = open();
    const key = '#'.repeat(KV_LIMITS.keyBytes); // 512 bytes here, 1536 escaped
    await assert.rejects(
      store.put(key, 'x'),
      isStoreError('store_invalid_key', /1536 bytes once escaped .*limit is 1024/),
    );
  });

  it("keeps its generation with the value and the caller's metadata whole (1000 bytes)", async () => {
    const { fastly, store } = open();
    const metadata = 'm'.repeat(KV_LIMITS.metadataBytes);
    const written = await store.put('ec:1', '{"uids":{}}', { metadata });
    assert.ok(written.ok);
    assert.equal(fastly.raw('ec:1'), `tskv1 ${written.generation}\n{"uids":{}}`);
    assert.deepEqual(await store.get('ec:1'), {
      value: '{"uids":{}}',
      metadata,
      generation: written.generation,
    });
  });

  it('reads an entry seeded by another tool as its whole body, and can replace it', async () => {
    const { fastly, store } = open();
    fastly.seed('seeded', 'plain body', 'meta');
    fastly.seed('look-alike', 'tskv1 not-a-generation\nbody');
    assert.deepEqual(await store.get('seeded'), {
      value: 'plain body',
      metadata: 'meta',
      generation: EXTERNAL_GENERATION,
    });
    assert.equal((await store.get('look-alike'))?.value, 'tskv1 not-a-generation\nbody');
    const replaced = await store.put('seeded', 'ours', {
      mode: { kind: 'if-generation', generation: EXTERNAL_GENERATION },
    });
    assert.ok(replaced.ok);
    assert.equal((await store.get('seeded'))?.generation, replaced.generation);
  });

  it("add is Fastly's own: of two concurrent adds exactly one wins", async () => {
    const { store } = open();
    const results = await Promise.all([
      store.put('new', 'first', { mode: { kind: 'add' } }),
      store.put('new', 'second', { mode: { kind: 'add' } }),
    ]);
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, false],
    );
    assert.deepEqual(results[1], { ok: false, reason: 'exists' });
    assert.equal((await store.get('new'))?.value, 'first');
  });

  it('if-generation is not atomic: two writers holding one generation can both win', async () => {
    // What `cas: false` means in practice: the identity graph's merge is last-write-wins here.
    const { store } = open();
    const base = await store.put('graph', 'v0');
    assert.ok(base.ok);
    const mode = { kind: 'if-generation', generation: base.generation } as const;
    const results = await Promise.all([
      store.put('graph', 'writer A', { mode }),
      store.put('graph', 'writer B', { mode }),
    ]);
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true],
    );
    assert.equal((await store.get('graph'))?.value, 'writer B');
  });

  it('counts past one listing page, and stops listing at the limit', async () => {
    const { fastly, store } = open();
    for (let i = 0; i < 2500; i++) fastly.seed(`ec:${String(i).padStart(4, '0')}`, 'x');
    fastly.seed('other', 'x');
    fastly.calls.length = 0;
    assert.equal(await store.countPrefix('ec:', 10_000), 2500);
    assert.deepEqual(fastly.calls, ['list', 'list', 'list']);
    fastly.calls.length = 0;
    assert.equal(await store.countPrefix('ec:', 1200), 1200);
    assert.deepEqual(fastly.calls, ['list', 'list']);
    assert.equal(await store.countPrefix('', 10_000), 2501);
  });

  it('a failing Fastly call is store_unavailable, naming store and operation but not the key', async () => {
    const { fastly, store } = open();
    assert.ok((await store.put('ec:secret-id', 'x')).ok);
    for (const [operation, work, named] of [
      ['get', () => store.get('ec:secret-id'), 'lookup'],
      ['put', () => store.put('ec:secret-id', 'y'), 'insert'],
      ['put', () => store.put('ec:secret-id', 'y', { mode: { kind: 'add' } }), 'insert'],
      ['delete', () => store.delete('ec:secret-id'), 'delete'],
      ['list', () => store.countPrefix('ec:', 10), 'list'],
    ] as const) {
      fastly.failing.clear();
      fastly.failing.add(operation);
      await assert.rejects(work(), (error: unknown) => {
        isStoreError(
          'store_unavailable',
          new RegExp(`^Fastly KV Store "trusted_server_kv": ${named} failed: `),
        )(error);
        assert.ok(!(error as Error).message.includes('secret-id'), (error as Error).message);
        return true;
      });
    }
    fastly.failing.clear();
    assert.equal((await store.get('ec:secret-id'))?.value, 'x');
  });
});
