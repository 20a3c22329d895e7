/**
 * The Node server's page permits (src/node/work-permits.ts): how many proxied requests one process
 * works on at once. Over sockets, publisher-rewrite.test.ts and the security suite show what a
 * reader sees; these pin the queue down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkPermit } from '../src/core/services.ts';
import { WorkPermits } from '../src/node/work-permits.ts';

const never = new AbortController().signal;

function permits(count: number, maxWaitMs = 5000, stallMs = 5000, maxHoldMs = 5000): WorkPermits {
  return new WorkPermits({ permits: count, maxWaitMs, stallMs, maxHoldMs });
}

/** A permit granted synchronously (the free path must not add a hop). */
function granted(result: WorkPermit | Promise<WorkPermit>): WorkPermit {
  assert.ok(!(result instanceof Promise), 'a free permit was not granted at once');
  return result;
}

describe('WorkPermits', () => {
  it('grants free permits at once, then queues in arrival order', async () => {
    const pool = permits(2);
    const first = granted(pool.acquire(never));
    granted(pool.acquire(never));
    const order: string[] = [];
    const third = (pool.acquire(never) as Promise<WorkPermit>).then((p) => (order.push('3'), p));
    const fourth = (pool.acquire(never) as Promise<WorkPermit>).then((p) => (order.push('4'), p));
    assert.deepEqual(pool.stats(), { active: 2, waiting: 2, overflowed: 0 });
    await sleep(10);
    assert.deepEqual(order, [], 'a waiter started while no permit was free');

    first.release();
    first.release(); // idempotent: one permit back, not two
    await sleep(0);
    assert.deepEqual(order, ['3']);
    assert.deepEqual(pool.stats(), { active: 2, waiting: 1, overflowed: 0 });
    (await third).release();
    await sleep(0);
    assert.deepEqual(order, ['3', '4']);
    (await fourth).release();
    assert.deepEqual(pool.stats(), { active: 1, waiting: 0, overflowed: 0 });
  });

  it('takes a permit back from a holder that stops making progress', async () => {
    const pool = permits(1, 5000, 60);
    const busy = granted(pool.acquire(never));
    const stalled = permits(1, 5000, 60);
    granted(stalled.acquire(never));
    // One holder keeps touching its permit, the other goes quiet.
    const waitingOnBusy = pool.acquire(never) as Promise<WorkPermit>;
    const waitingOnStalled = stalled.acquire(never) as Promise<WorkPermit>;
    let busyHandedOver = false;
    void waitingOnBusy.then(() => (busyHandedOver = true));
    for (let i = 0; i < 6; i++) {
      await sleep(25);
      busy.touch();
    }
    assert.equal(busyHandedOver, false, 'a permit was taken from a holder making progress');
    const started = performance.now();
    await waitingOnStalled;
    assert.ok(performance.now() - started < 1000);
    assert.equal(stalled.stats().overflowed, 0, 'the waiter got the stalled permit, not none');
    busy.release();
    await waitingOnBusy;
  });

  it('takes a permit back after maxHoldMs, progress or not', async () => {
    const pool = permits(1, 5000, 5000, 80);
    const busy = granted(pool.acquire(never));
    const waiting = pool.acquire(never) as Promise<WorkPermit>;
    const touching = setInterval(() => busy.touch(), 10);
    const started = performance.now();
    try {
      (await waiting).release();
    } finally {
      clearInterval(touching);
    }
    const waited = performance.now() - started;
    assert.ok(waited >= 70 && waited < 1000, `the permit came back after ${Math.round(waited)} ms`);
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 0 });
    busy.release(); // its permit is already back: this frees nothing more
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 0 });
  });

  it('starts a request without a permit once it has waited maxWaitMs', async () => {
    const pool = permits(1, 50);
    const held = granted(pool.acquire(never));
    const started = performance.now();
    const none = await pool.acquire(never);
    assert.ok(performance.now() - started >= 45, 'the wait was cut short');
    assert.deepEqual(pool.stats(), { active: 1, waiting: 0, overflowed: 1 });
    // What it got holds nothing: giving it back frees no permit.
    none.release();
    assert.deepEqual(pool.stats(), { active: 1, waiting: 0, overflowed: 1 });
    held.release();
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 1 });
  });

  it('drops a waiter whose request is aborted, with the abort reason', async () => {
    const pool = permits(1);
    const held = granted(pool.acquire(never));
    const abort = new AbortController();
    const waiting = pool.acquire(abort.signal) as Promise<WorkPermit>;
    const later = pool.acquire(never) as Promise<WorkPermit>;
    abort.abort(new Error('client disconnected'));
    await assert.rejects(waiting, /client disconnected/);
    assert.equal(pool.stats().waiting, 1);
    // The permit goes past the aborted waiter to the next one.
    held.release();
    (await later).release();
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 0 });
    const aborted = new AbortController();
    aborted.abort(new Error('gone before asking'));
    granted(pool.acquire(aborted.signal)).release(); // a free permit is still granted
  });

  it('never waits with the limit off', () => {
    const pool = permits(0);
    for (let i = 0; i < 100; i++) granted(pool.acquire(never));
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 0 });
  });

  it('keeps no settled waiter alive in its queue', async () => {
    const pool = permits(1);
    const held = granted(pool.acquire(never));
    const waiters = Array.from({ length: 50 }, () => {
      const abort = new AbortController();
      const waiting = (pool.acquire(abort.signal) as Promise<WorkPermit>).catch(() => undefined);
      abort.abort(new Error('gone'));
      return waiting;
    });
    await Promise.all(waiters);
    held.release();
    assert.deepEqual(pool.stats(), { active: 0, waiting: 0, overflowed: 0 });
    granted(pool.acquire(never)).release();
  });
});
