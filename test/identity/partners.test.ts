/**
 * The partner registry and Bearer parsing (src/core/identity/{partners,bearer}.ts), built from a
 * real `[ec]` configuration.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken } from '../../src/core/identity/bearer.ts';
import { createPartnerRegistry } from '../../src/core/identity/partners.ts';
import { partnerSettings, TOKEN_A, TOKEN_B } from './partner-fixtures.ts';

describe('partner registry', () => {
  it('finds partners by source domain in any case, with or without the trailing dot', async () => {
    const registry = await createPartnerRegistry(partnerSettings().ec.partners);
    assert.equal(registry.bySourceDomain('ssp.example')?.name, 'SSP');
    assert.equal(registry.bySourceDomain('SSP.Example.')?.name, 'SSP');
    assert.equal(registry.bySourceDomain('sync.example')?.name, 'Sync');
    assert.equal(registry.bySourceDomain('other.example'), undefined);
    assert.equal(registry.bySourceDomain('constructor'), undefined);
    assert.deepEqual(
      registry.all().map((partner) => partner.source_domain),
      ['ssp.example', 'sync.example'],
    );
  });

  it('finds a partner by its exact token only', async () => {
    const registry = await createPartnerRegistry(partnerSettings().ec.partners);
    assert.equal((await registry.byToken(TOKEN_A))?.name, 'SSP');
    assert.equal((await registry.byToken(TOKEN_B))?.name, 'Sync');
    for (const wrong of ['', TOKEN_A.slice(0, -1), `${TOKEN_A} `, TOKEN_A.toUpperCase()]) {
      assert.equal(await registry.byToken(wrong), undefined, JSON.stringify(wrong));
    }
  });

  it('an empty registry finds nothing', async () => {
    const registry = await createPartnerRegistry([]);
    assert.equal(registry.bySourceDomain('ssp.example'), undefined);
    assert.equal(await registry.byToken(TOKEN_A), undefined);
    assert.deepEqual(registry.all(), []);
  });
});

describe('Bearer token', () => {
  const of = (value?: string) =>
    bearerToken(new Headers(value === undefined ? {} : { authorization: value }));

  it('takes the scheme in any case and exactly one token', () => {
    assert.equal(of('Bearer tok'), 'tok');
    assert.equal(of('bearer tok'), 'tok');
    assert.equal(of('BEARER tok'), 'tok');
    assert.equal(of('  Bearer   tok  '), 'tok');
  });

  it('refuses everything else', () => {
    for (const value of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic abc',
      'Bearer a b',
      'Bearertok',
    ]) {
      assert.equal(of(value), undefined, JSON.stringify(value));
    }
  });
});
