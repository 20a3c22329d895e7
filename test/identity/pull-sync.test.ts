/**
 * Pull sync after a reader's page view, through the whole app: who is asked, with what, how
 * often, and that nothing a partner does can break the page or leak the ID (upstream
 * `ec/pull_sync.rs` tests, plus the run through the lifecycle).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  pullOrder,
  pullPerMinute,
  pullRateKey,
  pullUrl,
} from '../../src/core/identity/pull-sync.ts';
import type { Partner } from '../../src/core/identity/partners.ts';
import { TsError } from '../../src/core/errors.ts';
import type { UpstreamFetchOptions } from '../../src/core/upstream/upstream-fetch.ts';
import { endpointApp, endpointSettings, ID, seedEntry, SIBLING } from './endpoint-fixtures.ts';

const PULL_TOKEN = 'pull-token-for-tests-0123456789abcdef';

function pullPartner(name: string, extra = ''): string {
  return `
[[ec.partners]]
name = "${name}"
source_domain = "${name}.example"
api_token = "${name}-api-token-0123456789abcdef01234567"
pull_sync_enabled = true
pull_sync_url = "https://sync.${name}.test/pull?src=ts"
pull_sync_allowed_domains = ["sync.${name}.test"]
ts_pull_token = "${PULL_TOKEN}-${name}"
${extra}`;
}

interface Call {
  url: URL;
  options: UpstreamFetchOptions;
  headers: Headers;
}

/** A partner side that answers `answer(url)` and records every call. */
function partnerSide(
  answer: (url: URL) => Response | Promise<Response> = () => Response.json({ uid: 'p-uid' }),
) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchUpstream = async (request: Request, options: UpstreamFetchOptions) => {
    const url = new URL(request.url);
    calls.push({ url, options, headers: request.headers });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    try {
      return await answer(url);
    } finally {
      inFlight--;
    }
  };
  return { calls, fetchUpstream, maxInFlight: () => maxInFlight };
}

function setup(partners: string, answer?: (url: URL) => Response | Promise<Response>, extra = '') {
  const side = partnerSide(answer);
  const app = endpointApp({ partners, extra, overrides: { fetchUpstream: side.fetchUpstream } });
  const view = async (id: string, headers: Record<string, string> = {}) => {
    const response = await app.fetch('/article', {
      headers: { cookie: `ts-ec=${id}`, ...headers },
    });
    await response.text();
    await Promise.all(app.services.fake.background);
    app.services.fake.background.length = 0;
    return response;
  };
  return { ...app, side, view };
}

test('pull sync: a page view asks the partner for its UID, with its token, and stores it', async () => {
  const { view, graph, side, services } = setup(pullPartner('alpha'));
  await seedEntry(graph, ID);
  const response = await view(ID);
  assert.equal(response.status, 200);
  assert.equal(side.calls.length, 1);
  const [call] = side.calls;
  assert.equal(call?.url.origin, 'https://sync.alpha.test');
  assert.equal(call?.url.pathname, '/pull');
  assert.equal(call?.url.searchParams.get('src'), 'ts');
  assert.equal(call?.url.searchParams.get('ec_id'), ID);
  assert.equal(call?.options.authorization, `Bearer ${PULL_TOKEN}-alpha`);
  assert.equal(call?.options.verifyCertificate, true);
  assert.equal(call?.headers.get('cookie'), null, 'the reader’s cookies went to the partner');
  assert.equal((await graph.get(ID))?.entry.ids['alpha.example']?.uid, 'p-uid');
  // Stored now: the next view asks nobody.
  await view(ID);
  assert.equal(side.calls.length, 1);
  const logs = services.fake.logs.lines.join('\n');
  assert.ok(!logs.includes(ID) && !logs.includes(PULL_TOKEN), 'ID or token logged');
});

test('pull sync: only partners without a UID, at most pull_sync_concurrency at once', async () => {
  const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
  const { view, graph, side } = setup(
    names.map((name) => pullPartner(name)).join(''),
    undefined,
    '',
  );
  await seedEntry(graph, ID, { 'bravo.example': 'known' });
  await view(ID);
  const asked = side.calls.map((call) => call.url.hostname).sort();
  assert.deepEqual(asked, [
    'sync.alpha.test',
    'sync.charlie.test',
    'sync.delta.test',
    'sync.echo.test',
  ]);
  assert.equal(side.maxInFlight(), 3, 'default pull_sync_concurrency is 3');
  assert.equal((await graph.get(ID))?.entry.ids['bravo.example']?.uid, 'known');
});

test('pull sync: the budget is per partner and household (the ID hash), per hour', async () => {
  // 60 an hour = 1 a minute; the partner never knows the reader, so it is asked each time.
  const { view, graph, side, services } = setup(
    pullPartner('alpha', 'pull_sync_rate_limit = 60'),
    () => new Response(null, { status: 404 }),
  );
  await seedEntry(graph, ID);
  await seedEntry(graph, SIBLING);
  await view(ID);
  await view(SIBLING); // same address, same budget
  await view(ID);
  assert.equal(side.calls.length, 1);
  services.fake.clock.advance(60_000);
  await view(SIBLING);
  assert.equal(side.calls.length, 2);
});

test('pull sync: no consent, no entry or a withdrawn one: nobody is asked', async () => {
  const { view, graph, side } = setup(pullPartner('alpha'));
  await view(ID); // no entry: an answer could not be stored
  await seedEntry(graph, SIBLING);
  await graph.writeWithdrawalTombstone(SIBLING);
  await view(SIBLING);
  assert.equal(side.calls.length, 0);
  const unknown = endpointApp({ partners: pullPartner('alpha'), geo: null });
  await seedEntry(unknown.graph, ID);
  const calls: string[] = [];
  unknown.services.fetchUpstream = (request) => {
    calls.push(request.url);
    return Promise.resolve(Response.json({ uid: 'x' }));
  };
  await (await unknown.fetch('/article', { headers: { cookie: `ts-ec=${ID}` } })).text();
  await Promise.all(unknown.services.fake.background);
  assert.deepEqual(calls, []);
});

test('pull sync: failing partners are logged without the ID; the page is unaffected', async () => {
  const answers: Record<string, () => Response | Promise<Response>> = {
    'sync.alpha.test': () => new Response('oops', { status: 500 }),
    'sync.bravo.test': () => new Response('not json'),
    'sync.charlie.test': () => Response.json({ uid: 'x'.repeat(513) }),
    'sync.delta.test': () =>
      Promise.reject(
        new TsError(
          'upstream_timeout',
          `timed out fetching https://sync.delta.test/pull?ec_id=${ID}`,
        ),
      ),
    'sync.echo.test': () => Response.json({ uid: null }),
  };
  const names = Object.keys(answers).map((host) => host.split('.')[1] as string);
  const { view, graph, services } = setup(names.map((name) => pullPartner(name)).join(''), (url) =>
    (answers[url.hostname] as () => Response)(),
  );
  await seedEntry(graph, ID);
  const response = await view(ID);
  assert.equal(response.status, 200);
  assert.deepEqual(Object.keys((await graph.get(ID))?.entry.ids ?? {}), []);
  const logs = services.fake.logs.lines.join('\n');
  assert.ok(!logs.includes(ID), 'the full ID was logged');
  assert.ok(!logs.includes(PULL_TOKEN), 'a pull token was logged');
  const messages = services.fake.logs
    .records()
    .map((record) => `${record.msg} ${String(record.partner)}`);
  for (const expected of [
    'pull sync: partner refused alpha.example',
    'pull sync: partner answer is not JSON bravo.example',
    'pull sync: partner UID refused (not text, or over 512 bytes) charlie.example',
    'pull sync: partner call failed delta.example',
  ]) {
    assert.ok(messages.includes(expected), `${expected} in ${messages.join(' | ')}`);
  }
});

test('pull sync: partners in source-domain order, rotated by the hour', () => {
  const partners = ['c', 'a', 'b'].map(
    (name) => ({ source_domain: `${name}.example`, pull_sync_enabled: true }) as Partner,
  );
  const off = { source_domain: 'z.example', pull_sync_enabled: false } as Partner;
  const order = (hour: number) =>
    pullOrder([...partners, off], hour * 3600_000 + 1).map((partner) => partner.source_domain[0]);
  assert.deepEqual(order(0), ['a', 'b', 'c']);
  assert.deepEqual(order(1), ['b', 'c', 'a']);
  assert.deepEqual(order(2), ['c', 'a', 'b']);
  assert.deepEqual(order(3), ['a', 'b', 'c']);
});

test('pull sync: only https URLs on an allowed host are called', () => {
  const base = endpointSettings({ partners: pullPartner('alpha') }).ec.partners[0] as Partner;
  const url = (pull_sync_url: string, allowed = ['sync.alpha.test']) =>
    pullUrl({ ...base, pull_sync_url, pull_sync_allowed_domains: allowed }, ID);
  assert.match(String(url('http://sync.alpha.test/pull')), /not https/);
  assert.match(String(url('https://evil.test/pull')), /not in pull_sync_allowed_domains/);
  assert.match(String(url('https://sync.alpha.test.evil.test/pull')), /not in/);
  const normalised = url('https://SYNC.ALPHA.TEST./pull?x=1');
  assert.ok(normalised instanceof URL);
  assert.equal(normalised.searchParams.get('x'), '1');
  assert.equal(normalised.searchParams.get('ec_id'), ID);
  assert.ok(!normalised.search.includes('ip='), 'the client address goes nowhere');
});

test('pull sync: budget keys and per-minute budgets', () => {
  assert.equal(pullRateKey('ssp.example', ID), pullRateKey('ssp.example', SIBLING));
  assert.equal(pullRateKey('ssp.example', ID), `pull:ssp.example:${'ab'.repeat(32)}`);
  assert.equal(pullPerMinute(10), 1);
  assert.equal(pullPerMinute(60), 1);
  assert.equal(pullPerMinute(65), 2);
});

test('pull sync: without a rate limiter on the platform nobody is asked', async () => {
  const side = partnerSide();
  const { fetch, graph, services } = endpointApp({
    partners: pullPartner('alpha'),
    noRateLimiter: true,
    overrides: { fetchUpstream: side.fetchUpstream },
  });
  await seedEntry(graph, ID);
  await (await fetch('/article', { headers: { cookie: `ts-ec=${ID}` } })).text();
  await Promise.all(services.fake.background);
  assert.equal(side.calls.length, 0);
  assert.ok(services.fake.logs.records().some((r) => String(r.msg).includes('pull sync is off')));
});
