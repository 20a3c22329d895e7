/**
 * The Fastly rate limiter (src/fastly/rate-counter-limiter.ts) over a stand-in rate counter: a
 * budget per key per minute, keys apart, the window sliding on, and bad input or a failing counter
 * as typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../src/core/errors.ts';
import { createRateCounterLimiter } from '../src/fastly/rate-counter-limiter.ts';
import { TestClock } from './contracts/kv-contract.ts';
import { RateCounterStandIn } from './helpers/fastly-rate-counter-stand-in.ts';

function open() {
  const clock = new TestClock();
  const counter = new RateCounterStandIn(clock.now);
  return { clock, counter, limiter: createRateCounterLimiter(counter, 'trusted_server_rate') };
}

async function calls(
  limiter: ReturnType<typeof open>['limiter'],
  key: string,
  perMinute: number,
  count: number,
): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < count; i++) results.push(await limiter.exceeded(key, perMinute));
  return results;
}

describe('Fastly rate limiter', () => {
  it('is shared (a POP-wide counter, not one per sandbox)', () => {
    assert.equal(open().limiter.scope, 'shared');
  });

  it('allows perMinute calls a minute and refuses the next, budgets under 60 included', async () => {
    const { limiter } = open();
    assert.deepEqual(await calls(limiter, 'pull:partner-a:0123abcd', 10, 12), [
      ...Array<boolean>(10).fill(false),
      true,
      true,
    ]);
    assert.deepEqual(await calls(limiter, 'batch:partner-a', 1, 2), [false, true]);
  });

  it('counts each key apart', async () => {
    const { limiter } = open();
    await calls(limiter, 'batch:a', 3, 3);
    assert.equal(await limiter.exceeded('batch:a', 3), true);
    assert.equal(await limiter.exceeded('batch:b', 3), false);
  });

  it('lets a key through again once its calls are more than a minute old', async () => {
    const { clock, limiter } = open();
    await calls(limiter, 'batch:a', 2, 2);
    clock.advance(30_000);
    assert.equal(await limiter.exceeded('batch:a', 2), true);
    clock.advance(30_001);
    // The first two have left the window; the refused one was never counted.
    assert.equal(await limiter.exceeded('batch:a', 2), false);
    assert.equal(await limiter.exceeded('batch:a', 2), false);
    assert.equal(await limiter.exceeded('batch:a', 2), true);
  });

  it('does not count refused calls: a partner calling a little too often gets its budget', async () => {
    const { clock, limiter } = open();
    // Budget 10 a minute, a call every 5 s (12 a minute), for five minutes.
    let allowed = 0;
    for (let call = 0; call < 60; call++) {
      if (!(await limiter.exceeded('batch:steady', 10))) allowed++;
      clock.advance(5_000);
    }
    assert.ok(allowed >= 45, `only ${allowed} of 60 calls allowed over five minutes`);
  });

  it("refuses everything on a budget of 0, and bad budgets and keys as the caller's bug", async () => {
    const { limiter } = open();
    assert.equal(await limiter.exceeded('k', 0), true);
    for (const bad of [-1, 1.5, Number.NaN, 2_000_000]) {
      await assert.rejects(
        limiter.exceeded('k', bad),
        (error: unknown) => error instanceof TsError && error.code === 'internal',
      );
    }
    await assert.rejects(limiter.exceeded('', 5), /key is empty/);
    await assert.rejects(limiter.exceeded('bad\nkey', 5), /control character/);
  });

  it('a failing counter is a typed error naming the counter, never the key', async () => {
    const { counter, limiter } = open();
    counter.failing = true;
    await assert.rejects(limiter.exceeded('pull:partner:ec-hash-123', 5), (error: unknown) => {
      assert.ok(error instanceof TsError);
      assert.equal(error.code, 'store_unavailable');
      assert.match(error.message, /^Fastly rate counter "trusted_server_rate" failed: /);
      assert.ok(!error.message.includes('ec-hash-123'));
      return true;
    });
  });
});
