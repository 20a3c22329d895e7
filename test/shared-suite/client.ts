/** A raw HTTP client for the suite: sees the wire's Content-Encoding and decodes it itself. */
import http from 'node:http';
import zlib from 'node:zlib';

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Decoded according to the response's Content-Encoding. */
  body: Buffer;
  /** Bytes as received. */
  raw: Buffer;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
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
