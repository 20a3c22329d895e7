/**
 * The few Cloudflare Workers runtime shapes this adapter touches, typed here rather than pulling
 * in `@cloudflare/workers-types` (whose globals would clash with the Node types the rest of the
 * project compiles against). Runtime-only globals are read through {@link workersGlobal}.
 */

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** `request.cf` (only the fields read here; absent under plain workerd). */
export interface IncomingCf {
  city?: string;
  country?: string;
  continent?: string;
  latitude?: string;
  longitude?: string;
  metroCode?: string;
  /** The subdivision's name (`Texas`). */
  region?: string;
  /** The ISO 3166-2 subdivision code without the country (`TX`). */
  regionCode?: string;
  asn?: number;
  /** Bot Management (Enterprise add-on) only. */
  botManagement?: { ja4?: string };
  /** workerd's own field (local runs): the socket peer as `ip:port`. */
  clientIp?: string;
}

export type WorkerEnv = Readonly<Record<string, unknown>>;

export interface ContentOptions {
  html?: boolean;
}

export interface NativeElement {
  readonly tagName: string;
  readonly selfClosing: boolean;
  readonly attributes: Iterable<[string, string]>;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  before(content: string, options?: ContentOptions): void;
  after(content: string, options?: ContentOptions): void;
  prepend(content: string, options?: ContentOptions): void;
  append(content: string, options?: ContentOptions): void;
  remove(): void;
}

export interface NativeText {
  readonly text: string;
  readonly lastInTextNode: boolean;
  replace(content: string, options?: ContentOptions): void;
  remove(): void;
}

export interface NativeDocumentEnd {
  append(content: string, options?: ContentOptions): void;
}

type MaybeAsync = void | Promise<void>;

export interface NativeHtmlRewriter {
  on(
    selector: string,
    handlers: {
      element?: (element: NativeElement) => MaybeAsync;
      text?: (text: NativeText) => MaybeAsync;
    },
  ): NativeHtmlRewriter;
  onDocument(handlers: { end?: (end: NativeDocumentEnd) => MaybeAsync }): NativeHtmlRewriter;
  transform(response: Response): Response;
}

interface WorkersGlobals {
  HTMLRewriter?: new () => NativeHtmlRewriter;
}

/** Globals only the Workers runtime defines (undefined elsewhere). */
export const workersGlobal = globalThis as unknown as WorkersGlobals;
