import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { TsError } from '../src/core/errors.ts';
import { chooseResponseCoding } from '../src/core/proxy/classify.ts';
import type { OriginFetchOptions } from '../src/core/services.ts';
import { withoutBrotli } from '../src/fastly/accept-encoding.ts';
import { backendConfigFor } from '../src/fastly/backend-options.ts';
import { connectionOf, ensureSignal, geoInfoOf, safeGeoLookup } from '../src/fastly/client-info.ts';
import { fastlyCodecs } from '../src/fastly/codecs.ts';
import { fetchFailure, guardBody, withDeadline } from '../src/fastly/origin-guards.ts';

const FETCH: OriginFetchOptions = {
  timeouts: { connectMs: 1000, firstByteMs: 15000, betweenBytesMs: 10000, totalMs: 300000 },
  verifyCertificate: true,
};

async function drain(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe('Fastly client mapping', () => {
  it('maps event.client to the connection core sees', () => {
    assert.deepEqual(
      connectionOf({ address: '203.0.113.9', tlsProtocol: 'TLSv1.3' }, 'https://a/'),
      {
        remoteAddress: '203.0.113.9',
        tls: true,
      },
    );
    assert.deepEqual(connectionOf({ address: '2001:db8::1', tlsProtocol: null }, 'http://a/'), {
      remoteAddress: '2001:db8::1',
      tls: false,
    });
  });

  it('maps Fastly geolocation to GeoInfo, dropping what is unknown', () => {
    const geo = geoInfoOf({
      city: 'Berlin',
      continent: 'EU',
      country_code: 'DE',
      latitude: 52.52,
      longitude: 13.4,
      metro_code: 0,
      region: 'BE',
    });
    assert.deepEqual(geo, {
      city: 'Berlin',
      continent: 'EU',
      country: 'DE',
      latitude: 52.52,
      longitude: 13.4,
      metroCode: 0,
      region: 'BE',
    });
    const sparse = geoInfoOf({
      city: null,
      continent: null,
      country_code: 'US',
      latitude: null,
      longitude: null,
      metro_code: null,
      region: null,
    });
    assert.deepEqual(sparse, { country: 'US' });
    assert.equal(geoInfoOf(null), null);
  });

  it('adds the ASN, keeps only ISO countries and subdivision codes', () => {
    const place = {
      city: 'Austin',
      continent: 'NA',
      latitude: 30.27,
      longitude: -97.74,
      metro_code: 635,
    };
    assert.deepEqual(geoInfoOf({ ...place, country_code: 'US', region: 'TX', as_number: 7922 }), {
      city: 'Austin',
      continent: 'NA',
      country: 'US',
      latitude: 30.27,
      longitude: -97.74,
      metroCode: 635,
      region: 'TX',
      asn: 7922,
    });
    // No country Fastly could name: no geo (the jurisdiction is unknown), whatever else it says.
    for (const country_code of [null, '**', '', 'A1']) {
      assert.equal(geoInfoOf({ ...place, country_code, region: 'TX', as_number: 7922 }), null);
    }
    const odd = geoInfoOf({ ...place, country_code: 'de', region: 'not a code', as_number: 0 });
    assert.equal(odd?.country, 'DE');
    assert.equal(odd?.region, undefined);
    assert.equal(odd?.asn, undefined);
  });

  it('treats a geo lookup that throws, or no address, as no data', () => {
    const throwing = () => {
      throw new Error('invalid address');
    };
    assert.equal(safeGeoLookup(throwing, 'nonsense'), null);
    assert.equal(
      safeGeoLookup(() => assert.fail('not called'), ''),
      null,
    );
  });

  it('gives a signal-less request a never-aborting signal and leaves real ones alone', () => {
    const bare = {} as Request;
    assert.equal(ensureSignal(bare).signal.aborted, false);
    const real = new Request('https://a/');
    const signal = real.signal;
    assert.equal(ensureSignal(real).signal, signal);
  });
});

describe('Fastly Accept-Encoding: brotli is neither decodable nor encodable', () => {
  const cases: Array<[string | null, string | null]> = [
    [null, null],
    ['gzip, deflate, br', 'gzip, deflate'],
    ['br', 'identity'],
    ['br;q=1, gzip;q=0.5', 'gzip;q=0.5'],
    ['*', '*, br;q=0'],
    ['gzip, BR, zstd', 'gzip, zstd'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(withoutBrotli(input), expected);
    });
  }

  it('core then never negotiates br for the client', () => {
    for (const header of ['br', 'gzip, br', '*', 'br;q=1, *;q=0.1', 'deflate, br']) {
      assert.notEqual(chooseResponseCoding(withoutBrotli(header)), 'br', header);
    }
    assert.equal(chooseResponseCoding(withoutBrotli('gzip, br')), 'gzip');
  });
});

describe('Fastly dynamic backend options', () => {
  it('maps an https origin: target with port, Host, SNI, certificate name, timeouts', () => {
    const config = backendConfigFor(new URL('https://www.origin.test/a?b'), FETCH);
    assert.deepEqual(
      { ...config, name: undefined },
      {
        name: undefined,
        target: 'www.origin.test:443',
        hostOverride: 'www.origin.test',
        useSSL: true,
        tlsMinVersion: 1.2,
        sniHostname: 'www.origin.test',
        certificateHostname: 'www.origin.test',
        connectTimeout: 1000,
        firstByteTimeout: 15000,
        betweenBytesTimeout: 10000,
      },
    );
    assert.match(config.name, /^ts_origin_[0-9a-f]{8}$/);
  });

  it('connects to proxy.origin_address but keeps the origin name for Host and TLS', () => {
    const config = backendConfigFor(new URL('https://www.origin.test:8443'), {
      ...FETCH,
      connectAddress: '192.0.2.10:8443',
    });
    assert.equal(config.target, '192.0.2.10:8443');
    assert.equal(config.hostOverride, 'www.origin.test:8443');
    assert.equal(config.sniHostname, 'www.origin.test');
  });

  it('plain http: no TLS fields; IP literals: no SNI', () => {
    const http = backendConfigFor(new URL('http://origin.test'), FETCH);
    assert.equal(http.target, 'origin.test:80');
    assert.equal(http.useSSL, false);
    assert.equal(http.sniHostname, undefined);
    const ip = backendConfigFor(new URL('https://192.0.2.1'), FETCH);
    assert.equal(ip.sniHostname, undefined);
    assert.equal(ip.certificateHostname, undefined);
  });

  it('names backends by configuration: same settings, same name (connection pooling)', () => {
    const url = new URL('https://origin.test');
    assert.equal(backendConfigFor(url, FETCH).name, backendConfigFor(url, FETCH).name);
    const slower = { ...FETCH, timeouts: { ...FETCH.timeouts, firstByteMs: 30000 } };
    assert.notEqual(backendConfigFor(url, FETCH).name, backendConfigFor(url, slower).name);
  });
});

describe('Fastly origin guards', () => {
  it('turns a slow first byte into origin_timeout', async () => {
    const never = new Promise<never>(() => {});
    await assert.rejects(
      withDeadline(never, 20, () => new TsError('origin_timeout', 'late')),
      (error: TsError) => error.code === 'origin_timeout',
    );
    assert.equal(await withDeadline(Promise.resolve(7), 1000, () => new Error('x')), 7);
  });

  it('classifies fetch rejections, naming the host', () => {
    const timeout = fetchFailure(new Error('backend first byte timeout'), 'o.test');
    assert.equal(timeout.code, 'origin_timeout');
    const refused = fetchFailure(new TypeError('NetworkError when attempting to fetch'), 'o.test');
    assert.equal(refused.code, 'origin_unreachable');
    assert.match(refused.message, /origin o\.test/);
  });

  it('errors a rewritable body that ends short of Content-Length', async () => {
    const response = new Response(streamOf(new TextEncoder().encode('<p>cut')), {
      headers: { 'content-type': 'text/html', 'content-length': '100' },
    });
    const guarded = guardBody('GET', response, 'o.test');
    await assert.rejects(drain(guarded.body!), /body ended after 6 of 100 bytes/);
  });

  it('passes complete bodies, and leaves passthrough bodies on the host path', async () => {
    const text = new TextEncoder().encode('<p>whole</p>');
    const complete = guardBody(
      'GET',
      new Response(streamOf(text), {
        headers: { 'content-type': 'text/html', 'content-length': String(text.length) },
      }),
      'o.test',
    );
    assert.equal((await drain(complete.body!)).toString(), '<p>whole</p>');
    const image = new Response(streamOf(text), {
      headers: { 'content-type': 'image/png', 'content-length': '999' },
    });
    assert.equal(guardBody('GET', image, 'o.test'), image);
  });
});

describe('Fastly codecs (web CompressionStream / DecompressionStream)', () => {
  const page = Buffer.from('<html>'.padEnd(50_000, 'x'));

  it('decodes gzip and encodes gzip that round-trips', async () => {
    const decoded = await drain(
      streamOf(gzipSync(page)).pipeThrough(fastlyCodecs.decode('gzip', 1e6)),
    );
    assert.deepEqual(decoded, page);
    const encoded = await drain(streamOf(page).pipeThrough(fastlyCodecs.encode('gzip', 4)));
    const back = await drain(streamOf(encoded).pipeThrough(fastlyCodecs.decode('gzip', 1e6)));
    assert.deepEqual(back, page);
  });

  it('errors on truncated gzip rather than ending cleanly', async () => {
    const whole = gzipSync(
      Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i * 7919}`).join()),
    );
    const cut = whole.subarray(0, whole.length - 20);
    await assert.rejects(drain(streamOf(cut).pipeThrough(fastlyCodecs.decode('gzip', 1e6))));
  });

  it('errors past the decoded-size cap', async () => {
    await assert.rejects(
      drain(streamOf(gzipSync(page)).pipeThrough(fastlyCodecs.decode('gzip', 10_000))),
      /decoded body exceeds 10000 bytes/,
    );
  });

  it('refuses brotli with a clear error', async () => {
    await assert.rejects(
      drain(streamOf(page).pipeThrough(fastlyCodecs.decode('br', 1e6))),
      /brotli body, which Fastly Compute cannot decode/,
    );
    assert.throws(() => fastlyCodecs.encode('br', 4), /brotli encoding is not available/);
  });
});
