/**
 * Which store and rate limiter a Worker gets, decided by its bindings (wrangler.toml):
 * - `TS_KV`, a Durable Object namespace of the `TrustedServerKv` class (the default template
 *   declares it): strongly consistent, compare-and-swap;
 * - `TS_KV_NAMESPACE`, a Workers KV namespace: eventually consistent, no compare-and-swap;
 * - neither: no store, and the features that need one stay off.
 * Both at once, or a binding of the wrong kind, is a configuration error naming the binding.
 * The rate limiter follows the store binding (`rateLimiterFromBindings`).
 */
import { TsError } from '../../core/errors.ts';
import type { KvStore } from '../../core/store/kv.ts';
import { createMemoryRateLimiter } from '../../core/store/memory-rate-limiter.ts';
import type { RateLimiter } from '../../core/store/rate-limiter.ts';
import type { WorkerEnv } from '../runtime.ts';
import { createDurableObjectKv } from './durable-object-kv-client.ts';
import type { KvObjectNamespace } from './durable-object-kv-protocol.ts';
import { createDurableObjectRateLimiter } from './durable-object-rate-limiter.ts';
import { createWorkersKv, type WorkersKvNamespace } from './workers-kv.ts';

export const DURABLE_OBJECT_BINDING = 'TS_KV';
export const WORKERS_KV_BINDING = 'TS_KV_NAMESPACE';

/** The store binding a Worker has, checked; undefined when it has none. */
export type StoreBinding =
  | { kind: 'durable-object'; namespace: KvObjectNamespace }
  | { kind: 'workers-kv'; namespace: WorkersKvNamespace };

export function storeBindingOf(env: WorkerEnv): StoreBinding | undefined {
  const durable = env[DURABLE_OBJECT_BINDING];
  const workersKv = env[WORKERS_KV_BINDING];
  if (durable !== undefined && workersKv !== undefined) {
    throw new TsError(
      'configuration',
      `both ${DURABLE_OBJECT_BINDING} (Durable Object) and ${WORKERS_KV_BINDING} (Workers KV) are bound; bind only the store to use`,
    );
  }
  if (durable !== undefined) {
    if (!hasMethods(durable, ['idFromName', 'get'])) {
      throw new TsError(
        'configuration',
        `binding ${DURABLE_OBJECT_BINDING} is not a Durable Object namespace (declare it under [[durable_objects.bindings]] with class_name = "TrustedServerKv")`,
      );
    }
    return { kind: 'durable-object', namespace: durable as unknown as KvObjectNamespace };
  }
  if (workersKv !== undefined) {
    if (!hasMethods(workersKv, ['getWithMetadata', 'put', 'delete', 'list'])) {
      throw new TsError(
        'configuration',
        `binding ${WORKERS_KV_BINDING} is not a Workers KV namespace (declare it under [[kv_namespaces]])`,
      );
    }
    return { kind: 'workers-kv', namespace: workersKv as unknown as WorkersKvNamespace };
  }
  return undefined;
}

export function storeFromBindings(env: WorkerEnv, now: () => number): KvStore | undefined {
  const binding = storeBindingOf(env);
  if (binding === undefined) return undefined;
  return binding.kind === 'durable-object'
    ? createDurableObjectKv(binding.namespace, { now })
    : createWorkersKv(binding.namespace, { now });
}

/**
 * The rate limiter follows the store: with `TS_KV`, counts shared by every isolate and location
 * (Durable Object); with Workers KV only, each isolate counts for itself (`scope: 'process'`),
 * since KV can neither count atomically nor show a count to other locations in time — a
 * budget is then per isolate, and a partner spread over many isolates gets that many budgets;
 * with no store, none (the features it limits need the store and are off).
 */
export function rateLimiterFromBindings(
  env: WorkerEnv,
  now: () => number,
): RateLimiter | undefined {
  const binding = storeBindingOf(env);
  if (binding === undefined) return undefined;
  return binding.kind === 'durable-object'
    ? createDurableObjectRateLimiter(binding.namespace, { now })
    : createMemoryRateLimiter(now);
}

function hasMethods(value: unknown, names: string[]): boolean {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const record = value as Record<string, unknown>;
  return names.every((name) => typeof record[name] === 'function');
}
