/**
 * The device record and the bot gate (src/core/identity/device-record.ts): upstream `device.rs`'s
 * cases, on the signals a platform reports.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { deviceSignalsOf } from '../../src/core/device/device-signals.ts';
import { deviceRecord, looksLikeBrowser } from '../../src/core/identity/device-record.ts';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 26_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1';
const GOOGLEBOT = 'Googlebot/2.1 (+http://www.google.com/bot.html)';
const CHROME_H2 = '1:65536;2:0;4:6291456;6:262144';
const SAFARI_H2 = '2:0;3:100;4:2097152';

describe('device record', () => {
  it('Chrome on a Mac with its JA4 and HTTP/2 fingerprint is a known desktop browser', async () => {
    const signals = deviceSignalsOf(CHROME_MAC, 't13d1516h2_8daaf6152771_e5627efa2ab1', CHROME_H2);
    assert.deepEqual(await deviceRecord(signals), {
      is_mobile: 0,
      ja4_class: 't13d1516h2',
      platform_class: 'mac',
      h2_fp_hash: createHash('sha256').update(CHROME_H2).digest('hex').slice(0, 12),
      known_browser: true,
    });
  });

  it('Safari on iOS is mobile and known; mismatched pairs are not known', async () => {
    const safari = await deviceRecord(
      deviceSignalsOf(SAFARI_IOS, 't13d2013h2_abcdef123456_fedcba654321', SAFARI_H2),
    );
    assert.equal(safari.is_mobile, 1);
    assert.equal(safari.platform_class, 'ios');
    assert.equal(safari.known_browser, true);
    const mismatched = await deviceRecord(
      deviceSignalsOf(CHROME_MAC, 't13d1516h2_8daaf6152771_e5627efa2ab1', SAFARI_H2),
    );
    assert.equal(mismatched.known_browser, undefined);
    const noH2 = await deviceRecord(
      deviceSignalsOf(CHROME_MAC, 't13d1516h2_8daaf6152771_e5627efa2ab1'),
    );
    assert.deepEqual(noH2, { is_mobile: 0, ja4_class: 't13d1516h2', platform_class: 'mac' });
  });

  it('a crawler with no fingerprints is unknown on every count', async () => {
    assert.deepEqual(await deviceRecord(deviceSignalsOf(GOOGLEBOT)), { is_mobile: 2 });
    assert.deepEqual(await deviceRecord(deviceSignalsOf(undefined)), { is_mobile: 2 });
  });
});

describe('bot gate', () => {
  const ja4 = 't13d1516h2_8daaf6152771_e5627efa2ab1';

  it('ja4: needs a TLS fingerprint and a recognised OS (upstream)', () => {
    assert.ok(looksLikeBrowser(deviceSignalsOf(CHROME_MAC, ja4), 'ja4'));
    assert.ok(!looksLikeBrowser(deviceSignalsOf(CHROME_MAC), 'ja4'), 'no JA4');
    assert.ok(!looksLikeBrowser(deviceSignalsOf('curl/8.5.0', ja4), 'ja4'), 'no OS');
  });

  it('ua: needs a recognised OS and a user agent that does not say it is automated', () => {
    assert.ok(looksLikeBrowser(deviceSignalsOf(CHROME_MAC), 'ua'));
    assert.ok(looksLikeBrowser(deviceSignalsOf(SAFARI_IOS), 'ua'));
    assert.ok(!looksLikeBrowser(deviceSignalsOf('curl/8.5.0'), 'ua'));
    assert.ok(!looksLikeBrowser(deviceSignalsOf(GOOGLEBOT), 'ua'));
    const mobileGooglebot =
      'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
    assert.ok(!looksLikeBrowser(deviceSignalsOf(mobileGooglebot), 'ua'), 'a bot on Android');
    assert.ok(looksLikeBrowser(deviceSignalsOf(mobileGooglebot, ja4), 'ja4'), 'ja4 trusts the OS');
  });

  it('off: everyone', () => {
    assert.ok(looksLikeBrowser(deviceSignalsOf('curl/8.5.0'), 'off'));
    assert.ok(looksLikeBrowser(deviceSignalsOf(undefined), 'off'));
  });
});
