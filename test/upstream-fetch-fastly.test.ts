/**
 * `fetchUpstream` on Fastly: its transport (src/fastly/runtime/upstream-fetch.ts) only builds for
 * Fastly, and Fastly's `fetch` takes no abort signal, so the deadline and the caller's abort rest
 * on core's policy alone. Here core's policy runs over a stand-in transport that ignores the
 * signal as Fastly's does: a host that never answers, a body that stalls and ignores cancellation,
 * and a caller that gives up, each still ends on time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TsError } from '../src/core/errors.ts';
import { withUpstreamPolicy, type UpstreamTransport } from '../src/core/upstream/upstream-fetch.ts';

const OPTIONS = { timeoutMs: 300, maxResponseBytes: 1024 };

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof TsError, `expected a TsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** Records what the transport was given; the signal is never looked at. */
function signalBlindTransport(answer: () => Promise<Response>) {
  const calls: { url: string; redirect: Request['redirect'] }[] = [];
  const transport: UpstreamTransport = (request) => {
    calls.push({ url: request.url, redirect: request.redirect });
    return answer();
  };
  return { transport, calls };
}

/** A body that sends `first` and then nothing, whatever it is told. */
function stalledBody(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
    cancel() {
      // Fastly's body ignores cancellation too: nothing stops here.
    },
  });
}

async function timed<T>(work: Promise<T>): Promise<number> {
  const started = performance.now();
  await work;
  return performance.now() - started;
}

describe('fetchUpstream over a transport that ignores the abort signal (Fastly)', () => {
  it('fails as upstream_timeout at the deadline when the host never answers', async () => {
    const { transport, calls } = signalBlindTransport(() => new Promise<never>(() => {}));
    const fetchUpstream = withUpstreamPolicy(transport);
    const took = await timed(
      assert.rejects(
        fetchUpstream(new Request('https://bidder.example/bid'), OPTIONS),
        isCode('upstream_timeout'),
      ),
    );
    assert.ok(took >= 250 && took < 1000, `took ${took} ms for a 300 ms deadline`);
    assert.deepEqual(calls, [{ url: 'https://bidder.example/bid', redirect: 'manual' }]);
  });

  it('errors a body that stalls past the deadline, even when the body ignores cancel', async () => {
    const { transport } = signalBlindTransport(() =>
      Promise.resolve(new Response(stalledBody('first bytes'))),
    );
    const response = await withUpstreamPolicy(transport)(
      new Request('https://creative.example/ad.js'),
      OPTIONS,
    );
    assert.equal(response.status, 200);
    const took = await timed(assert.rejects(response.text(), isCode('upstream_timeout')));
    assert.ok(took < 1000, `the body ended ${took} ms after the headers; the deadline is 300 ms`);
  });

  it("stops at once when the caller aborts, though the platform's fetch goes on", async () => {
    const { transport } = signalBlindTransport(() => new Promise<never>(() => {}));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('auction over')), 30);
    const took = await timed(
      assert.rejects(
        withUpstreamPolicy(transport)(new Request('https://bidder.example/bid'), {
          ...OPTIONS,
          timeoutMs: 5000,
          signal: controller.signal,
        }),
        isCode('upstream_failed'),
      ),
    );
    assert.ok(took < 1000, `took ${took} ms to stop after the caller aborted at 30 ms`);
  });

  it('keeps the size cap over a body that keeps coming', async () => {
    const { transport } = signalBlindTransport(() =>
      Promise.resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              controller.enqueue(new Uint8Array(256));
            },
          }),
        ),
      ),
    );
    const response = await withUpstreamPolicy(transport)(
      new Request('https://creative.example/huge'),
      OPTIONS,
    );
    await assert.rejects(response.arrayBuffer(), isCode('upstream_too_large'));
  });
});
