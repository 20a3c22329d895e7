import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCookies } from '../src/core/http/cookies.ts';

const cookies = (header: string | undefined) =>
  parseCookies(new Headers(header === undefined ? {} : { cookie: header }));

test('cookies: pairs split on ";", values raw and trimmed, last duplicate wins', () => {
  const parsed = cookies(' ts-ec = abc.DEF123 ;euconsent-v2=CP%3D; a=1; a=2;flag; =x; b="q"');
  assert.equal(parsed.get('ts-ec'), 'abc.DEF123');
  assert.equal(parsed.get('euconsent-v2'), 'CP%3D');
  assert.equal(parsed.get('a'), '2');
  assert.equal(parsed.get('b'), '"q"');
  assert.equal(parsed.has('flag'), false);
  assert.equal(parsed.has(''), false);
});

test('cookies: no header, an empty one, or only separators give no cookies', () => {
  assert.equal(cookies(undefined).size, 0);
  assert.equal(cookies('').size, 0);
  assert.equal(cookies(';;; ;').size, 0);
});

test('cookies: a value may hold "=" (base64 padding)', () => {
  assert.equal(
    cookies('ts-eids=W3sic291cmNlIjoiYSJ9XQ==').get('ts-eids'),
    'W3sic291cmNlIjoiYSJ9XQ==',
  );
});
