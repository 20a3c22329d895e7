/**
 * The Cloudflare stores in a real workerd: the KvStore contract against the Durable Object store
 * (SQLite-backed objects, four shards) and the Workers KV store (the runtime's KV binding over a
 * local in-memory KV service), both driven from Node through test/workerd-kv/store-worker.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { kvContract, TestClock } from './contracts/kv-contract.ts';
import { callWorker, remoteKv, type StoreName } from './workerd-kv/remote-kv.ts';
import {
  startStoreWorker,
  workerdUnavailable,
  type StoreWorker,
} from './workerd-kv/start-store-worker.ts';

const unavailable = workerdUnavailable();
if (unavailable !== undefined) {
  console.log(`# skipping the Cloudflare store tests: ${unavailable}`);
} else {
  let running: Promise<StoreWorker> | undefined;
  const worker = () => (running ??= startStoreWorker());
  after(async () => {
    if (running !== undefined) await (await running).close();
  });

  const harness = (store: StoreName) => async () => {
    const { url } = await worker();
    const clock = new TestClock();
    const session = randomUUID();
    if (store === 'workers-kv') await callWorker(url, { store, session, op: 'reset', args: [] });
    return { store: remoteKv(url, store, session, clock.now), clock };
  };

  kvContract('durable object (workerd)', harness('durable-object'));
  kvContract('workers kv (workerd)', harness('workers-kv'));

  describe('Cloudflare store selection in workerd', () => {
    it('a Durable Object binding selects the consistent store, a KV binding the other', async () => {
      const { url } = await worker();
      assert.deepEqual(await callWorker(url, { store: 'durable-object', op: 'selected' }), {
        kind: 'durable-object',
      });
      assert.deepEqual(await callWorker(url, { store: 'workers-kv', op: 'selected' }), {
        kind: 'workers-kv',
      });
    });
  });
}
