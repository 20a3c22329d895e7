/**
 * A test-only Worker exposing the Cloudflare stores and rate limiter over HTTP, so the KvStore
 * and RateLimiter contracts (which run in Node) can drive them inside a real workerd: `POST /`
 * with `{store, session, seq, now, op, args}` answers `{result}` or `{error: {code, message}}`.
 *
 * - `store`: `durable-object` (the TrustedServerKv objects, named after the session so each
 *   contract case starts on empty objects), `workers-kv` (the namespace binding; a session
 *   starts with `op: "reset"`) or `rate-limiter` (the Durable Object rate limiter, on objects
 *   named after the session; `op: "exceeded"` with `args: [key, perMinute, target?]` (see
 *   `limiterFor`), `"scope"`, and `"rateRows"`, which reads how many count rows the session's
 *   single-shard object on `TS_KV_INSPECT` holds).
 * - `now`: the contract's TestClock, handed to the store as its clock.
 * - `seq`: calls of one session reach the store in the order the Node side made them, as calls
 *   made in order inside one Worker would (the HTTP requests themselves may overtake each other);
 *   a call waits only until the previous one has been *sent*, so concurrent calls stay concurrent.
 */
import { DurableObject } from 'cloudflare:workers';
import { TsError } from '../../src/core/errors.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createDurableObjectKv } from '../../src/cloudflare/stores/durable-object-kv-client.ts';
import type {
  KvObjectNamespace,
  KvObjectStub,
} from '../../src/cloudflare/stores/durable-object-kv-protocol.ts';
import {
  createWorkersKv,
  type WorkersKvNamespace,
} from '../../src/cloudflare/stores/workers-kv.ts';
import { createDurableObjectRateLimiter } from '../../src/cloudflare/stores/durable-object-rate-limiter.ts';
import {
  rateLimiterFromBindings,
  storeFromBindings,
} from '../../src/cloudflare/stores/store-binding.ts';
import { TrustedServerKv } from '../../src/cloudflare/entry.ts';
import type { RateLimiter } from '../../src/core/store/rate-limiter.ts';

// From the production entry module, so the test fails if that module stops exporting the class
// under the name wrangler.toml binds.
export { TrustedServerKv };

/** The production class plus a look at its rate table, bound as `TS_KV_INSPECT`. */
export class InspectableTrustedServerKv extends TrustedServerKv {
  rateRows(): number {
    const sql = this.ctx.storage.sql;
    const table = sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rate'")
      .toArray();
    if (table.length === 0) return 0;
    return sql.exec<{ n: number }>('SELECT count(*) AS n FROM rate').one().n;
  }
}

/** An object class without the rate counter, bound as `TS_KV_WITHOUT_COUNTER`. */
export class ObjectWithoutCounter extends DurableObject {}

interface Env {
  TS_KV: KvObjectNamespace;
  TS_KV_WITHOUT_COUNTER: KvObjectNamespace;
  TS_KV_INSPECT: {
    idFromName(name: string): unknown;
    get(id: unknown): KvObjectStub & { rateRows(): Promise<number> };
  };
  TS_KV_NAMESPACE: WorkersKvNamespace;
  KV_BACKEND: { fetch(url: string, init: RequestInit): Promise<Response> };
}

interface Call {
  store: 'durable-object' | 'workers-kv' | 'rate-limiter';
  session: string;
  seq: number;
  now: number;
  op:
    | 'reset'
    | 'get'
    | 'put'
    | 'delete'
    | 'countPrefix'
    | 'selected'
    | 'selectedLimiter'
    | 'exceeded'
    | 'scope'
    | 'rateRows';
  args: unknown[];
  /** `selected`/`selectedLimiter`: which store bindings the production selection sees. */
  bindings?: 'durable-object' | 'workers-kv' | 'none';
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

/**
 * The rate limiter of a call (its third argument): `inspect` puts it on one shard of
 * `TS_KV_INSPECT`, whose object `rateRows` can read; `without-counter` on objects that have no
 * `increment` (an object of another release); otherwise four shards of `TS_KV`, like the store.
 */
function limiterFor(call: Call, env: Env): RateLimiter {
  const target = call.args[2];
  const namespace =
    target === 'inspect'
      ? env.TS_KV_INSPECT
      : target === 'without-counter'
        ? env.TS_KV_WITHOUT_COUNTER
        : env.TS_KV;
  return createDurableObjectRateLimiter(namespace, {
    objectPrefix: call.session,
    shards: target === 'inspect' ? 1 : TEST_SHARDS,
    now: () => call.now,
  });
}

function bindingsFor(call: Call, env: Env): Record<string, unknown> {
  const bindings = call.bindings ?? call.store;
  if (bindings === 'durable-object') return { TS_KV: env.TS_KV };
  if (bindings === 'workers-kv') return { TS_KV_NAMESPACE: env.TS_KV_NAMESPACE };
  return {};
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
      const picked = storeFromBindings(bindingsFor(call, env), Date.now);
      return Response.json({ result: picked === undefined ? null : { kind: picked.kind } });
    }
    if (call.op === 'selectedLimiter') {
      const picked = rateLimiterFromBindings(bindingsFor(call, env), Date.now);
      return Response.json({ result: picked === undefined ? null : { scope: picked.scope } });
    }
    if (call.op === 'scope') {
      return Response.json({ result: limiterFor(call, env).scope });
    }
    if (call.op === 'rateRows') {
      const object = env.TS_KV_INSPECT.get(env.TS_KV_INSPECT.idFromName(`${call.session}/1/0`));
      return Response.json({ result: await object.rateRows() });
    }
    const sent = await inTurn(call.session, call.seq);
    let pending: Promise<unknown>;
    try {
      pending =
        call.store === 'rate-limiter'
          ? limiterFor(call, env).exceeded(call.args[0] as string, call.args[1] as number)
          : invoke(storeFor(call, env), call.op, call.args);
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
