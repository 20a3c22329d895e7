/**
 * The device signals every adapter reports: the user-agent class (real UA strings, as browsers,
 * crawlers and HTTP libraries send them), and the fingerprints Cloudflare and Fastly hand over,
 * believed only when they have the right shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deviceSignalsOf } from '../src/core/device/device-signals.ts';
import { classifyUserAgent, type UaClass } from '../src/core/device/ua-class.ts';
import { workersDeviceSignals } from '../src/cloudflare/services.ts';
import { deviceSignalsOfClient } from '../src/fastly/client-info.ts';

const UA_CASES: Array<[string, string | null, UaClass]> = [
  [
    'Chrome on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36',
    { platform: 'mac', formFactor: 'desktop', bot: false },
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    { platform: 'ios', formFactor: 'mobile', bot: false },
  ],
  [
    'Safari on iPad (mobile site mode)',
    'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    { platform: 'ios', formFactor: 'mobile', bot: false },
  ],
  [
    'Chrome on Android',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Mobile Safari/537.36',
    { platform: 'android', formFactor: 'mobile', bot: false },
  ],
  [
    'Samsung Internet on a tablet',
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Safari/537.36',
    { platform: 'android', formFactor: 'mobile', bot: false },
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36 Edg/146.0.0.0',
    { platform: 'windows', formFactor: 'desktop', bot: false },
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:149.0) Gecko/20100101 Firefox/149.0',
    { platform: 'linux', formFactor: 'desktop', bot: false },
  ],
  [
    'Chrome on a Chromebook',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36',
    { platform: 'chromeos', formFactor: 'desktop', bot: false },
  ],
  [
    'a CUBOT phone (a brand, not a bot)',
    'Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
    { platform: 'android', formFactor: 'mobile', bot: false },
  ],
  [
    'Googlebot (desktop)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/146.0.0.0 Safari/537.36',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'Googlebot smartphone (says Android, still a bot)',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    { platform: 'android', formFactor: 'mobile', bot: true },
  ],
  [
    'Bingbot',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'AdsBot-Google',
    'AdsBot-Google (+http://www.google.com/adsbot.html)',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'Baiduspider',
    'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'the Facebook link previewer',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'GPTBot',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  [
    'headless Chrome on Linux',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/146.0.0.0 Safari/537.36',
    { platform: 'linux', formFactor: 'desktop', bot: true },
  ],
  ['curl', 'curl/8.5.0', { platform: null, formFactor: 'unknown', bot: true }],
  [
    'python-requests',
    'python-requests/2.32.3',
    { platform: null, formFactor: 'unknown', bot: true },
  ],
  ['Go', 'Go-http-client/2.0', { platform: null, formFactor: 'unknown', bot: true }],
  ["Node's fetch", 'node', { platform: null, formFactor: 'unknown', bot: true }],
  ['no User-Agent at all', null, { platform: null, formFactor: 'unknown', bot: false }],
];

describe('user-agent class', () => {
  for (const [name, ua, expected] of UA_CASES) {
    it(name, () => assert.deepEqual(classifyUserAgent(ua), expected));
  }

  it('looks at a bounded prefix only, so a huge header costs nothing', () => {
    const huge = `Mozilla/5.0 ${'x'.repeat(100_000)} (Windows NT 10.0)`;
    assert.deepEqual(classifyUserAgent(huge), {
      platform: null,
      formFactor: 'unknown',
      bot: false,
    });
  });
});

const JA4 = 't13d1516h2_8daaf6152771_02713d6af862';
const H2 = '1:65536;2:0;4:6291456;6:262144|15663105|0|m,a,s,p';
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36';

describe('connection fingerprints', () => {
  it('keeps a well-formed JA4 and HTTP/2 fingerprint, and drops anything else', () => {
    assert.deepEqual(deviceSignalsOf(CHROME_MAC, JA4, H2), {
      ja4: JA4,
      h2: H2,
      uaClass: { platform: 'mac', formFactor: 'desktop', bot: false },
    });
    for (const bad of ['', 'not-a-ja4', `${JA4}_extra`, JA4.toUpperCase(), `${JA4}\n`]) {
      assert.equal(deviceSignalsOf(CHROME_MAC, bad).ja4, undefined, JSON.stringify(bad));
    }
    for (const bad of ['', 'has space', 'x'.repeat(257), 'é']) {
      assert.equal(deviceSignalsOf(CHROME_MAC, null, bad).h2, undefined, JSON.stringify(bad));
    }
  });

  it('Cloudflare: JA4 from Bot Management when present, the UA class always', () => {
    const request = new Request('https://www.publisher.test/', {
      headers: { 'user-agent': CHROME_MAC },
    });
    assert.deepEqual(workersDeviceSignals(request), {
      uaClass: { platform: 'mac', formFactor: 'desktop', bot: false },
    });
    Object.defineProperty(request, 'cf', { value: { botManagement: { ja4: JA4 } } });
    assert.equal(workersDeviceSignals(request).ja4, JA4);
    assert.equal(workersDeviceSignals(request).h2, undefined);
  });

  it('Fastly: JA4 and HTTP/2 fingerprint from the client info; a runtime without them is fine', () => {
    const client = {
      address: '203.0.113.9',
      tlsProtocol: 'TLSv1.3',
      tlsJA4: JA4,
      h2Fingerprint: H2,
    };
    assert.deepEqual(deviceSignalsOfClient(client, CHROME_MAC), {
      ja4: JA4,
      h2: H2,
      uaClass: { platform: 'mac', formFactor: 'desktop', bot: false },
    });
    const http1 = { address: '203.0.113.9', tlsProtocol: null, tlsJA4: null, h2Fingerprint: null };
    assert.deepEqual(deviceSignalsOfClient(http1, 'curl/8.5.0'), {
      uaClass: { platform: null, formFactor: 'unknown', bot: true },
    });
    const refusing = {
      address: '203.0.113.9',
      tlsProtocol: null,
      get tlsJA4(): string {
        throw new Error('not supported by this runtime');
      },
    };
    assert.deepEqual(deviceSignalsOfClient(refusing, CHROME_MAC).uaClass.platform, 'mac');
    assert.equal(deviceSignalsOfClient(undefined, null).ja4, undefined);
  });
});
