/**
 * Bodies on the wire for the proxy tests: an origin's body compressed with a given coding, a
 * client that decodes what arrives by its own Content-Encoding, and the URL-rich page both the
 * publisher-rewrite tests and the shared suite proxy.
 */
import http from 'node:http';
import zlib from 'node:zlib';

export function encodeBody(coding: string, body: Buffer): Buffer {
  if (coding === 'gzip') return zlib.gzipSync(body);
  if (coding === 'br') return zlib.brotliCompressSync(body);
  if (coding === 'deflate') return zlib.deflateSync(body);
  return body;
}

/** An origin's headers for a body sent encoded with `coding` (Content-Length of the encoded bytes). */
export function encodedHeaders(
  coding: string,
  type: string,
  encoded: Buffer,
  extra: http.OutgoingHttpHeaders = {},
): http.OutgoingHttpHeaders {
  return {
    'content-type': type,
    ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
    'content-length': encoded.byteLength,
    etag: '"abc"',
    ...extra,
  };
}

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Decoded according to the response's Content-Encoding. */
  body: Buffer;
  /** Bytes as received. */
  raw: Buffer;
}

/** GET; the body is decoded here, from the bytes on the wire. A cut-off response rejects. */
export function getDecoded(url: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const coding = res.headers['content-encoding'];
          try {
            const body =
              coding === 'gzip'
                ? zlib.gunzipSync(raw)
                : coding === 'br'
                  ? zlib.brotliDecompressSync(raw)
                  : raw;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      })
      .on('error', reject);
  });
}

/**
 * A page with the origin (`self`) in every place the publisher rules rewrite, plus look-alikes
 * that must stay (another host, a host-boundary trap). `secondHead` adds an invalid second
 * `<head>`, as seen in the wild: the bundle must still go in only once.
 */
export function urlRichPage(self: string, options: { secondHead?: boolean } = {}): string {
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:url" content="${self}/story">` +
    `<link rel="preload" imageSrcSet="${self}/a.png 1x, ${self}/b.png 2x" as="image"><style>body{background:url(${self}/bg.png)}</style>` +
    `<script type="application/ld+json">{"url":"${self.replace(/\//g, '\\/')}\\/story"}</script></head>` +
    `<body style="background:url('${self}/x.png')"><a href="${self}/a">a</a><img src="${self}/i.jpg" srcSet="${self}/i2.jpg 2x">` +
    `<form action="${self}/post"><button formaction="${self}/alt">b</button></form><video poster="${self}/p.jpg"></video>` +
    `<a href="https://evil.test/?r=x">keep</a><a href="${self}.evil.net/x">keep</a>` +
    `${options.secondHead ? '<head></head>' : ''}</body></html>`
  );
}
