import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminReservation, adminReservationResponse } from '../../src/core/http/admin-namespace.ts';

const ID = `${'a'.repeat(64)}.Ab12z9`;

test('admin namespace: the diagnostic resources are recognised as such', () => {
  for (const path of [
    '/_ts/admin/ec',
    `/_ts/admin/ec/${ID}`,
    '/_ts/admin/eids',
    '/_ts/admin/ec/x',
  ]) {
    assert.equal(adminReservation(path), 'resource', path);
  }
});

test('admin namespace: malformed, trailing and unknown admin paths are reserved (upstream list)', () => {
  for (const path of [
    '/_ts/admin/ec/',
    `/_ts/admin/ec/${ID}/extra`,
    '/_ts/admin/eids/',
    '/_ts/admin/eids/extra',
    '/_ts/admin/eids.json',
    '/_ts/admin/ec;foo',
    '/_ts/admin/unknown',
    '/_ts/admin',
    '/_ts/adminec',
    '/_ts/admin%252Fec',
    '/_ts/admin%5Cec',
    '/_ts/admin/keys/rotate',
  ]) {
    assert.equal(adminReservation(path), 'reserved', path);
  }
});

test('admin namespace: encodings that decode into it within four rounds are reserved', () => {
  for (const path of [
    '/admin/keys',
    '/admin/keys/',
    '/admin/keys/rotate/',
    '/admin/keys/rotate/extra',
    '/admin%252Fkeys/rotate',
    '/admin/keys%252Frotate',
    '/admin%25252Fkeys/rotate',
    '/_ts%252Fadmin/ec',
    // Four rounds of decoding: the bound, as upstream.
    '/_ts%2525252Fadmin/ec',
  ]) {
    assert.equal(adminReservation(path), 'reserved', path);
  }
});

test('admin namespace: publisher paths that only look alike stay the publisher’s', () => {
  for (const path of [
    '/',
    '/admin',
    '/admin/login',
    '/admin/keyboards',
    '/admin/keystore',
    '/admin/keys%25store',
    '/_ts/api/v1/batch-sync',
    '/news/_ts/admin',
    '/bad%zzescape',
    // Five rounds of encoding: past the bound, as upstream.
    '/_ts%252525252Fadmin/ec',
  ]) {
    assert.equal(adminReservation(path), undefined, path);
  }
});

test('admin namespace: a resource asked with another method is 405 with Allow; the rest 404', async () => {
  const wrong = adminReservationResponse('resource', 'POST');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
  assert.deepEqual(await wrong.json(), { error: 'method not allowed' });
  const reserved = adminReservationResponse('reserved', 'POST');
  assert.equal(reserved.status, 404);
  assert.equal(reserved.headers.get('allow'), null);
  assert.equal(adminReservationResponse('resource', 'GET').status, 404);
  assert.equal(reserved.headers.get('cache-control'), 'no-store');
});
