/**
 * Checklist items 6 (EC part), 12, 13, 14 (EC part), 15 and 31 (consent and store part): the Edge
 * Cookie against hostile cookies, spoofed identity headers, a store that fails, and the consent
 * matrix — through the real Node adapter over loopback, with the identity graph in memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidEcId } from '../../src/core/identity/ec-id.ts';
import { ecSetCookie } from '../../src/core/identity/ec-cookie.ts';
import { loadSettings } from '../../src/core/settings/load-settings.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { encodeTc, gppOf } from '../consent/helpers.ts';
import { startOrigin, type TestOrigin } from '../helpers/origin.ts';
import { baseToml, PASSWORD } from '../helpers/settings.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ORIGIN, wireRequest } from './harness.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const NAVIGATION = {
  'user-agent': CHROME,
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  accept: 'text/html',
};
const EC_COOKIE = /^ts-ec=([0-9a-f]{64}\.[A-Za-z0-9]{6}); /;
const VALID_ID = `${'c0'.repeat(32)}.Ab12z9`;

interface Deployment {
  server: TestServer;
  origin: TestOrigin;
  kv: KvStore;
  /** Cookie header values the origin received, in order. */
  seenCookies: Array<string | undefined>;
  seenHeaders: Array<Record<string, string | string[] | undefined>>;
}

async function deploy(geo: string): Promise<Deployment> {
  const seenCookies: Array<string | undefined> = [];
  const seenHeaders: Deployment['seenHeaders'] = [];
  const origin = await startOrigin(
    (request, response) => {
      seenCookies.push(request.headers.cookie);
      seenHeaders.push({ ...request.headers });
      response.writeHead(200, {
        'content-type': 'text/html',
        // A page the origin thinks is shared: a Set-Cookie must make it private.
        'cache-control': 'public, s-maxage=600',
        'cdn-cache-control': 'max-age=600',
        'x-ts-ec': VALID_ID,
      });
      response.end('<html><head></head><body>page</body></html>');
    },
    { streaming: true },
  );
  const toml = baseToml(
    ORIGIN,
    `ec_store = "identity"\n[proxy]\norigin_address = "${origin.url.replace('http://', '')}"\n` +
      `[geo]\nmode = "fixed"\n${geo}\n` +
      `[[handlers]]\npath = "^/_ts/admin"\nusername = "admin"\npassword = "${PASSWORD}"\n`,
  );
  const server = await startTestServer(loadSettings(toml));
  return { server, origin, kv: server.kv as KvStore, seenCookies, seenHeaders };
}

const page = (deployment: Deployment, headers: Record<string, string>) =>
  wireRequest(`${deployment.server.url}/article`, { headers: { ...NAVIGATION, ...headers } });

const setCookies = (headers: Record<string, string | string[] | undefined>): string[] => {
  const value = headers['set-cookie'];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

async function graphKeys(kv: KvStore): Promise<number> {
  return kv.countPrefix('', 1000);
}

describe('security checklist: the Edge Cookie (node)', () => {
  let nonRegulated: Deployment;
  let eu: Deployment;
  let california: Deployment;
  before(async () => {
    nonRegulated = await deploy('country = "CA"\nregion = "ON"');
    eu = await deploy('country = "DE"');
    california = await deploy('country = "US"\nregion = "CA"');
  });
  after(async () => {
    for (const deployment of [nonRegulated, eu, california]) {
      await deployment.server.close();
      await deployment.origin.close();
    }
  });

  it('12: hostile ts-ec values are discarded; a fresh ID is minted, the raw value goes nowhere', async () => {
    // CR/LF cannot be sent (Node's client and server refuse them in a header): the cookie reader's
    // own tests cover them. Each of these reaches the server and must be discarded.
    const hostile = [
      'a'.repeat(10 * 1024),
      'abc; Domain=.evil.com',
      `${'a'.repeat(64)}.\u00c4b12z9`,
      `${'A'.repeat(64)}.Ab12z9`,
      `${'a'.repeat(64)}.Ab12z9.extra`,
      `${'g'.repeat(64)}.Ab12z9`,
      `${'a'.repeat(63)}.Ab12z9`,
    ];
    for (const value of hostile) {
      const response = await page(nonRegulated, { cookie: `ts-ec=${value}` });
      assert.equal(response.status, 200, value.slice(0, 40));
      const cookies = setCookies(response.headers);
      assert.equal(cookies.length, 1, `a fresh ID for ${value.slice(0, 40)}`);
      const fresh = EC_COOKIE.exec(cookies[0] ?? '')?.[1];
      assert.ok(fresh !== undefined && isValidEcId(fresh));
      assert.ok(!JSON.stringify(response.headers).includes('evil.com'));
      assert.equal(
        response.headers['x-ts-ec'],
        VALID_ID,
        'consented: the origin’s own header passes',
      );
    }
    const logs = nonRegulated.server.logs.join('\n');
    assert.ok(!logs.includes('aaaaaaaaaaaaaaaaaaaaaaaa'), 'raw cookie value logged');
    assert.ok(!logs.includes('evil.com'));
  });

  it('6: a client-sent x-ts-ec header is stripped and never becomes the reader’s ID', async () => {
    const before = nonRegulated.seenHeaders.length;
    const response = await page(nonRegulated, { 'x-ts-ec': VALID_ID });
    assert.equal(nonRegulated.seenHeaders[before]?.['x-ts-ec'], undefined);
    const fresh = EC_COOKIE.exec(setCookies(response.headers)[0] ?? '')?.[1];
    assert.ok(fresh !== undefined && fresh !== VALID_ID);
  });

  it('6: the ID is keyed on the resolved peer address, not on spoofed forwarding headers', async () => {
    const hashes = new Set<string>();
    for (const spoofed of ['203.0.113.1', '198.51.100.7']) {
      const response = await page(nonRegulated, {
        'x-forwarded-for': spoofed,
        'x-real-ip': spoofed,
      });
      const id = EC_COOKIE.exec(setCookies(response.headers)[0] ?? '')?.[1] as string;
      hashes.add(id.split('.')[0] as string);
    }
    assert.equal(hashes.size, 1, 'the untrusted forwarding headers changed the HMAC input');
  });

  it('13: the Set-Cookie always carries the attributes, and no value with a separator is ever set', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (value) => {
        const cookie = ecSetCookie(value, 'www.publisher.test');
        if (cookie === null) return;
        assert.match(
          cookie,
          /^ts-ec=[A-Za-z0-9._-]+; Domain=\.www\.publisher\.test; Path=\/; Secure; SameSite=Lax; Max-Age=31536000; HttpOnly$/,
        );
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['a;b', 'a,b', 'a b', 'a\r\nb', 'é', '']) {
      assert.equal(ecSetCookie(bad, 'www.publisher.test'), null, JSON.stringify(bad));
    }
  });

  it('14: a response that sets the EC is private, whatever the origin said', async () => {
    const response = await page(nonRegulated, {});
    assert.equal(setCookies(response.headers).length, 1);
    assert.match(String(response.headers['cache-control']), /private/);
    assert.doesNotMatch(String(response.headers['cache-control']), /s-maxage|public/);
    assert.equal(response.headers['cdn-cache-control'], undefined);
  });

  it('15: EU without a TC string, and with one lacking storage consent: no EC, headers stripped', async () => {
    const keys = await graphKeys(eu.kv);
    for (const cookie of ['', `euconsent-v2=${encodeTc({ purposes: [2, 3, 4] })}`]) {
      const response = await page(eu, cookie === '' ? {} : { cookie });
      assert.deepEqual(setCookies(response.headers), [], cookie);
      assert.equal(response.headers['x-ts-ec'], undefined, 'identity header stripped');
    }
    assert.equal(await graphKeys(eu.kv), keys);
    const granted = await page(eu, {
      cookie: `euconsent-v2=${encodeTc({ purposes: [1, 2, 3, 4] })}`,
    });
    assert.equal(setCookies(granted.headers).length, 1, 'purpose 1 granted: an ID');
  });

  it('15: EU withdrawal (TC string without purpose 1): cookie expired, graph row tombstoned', async () => {
    const granted = await page(eu, { cookie: `euconsent-v2=${encodeTc({ purposes: [1, 4] })}` });
    const id = EC_COOKIE.exec(setCookies(granted.headers)[0] ?? '')?.[1] as string;
    const withdrawn = await page(eu, {
      cookie: `ts-ec=${id}; euconsent-v2=${encodeTc({ purposes: [2] })}`,
    });
    assert.deepEqual(setCookies(withdrawn.headers), [
      'ts-ec=; Domain=.www.publisher.test; Path=/; Secure; SameSite=Lax; Max-Age=0; HttpOnly',
    ]);
    const entry = JSON.parse((await eu.kv.get(id))?.value ?? '{}') as {
      consent?: { ok?: boolean };
    };
    assert.equal(entry.consent?.ok, false, 'tombstoned by the time the response arrived');
  });

  it('15: US GPC=1, or a GPP-only US opt-out: no new EC; an existing one expires and is tombstoned', async () => {
    const optOut = gppOf([
      [7, 'BVQqAAAAAgA.QA'],
      [8, 'BVVVVVVVVWA.AA'],
    ]);
    const signals: Array<Record<string, string>> = [
      { 'sec-gpc': '1' },
      { cookie: `__gpp=${optOut}` },
    ];
    for (const signal of signals) {
      const fresh = await page(california, signal);
      assert.deepEqual(setCookies(fresh.headers), [], JSON.stringify(signal));
      const minted = await page(california, { cookie: 'us_privacy=1YNN' });
      const id = EC_COOKIE.exec(setCookies(minted.headers)[0] ?? '')?.[1] as string;
      assert.ok(id, 'not opted out: an ID');
      const cookie = [`ts-ec=${id}`, signal['cookie']].filter(Boolean).join('; ');
      const withdrawn = await page(california, { ...signal, cookie });
      assert.match(setCookies(withdrawn.headers)[0] ?? '', /^ts-ec=; .*Max-Age=0/);
      const entry = JSON.parse((await california.kv.get(id))?.value ?? '{}') as {
        consent?: { ok?: boolean };
      };
      assert.equal(entry.consent?.ok, false, JSON.stringify(signal));
    }
  });

  it('31: logs carry no full ID, client IP or raw consent string', () => {
    for (const deployment of [nonRegulated, eu, california]) {
      const logs = deployment.server.logs.join('\n');
      assert.doesNotMatch(logs, /[0-9a-f]{64}/, 'a full ID hash in the logs');
      assert.ok(!logs.includes('"127.0.0.1"'), 'the client address in the logs');
      assert.ok(!logs.includes('BVVVVVVVVWA'), 'a raw GPP string in the logs');
      assert.ok(!logs.includes('1YNN'), 'a raw USP string in the logs');
    }
  });
});
