/**
 * Types for the `fastly:*` modules the runtime files import, for the project's one (Node-typed)
 * TypeScript program. The self-contained module declarations come from `@fastly/js-compute`
 * itself; `fastly:backend` and `fastly:kv-store` are declared here (the subset used) because
 * the package's own files pull in its global `Request`/`Response`/`fetch` types, which clash with
 * the Node ones core compiles against. Fastly-only `fetch` options are typed where they are used (origin-fetch.ts).
 *
 * Triple-slash references because those files are ambient `declare module` blocks with no module
 * entry of their own to import.
 */
/* eslint-disable @typescript-eslint/triple-slash-reference */
/// <reference path="../../../node_modules/@fastly/js-compute/types/secret-store.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/config-store.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/env.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/geolocation.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/html-rewriter.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/logger.d.ts" />
/// <reference path="../../../node_modules/@fastly/js-compute/types/edge-rate-limiter.d.ts" />

/**
 * The subset of `fastly:kv-store` used (kv.ts), as the 3.46 typings declare it. `KVStoreEntry`
 * has no generation there: the runtime drops it on read.
 */
declare module 'fastly:kv-store' {
  export interface KVStoreEntry {
    text(): Promise<string>;
    metadataText(): string | null;
  }
  export class KVStore {
    /** Throws a TypeError when no KV Store of that name is linked to the service. */
    constructor(name: string);
    get(key: string): Promise<KVStoreEntry | null>;
    put(
      key: string,
      value: string,
      options?: {
        metadata?: ArrayBufferView | ArrayBuffer | string;
        ttl?: number;
        mode?: 'overwrite' | 'add' | 'append' | 'prepend';
        gen?: number;
      },
    ): Promise<undefined>;
    delete(key: string): Promise<undefined>;
    list(options?: {
      noSync?: boolean;
      prefix?: string;
      limit?: number;
      cursor?: string;
    }): Promise<{ list: string[]; cursor: string | undefined }>;
  }
}

declare module 'fastly:backend' {
  export interface BackendConfiguration {
    name?: string;
    target: string;
    hostOverride?: string;
    useSSL?: boolean;
    sniHostname?: string;
    certificateHostname?: string;
    connectTimeout?: number;
    firstByteTimeout?: number;
    betweenBytesTimeout?: number;
    tlsMinVersion?: 1 | 1.1 | 1.2 | 1.3;
    tlsMaxVersion?: 1 | 1.1 | 1.2 | 1.3;
  }
  export class Backend {
    constructor(configuration: BackendConfiguration);
    readonly name: string;
  }
}

declare module 'fastly:experimental' {
  export interface ReusableSandboxOptions {
    maxRequests?: number;
    betweenRequestTimeoutMs?: number;
    maxMemoryMiB?: number;
    sandboxTimeoutMs?: number;
  }
  export function setReusableSandboxOptions(options: ReusableSandboxOptions): void;
}
