/**
 * The Edge Cookie through `serve` as a reader meets it: real HTTP to a real server process, the
 * identity graph in a real SQLite file, read back by the test from that file. Each jurisdiction is
 * its own server (`[geo] mode = "fixed"`, one country per process), as a single-market publisher
 * would run it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeTc } from '../consent/helpers.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import type { ServedProcess } from '../helpers/serve-process.ts';
import {
  CHROME,
  EXPIRED_COOKIE,
  get,
  MINTED_COOKIE,
  mintedId,
  NAVIGATION,
  scratchDir,
  setCookies,
  sqliteGraph,
  startEcServer,
  stopServer,
  type GraphReader,
} from './ec-e2e-fixtures.ts';

const PAGE =
  '<!DOCTYPE html><html><head><title>Article</title></head><body><p>news</p></body></html>';
/** A TC string granting storage (purpose 1), and one a reader who later refused it sends. */
const TC_CONSENT = encodeTc({ purposes: [1, 2, 3, 4], vendors: [1, 2, 3] });
const TC_REFUSED = encodeTc({ purposes: [2, 3, 4], vendors: [1, 2, 3] });
/** Base64url that is no TC string (version 0): the decoder refuses it. */
const TC_UNDECODABLE = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA';
/** The first bytes of `/stream`; the rest waits until the test has seen them arrive. */
const STREAM_HEAD = `<!DOCTYPE html><html><head><title>Live</title></head><body>${'<p>first part of the page</p>\n'.repeat(2000)}`;
const STREAM_TAIL = '<p>second part</p></body></html>';

const GERMANY = 'mode = "fixed"\ncountry = "DE"';

describe('Edge Cookie over HTTP: serve with SQLite', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let origin: TestOrigin;
  /** Released by the streaming test once the first body bytes reached the client. */
  let releaseTail: () => void = () => undefined;
  let tailSent = false;
  const servers: Record<string, ServedProcess> = {};
  const graphs: Record<string, GraphReader> = {};

  before(async () => {
    scratch = await scratchDir();
    origin = await startOrigin((req, res) => {
      if (req.url === '/logo.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      if (req.url === '/stream?whole') return res.end(STREAM_HEAD + STREAM_TAIL);
      if (req.url !== '/stream') return res.end(PAGE);
      res.write(STREAM_HEAD);
      // Bounded: a proxy that held the body back would otherwise wait here for ever.
      const timer = setTimeout(() => releaseTail(), 5000);
      tailSent = false;
      releaseTail = () => {
        clearTimeout(timer);
        tailSent = true;
        res.end(STREAM_TAIL);
      };
    });
    const cases = {
      canada: { geo: 'mode = "fixed"\ncountry = "CA"' },
      germany: { geo: GERMANY },
      california: { geo: 'mode = "fixed"\ncountry = "US"\nregion = "CA"' },
      unknown: { geo: 'mode = "none"' },
      noGraph: { geo: 'mode = "fixed"\ncountry = "CA"', ecStore: false },
    };
    await Promise.all(
      Object.entries(cases).map(async ([name, options]) => {
        const file = join(scratch.dir, `${name}.db`);
        servers[name] = await startEcServer(scratch.dir, name, origin.url, {
          ...options,
          store: `path = "${file}"`,
        });
        graphs[name] = sqliteGraph(file);
      }),
    );
  });
  after(async () => {
    await Promise.all(Object.values(servers).map(stopServer));
    await Promise.all(Object.values(graphs).map((graph) => graph.close()));
    await origin?.close();
    await scratch?.remove();
  });

  const server = (name: string) => servers[name] as ServedProcess;
  const graph = (name: string) => graphs[name] as GraphReader;

  it('a navigation in a non-regulated country gets the cookie, and the SQLite file the entry', async () => {
    const got = await get(server('canada'), '/article', NAVIGATION);
    assert.equal(got.status, 200);
    const lines = setCookies(got);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] as string, MINTED_COOKIE);
    const id = mintedId(got) as string;
    assert.equal(await graph('canada').state(id), 'live');
    assert.equal((await graph('canada').entry(id))?.geo.country, 'CA');
    assert.match(got.body.toString(), /<p>news<\/p>/);

    const before = await graph('canada').count();
    const again = await get(server('canada'), '/article', { ...NAVIGATION, cookie: `ts-ec=${id}` });
    assert.equal(again.status, 200);
    assert.deepEqual(setCookies(again), [], 'a returning reader is not given a new cookie');
    assert.equal(await graph('canada').count(), before, 'and no new entry');
  });

  it('subresources and crawlers get no cookie and write nothing', async () => {
    const before = await graph('canada').count();
    const image = await get(server('canada'), '/logo.png', {
      ...NAVIGATION,
      'sec-fetch-dest': 'image',
      'sec-fetch-mode': 'no-cors',
      accept: 'image/avif,image/webp,*/*',
    });
    assert.equal(image.status, 200);
    assert.deepEqual(setCookies(image), []);
    const crawler = await get(server('canada'), '/article', {
      ...NAVIGATION,
      'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    });
    assert.deepEqual(setCookies(crawler), []);
    // Chrome's user agent without the Fetch Metadata every Chrome sends: a script borrowing it.
    const script = await get(server('canada'), '/article', {
      'user-agent': CHROME,
      accept: 'text/html',
    });
    assert.deepEqual(setCookies(script), []);
    assert.equal(await graph('canada').count(), before);
  });

  it('no ID without a legal basis: GDPR without a TC string, unknown jurisdiction, no graph', async () => {
    for (const name of ['germany', 'unknown', 'noGraph']) {
      const got = await get(server(name), '/article', NAVIGATION);
      assert.equal(got.status, 200, name);
      assert.deepEqual(setCookies(got), [], name);
      assert.equal(await graph(name).count(), 0, name);
    }
  });

  it('GDPR: purpose 1 mints; a TC string without it expires the cookie and tombstones the entry', async () => {
    const consented = await get(server('germany'), '/article', {
      ...NAVIGATION,
      cookie: `euconsent-v2=${TC_CONSENT}`,
    });
    const id = mintedId(consented);
    assert.ok(id, setCookies(consented).join('\n'));
    assert.equal(await graph('germany').state(id), 'live');

    const refused = await get(server('germany'), '/article', {
      ...NAVIGATION,
      cookie: `ts-ec=${id}; euconsent-v2=${TC_REFUSED}`,
    });
    assert.equal(refused.status, 200);
    assert.deepEqual(setCookies(refused), [EXPIRED_COOKIE]);
    // Written before the response left: no partner can read the ID once the reader saw it go.
    assert.equal(await graph('germany').state(id), 'tombstone');
    const ids = (await graph('germany').entry(id))?.ids ?? {};
    assert.equal(Object.keys(ids).length, 0, 'a tombstone keeps no partner IDs');
  });

  it('a US privacy state: Sec-GPC with the cookie present withdraws at once', async () => {
    const optedIn = await get(server('california'), '/article', {
      ...NAVIGATION,
      cookie: 'us_privacy=1YNN',
    });
    const id = mintedId(optedIn);
    assert.ok(id, 'a Californian who has not opted out gets an ID');
    const gpc = await get(server('california'), '/article', {
      ...NAVIGATION,
      'sec-gpc': '1',
      cookie: `ts-ec=${id}; us_privacy=1YNN`,
    });
    assert.deepEqual(setCookies(gpc), [EXPIRED_COOKIE]);
    assert.equal(await graph('california').state(id), 'tombstone');
  });

  it('a TC string the decoder refuses neither mints nor withdraws', async () => {
    const minted = mintedId(
      await get(server('germany'), '/article', {
        ...NAVIGATION,
        cookie: `euconsent-v2=${TC_CONSENT}`,
      }),
    ) as string;
    const count = await graph('germany').count();
    const fresh = await get(server('germany'), '/article', {
      ...NAVIGATION,
      cookie: `euconsent-v2=${TC_UNDECODABLE}`,
    });
    assert.deepEqual(setCookies(fresh), []);
    const returning = await get(server('germany'), '/article', {
      ...NAVIGATION,
      cookie: `ts-ec=${minted}; euconsent-v2=${TC_UNDECODABLE}`,
    });
    assert.deepEqual(setCookies(returning), [], 'not an expiry: nothing says the reader refused');
    assert.equal(await graph('germany').state(minted), 'live');
    assert.equal(await graph('germany').count(), count);
  });

  it('the page streams, byte for byte as with EC off: the cookie changes headers only', async () => {
    const headers = { ...NAVIGATION, 'accept-encoding': 'gzip, deflate, br' };
    // Minting: the first body bytes reach the reader while the origin still holds the rest.
    const minting = await new Promise<{ cookies: string[]; early: boolean; body: Buffer }>(
      (resolve, reject) => {
        http
          .get(`${server('canada').url}/stream`, { headers: { ...NAVIGATION } }, (res) => {
            const chunks: Buffer[] = [];
            let early = false;
            res.on('data', (chunk: Buffer) => {
              if (chunks.length === 0) {
                early = !tailSent;
                releaseTail();
              }
              chunks.push(chunk);
            });
            res.on('end', () =>
              resolve({
                cookies: res.headers['set-cookie'] ?? [],
                early,
                body: Buffer.concat(chunks),
              }),
            );
            res.on('error', reject);
          })
          .on('error', reject);
      },
    );
    assert.equal(minting.cookies.length, 1);
    assert.match(minting.cookies[0] as string, MINTED_COOKIE);
    assert.ok(minting.early, 'the page began to arrive before the origin had sent all of it');
    assert.ok(minting.body.toString().endsWith(STREAM_TAIL), 'whole page');

    // The same page sent at once: these readers need no proof of streaming.
    const plain = (name: string, extra: Record<string, string> = {}) =>
      get(server(name), '/stream?whole', { ...headers, ...extra });
    const off = await plain('noGraph');
    assert.deepEqual(setCookies(off), []);
    assert.ok(off.body.equals(minting.body), 'minting navigation: same bytes as EC off');
    const id = MINTED_COOKIE.exec(minting.cookies[0] as string)?.[1] as string;
    const returning = await plain('canada', { cookie: `ts-ec=${id}` });
    assert.ok(returning.body.equals(off.body), 'returning reader: same bytes as EC off');
    const withdrawn = await plain('california', { cookie: `ts-ec=${id}`, 'sec-gpc': '1' });
    assert.deepEqual(setCookies(withdrawn), [EXPIRED_COOKIE]);
    assert.ok(withdrawn.body.equals(off.body), 'withdrawal: same bytes as EC off');
  });
});
