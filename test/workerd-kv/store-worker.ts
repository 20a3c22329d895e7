/**
 * A test-only Worker exposing the Cloudflare stores over HTTP, so the KvStore contract (which
 * runs in Node) can drive them inside a real workerd: `POST /` with
 * `{store, session, seq, now, op, args}` answers `{result}` or `{error: {code, message}}`.
 *
 * - `store`: `durable-object` (the TrustedServerKv objects, named after the session so each
 *   contract case starts on empty objects) or `workers-kv` (the namespace binding; a session
 *   starts with `op: "reset"`).
 * - `now`: the contract's TestClock, handed to the store as its clock.
 * - `seq`: calls of one session reach the store in the order the Node side made them, as calls
 *   made in order inside one Worker would (the HTTP requests themselves may overtake each other);
 *   a call waits only until the previous one has been *sent*, so concurrent calls stay concurrent.
 */
import { TsError } from '../../src/core/errors.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createDurableObjectKv } from '../../src/cloudflare/stores/durable-object-kv-client.ts';
import type { KvObjectNamespace } from '../../src/cloudflare/stores/durable-object-kv-protocol.ts';
import {
  createWorkersKv,
  type WorkersKvNamespace,
} from '../../src/cloudflare/stores/workers-kv.ts';
import { storeFromBindings } from '../../src/cloudflare/stores/store-binding.ts';

// From the production entry module, so the test fails if that module stops exporting the class
// under the name wrangler.toml binds.
export { TrustedServerKv } from '../../src/cloudflare/entry.ts';

interface Env {
  TS_KV: KvObjectNamespace;
  TS_KV_NAMESPACE: WorkersKvNamespace;
  KV_BACKEND: { fetch(url: string, init: RequestInit): Promise<Response> };
}

interface Call {
  store: 'durable-object' | 'workers-kv';
  session: string;
  seq: number;
  now: number;
  op: 'reset' | 'get' | 'put' | 'delete' | 'countPrefix' | 'selected';
  args: unknown[];
}

/** Shards in tests: few, so `countPrefix` fans out and keys of one case land on several. */
const TEST_SHARDS = 4;

const sessions = new Map<string, { next: number; waiting: Map<number, () => void> }>();

async function inTurn(session: string, seq: number): Promise<() => void> {
  let state = sessions.get(session);
  if (state === undefined) {
    state = { next: 0, waiting: new Map() };
    sessions.set(session, state);
  }
  const turn = state;
  if (turn.next !== seq) await new Promise<void>((resolve) => turn.waiting.set(seq, resolve));
  return () => {
    turn.next = seq + 1;
    const wake = turn.waiting.get(seq + 1);
    turn.waiting.delete(seq + 1);
    wake?.();
  };
}

function storeFor(call: Call, env: Env): KvStore {
  const now = () => call.now;
  return call.store === 'durable-object'
    ? createDurableObjectKv(env.TS_KV, { objectPrefix: call.session, shards: TEST_SHARDS, now })
    : createWorkersKv(env.TS_KV_NAMESPACE, { now });
}

function invoke(store: KvStore, op: Call['op'], args: unknown[]): Promise<unknown> {
  const [a, b, c] = args as [string, never, never];
  switch (op) {
    case 'get':
      return store.get(a);
    case 'put':
      return store.put(a, b, c);
    case 'delete':
      return store.delete(a);
    case 'countPrefix':
      return store.countPrefix(a, b);
    default:
      return Promise.reject(new Error(`unknown op ${op}`));
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.method === 'GET') return new Response('ok'); // health
    const call = (await request.json()) as Call;
    if (call.op === 'reset') {
      await env.KV_BACKEND.fetch('http://kv/__reset', { method: 'POST' });
      return Response.json({ result: null });
    }
    if (call.op === 'selected') {
      // Which store the production selection picks from this Worker's bindings.
      const only =
        call.store === 'durable-object'
          ? { TS_KV: env.TS_KV }
          : {
              TS_KV_NAMESPACE: env.TS_KV_NAMESPACE,
            };
      const picked = storeFromBindings(only, Date.now);
      return Response.json({ result: picked === undefined ? null : { kind: picked.kind } });
    }
    const sent = await inTurn(call.session, call.seq);
    let pending: Promise<unknown>;
    try {
      pending = invoke(storeFor(call, env), call.op, call.args);
    } finally {
      sent();
    }
    try {
      return Response.json({ result: (await pending) ?? null });
    } catch (error) {
      const code = error instanceof TsError ? error.code : 'unexpected';
      const message = error instanceof Error ? error.message : String(error);
      return Response.json({ error: { code, message } });
    }
  },
};
