/**
 * Test harness: the first-party stand-in server (a worker thread, see stand-in-worker.ts) and a
 * happy-dom browser that opens creative pages from it, loading the runtime through the real
 * `GET /static/tsjs=tsjs-creative.min.js` route and the exact tag the rewriter injects.
 */
import { Worker } from 'node:worker_threads';
import { Browser, Element, HTMLIFrameElement, HTMLImageElement, type BrowserPage } from 'happy-dom';
import { signTarget } from '../../src/core/first-party/signed-url.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';
import { creativeRuntimeTag } from '../../src/core/static/tsjs-route.ts';

export const STAND_IN_SECRET = 'creative-runtime-test-secret';
export const signer = createProxyTokenSigner(new Secret(STAND_IN_SECRET));

export interface SeenRequest {
  method: string;
  url: string;
  origin: string | null;
  cookie: string | null;
  body: string;
}

export interface StandIn {
  /** The Trusted Server: `http://127.0.0.1:<port>`. */
  origin: string;
  /** The same server under another origin, `http://localhost:<port>`: a "third party". */
  thirdParty: string;
  /** Serves `html` at `path` from now on. */
  page(path: string, html: string): Promise<void>;
  seen(): Promise<SeenRequest[]>;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  const worker = new Worker(new URL('./stand-in-worker.ts', import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port));
    worker.once('error', reject);
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    thirdParty: `http://localhost:${port}`,
    async page(path, html) {
      const registered = await fetch(`${origin}/_page`, {
        method: 'POST',
        body: JSON.stringify({ path, html }),
      });
      if (registered.status !== 204) throw new Error('stand-in did not take the page');
    },
    async seen() {
      return (await (await fetch(`${origin}/_seen`)).json()) as SeenRequest[];
    },
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000))]);
      await worker.terminate();
    },
  };
}

/** The rewriter's shape for a link: `href` and `data-tsclick` both the signed click URL. */
export async function signedClick(target: string): Promise<string> {
  const signed = await signTarget(signer, target, { basePath: '/first-party/click' });
  if (!signed) throw new Error(`cannot sign ${target}`);
  return signed.href.replace(/&/g, '&amp;');
}

export interface CreativePage {
  page: BrowserPage;
  window: BrowserPage['mainFrame']['window'];
  document: BrowserPage['mainFrame']['document'];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Simulate a sandboxed iframe without `allow-same-origin` (`window.origin === 'null'`). */
  opaque?: boolean;
  /** `rewrite.exclude_domains`, passed to the runtime tag. */
  directDomains?: string[];
  /** How many times the rewriter's tag appears (a creative nested in a creative). */
  tags?: number;
}

let pageCounter = 0;

/**
 * happy-dom shares its element classes between windows (a browser gives every document its own),
 * so the runtime's patches would outlive the page that made them. Each page gets them back as new.
 */
const PATCHED: ReadonlyArray<readonly [object, string]> = [
  [Element.prototype, 'setAttribute'],
  [Element.prototype, 'setAttributeNS'],
  [HTMLImageElement.prototype, 'src'],
  [HTMLImageElement.prototype, 'srcset'],
  [HTMLIFrameElement.prototype, 'src'],
];
const pristine = PATCHED.map(([owner, name]) => Object.getOwnPropertyDescriptor(owner, name));

function restorePrototypes(): void {
  PATCHED.forEach(([owner, name], index) => {
    const descriptor = pristine[index];
    if (descriptor) Object.defineProperty(owner, name, descriptor);
  });
}

/** Serves `body` as a creative page with the runtime tag first, and opens it. */
export async function openCreative(
  standIn: StandIn,
  body: string,
  options: OpenOptions = {},
): Promise<CreativePage> {
  const path = `/creative-${++pageCounter}.html`;
  const tag = await creativeRuntimeTag(options.directDomains);
  const opaque = options.opaque
    ? `<script>Object.defineProperty(window, 'origin', { value: 'null' });</script>`
    : '';
  const html = `<!doctype html><html><head>${opaque}${tag.repeat(options.tags ?? 1)}</head><body>${body}</body></html>`;
  await standIn.page(path, html);
  const browser = new Browser({
    settings: {
      enableJavaScriptEvaluation: true,
      suppressInsecureJavaScriptEnvironmentWarning: true,
      enableIframePageLoading: true,
    },
  });
  restorePrototypes();
  const page = browser.newPage();
  await page.goto(`${standIn.origin}${path}`);
  await page.waitUntilComplete();
  return {
    page,
    window: page.mainFrame.window,
    document: page.mainFrame.document,
    close: async () => {
      await browser.close();
      restorePrototypes();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
