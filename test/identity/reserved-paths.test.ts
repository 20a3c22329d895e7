import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loggablePath } from '../../src/core/http/loggable-path.ts';
import { isReservedPath, reservationResponse } from '../../src/core/http/reserved-paths.ts';

const kind = (path: string) => (isReservedPath(path) ? 'reserved' : undefined);

const ID = `${'a'.repeat(64)}.Ab12z9`;

test('reserved paths: the diagnostic resources are in the namespace', () => {
  for (const path of [
    '/_ts/admin/ec',
    `/_ts/admin/ec/${ID}`,
    '/_ts/admin/eids',
    '/_ts/admin/ec/x',
  ]) {
    assert.equal(kind(path), 'reserved', path);
  }
});

test('reserved paths: malformed, trailing and unknown admin paths are reserved (upstream list)', () => {
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
    assert.equal(kind(path), 'reserved', path);
  }
});

test('reserved paths: encodings that decode into it within four rounds are reserved', () => {
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
    assert.equal(kind(path), 'reserved', path);
  }
});

test('reserved paths: publisher paths that only look alike stay the publisher’s', () => {
  for (const path of [
    '/',
    '/admin',
    '/admin/login',
    '/admin/keyboards',
    '/admin/keystore',
    '/admin/keys%25store',
    '/news/_ts/admin',
    '/bad%zzescape',
    // Five rounds of encoding: past the bound, as upstream.
    '/_ts%252525252Fadmin/ec',
  ]) {
    assert.equal(kind(path), undefined, path);
  }
});

test('reserved paths: 405 with Allow when routes take the path with other methods; else 404', async () => {
  const wrong = reservationResponse(['GET', 'OPTIONS']);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, OPTIONS');
  assert.deepEqual(await wrong.json(), { error: 'method not allowed' });
  assert.equal(wrong.headers.get('cache-control'), 'no-store');
  // No route for the path (a feature switched off, an unknown path): 404, no Allow.
  const reserved = reservationResponse([]);
  assert.equal(reserved.status, 404);
  assert.equal(reserved.headers.get('allow'), null);
  assert.deepEqual(await reserved.json(), { error: 'route not found' });
});

test('reserved paths: the partner API namespace is held too (its bearer tokens are for this server)', () => {
  assert.equal(kind('/_ts/api/v1/batch-sync'), 'reserved');
  for (const path of ['/_ts/api/v1/batch-sync/', '/_ts/api', '/_ts/api/v2/identify', '/_ts/apis']) {
    assert.equal(kind(path), 'reserved', path);
  }
});

test('reserved paths: case is ignored, as basic-auth handlers ignore it by default', () => {
  for (const path of [
    '/_TS/ADMIN/keys/rotate',
    '/_Ts/admin/ec',
    '/_TS/API/v1/batch-sync',
    '/ADMIN/KEYS',
  ]) {
    assert.equal(kind(path), 'reserved', path);
  }
});

test('reserved paths: an invalid escape does not stop the decoding of the valid ones', () => {
  for (const path of ['/_ts%252Fadmin/ec%zz', '/admin%252Fkeys/rotate%G0', '/_ts%252Fadmin/%C3']) {
    assert.equal(kind(path), 'reserved', path);
  }
  assert.equal(kind('/news%zz/%C3/x'), undefined);
});

test('log paths: an admin lookup’s ID is cut to its log form, in any case', () => {
  const id = `${'ab'.repeat(32)}.Zx9Qw1`;
  assert.equal(loggablePath(`/_ts/admin/ec/${id}`), '/_ts/admin/ec/abababab…');
  assert.equal(loggablePath(`/_TS/Admin/EC/${id}`), '/_TS/Admin/EC/abababab…');
  assert.equal(loggablePath('/_ts/admin/ec/'), '/_ts/admin/ec/');
  assert.equal(loggablePath('/_ts/admin/ec'), '/_ts/admin/ec');
  assert.equal(loggablePath('/news/article'), '/news/article');
});
