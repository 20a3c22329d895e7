/**
 * Types for the `fastly:*` modules the runtime files import, for the project's one (Node-typed)
 * TypeScript program. The self-contained module declarations come from `@fastly/js-compute`
 * itself; `fastly:backend` is declared here (the subset used) because the package's own file pulls
 * in its global `Request`/`Response`/`fetch` types, which clash with the Node ones core compiles
 * against. Fastly-only `fetch` options are typed where they are used (origin-fetch.ts).
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
