/**
 * A test worker for creative-workerd.test.ts: rewrites the posted creative in workerd, in string
 * or streaming mode, on this project's engine or the runtime's native lol_html, and answers the
 * output (or the refusal's error code) as JSON.
 */
import { nativeHtmlEngine } from '../../src/cloudflare/native-html.ts';
import {
  creativeHtmlTransform,
  rewriteCreativeHtml,
  type CreativeRewriteOptions,
} from '../../src/core/first-party/creative-rewrite.ts';
import { createProxyTokenSigner } from '../../src/core/first-party/token.ts';
import { Secret } from '../../src/core/settings/secret.ts';

interface Job {
  markup: string;
  mode: 'string' | 'stream';
  engine: 'own' | 'native';
  sanitize: boolean;
}

const signer = createProxyTokenSigner(new Secret('unit-test-proxy-secret'));

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method === 'GET') return new Response('ok');
    const job = (await request.json()) as Job;
    const options: CreativeRewriteOptions = {
      signer,
      excludeDomains: ['*.excluded.example'],
      runtimeTag: '<script src="/static/tsjs=tsjs-creative.min.js" id="ts-creative"></script>',
      sanitize: job.sanitize,
      ...(job.engine === 'native' ? { engine: nativeHtmlEngine } : {}),
    };
    try {
      if (job.mode === 'string') {
        return Response.json({ out: await rewriteCreativeHtml(job.markup, options) });
      }
      const body = (new Response(job.markup).body as ReadableStream<Uint8Array>).pipeThrough(
        creativeHtmlTransform(options),
      );
      return Response.json({ out: await new Response(body).text() });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return Response.json({ error: typeof code === 'string' ? code : String(error) });
    }
  },
};
