import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceSignalsOf } from '../../src/core/device/device-signals.ts';
import { passesBotGate, resolveBotGate } from '../../src/core/identity/bot-gate.ts';
import { isDocumentNavigation } from '../../src/core/identity/navigation.ts';

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const OLD_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 15_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1';
const SAFARI_17 =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
const JA4 = 't13d1516h2_8daaf6152771_02713d6af862';

const gate = (
  mode: 'ja4' | 'ua' | 'off',
  ua: string,
  headers: Record<string, string> = {},
  ja4?: string,
) => passesBotGate(mode, deviceSignalsOf(ua, ja4), new Headers({ 'user-agent': ua, ...headers }));

const NAVIGATE = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

test('bot gate ua: a browser with Fetch Metadata passes', () => {
  assert.equal(gate('ua', CHROME, NAVIGATE), true);
  assert.equal(gate('ua', SAFARI_17, NAVIGATE), true);
});

test('bot gate ua: a browser too old for Fetch Metadata passes on its user agent', () => {
  assert.equal(gate('ua', OLD_SAFARI), true);
});

test('bot gate ua: a modern browser user agent without Fetch Metadata is a script', () => {
  assert.equal(gate('ua', CHROME), false);
  assert.equal(gate('ua', SAFARI_17, { accept: 'text/html' }), false);
});

test('bot gate ua: crawlers, tools, headless browsers and unknown platforms are refused', () => {
  for (const ua of [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; +https://openai.com/bot)',
    'curl/8.5.0',
    'python-requests/2.31.0',
    '',
  ]) {
    assert.equal(gate('ua', ua, NAVIGATE), false, ua);
  }
});

test('bot gate ja4: needs the fingerprint and a known platform (upstream)', () => {
  assert.equal(gate('ja4', CHROME, NAVIGATE, JA4), true);
  assert.equal(gate('ja4', CHROME, NAVIGATE), false);
  assert.equal(gate('ja4', 'curl/8.5.0', {}, JA4), false);
});

test('bot gate off: everyone passes', () => {
  assert.equal(gate('off', 'curl/8.5.0'), true);
});

test('bot gate default: ja4 where every request has it, ua elsewhere; ja4 without JA4 is refused', () => {
  assert.equal(resolveBotGate(undefined, 'always'), 'ja4');
  assert.equal(resolveBotGate(undefined, 'sometimes'), 'ua');
  assert.equal(resolveBotGate(undefined, 'never'), 'ua');
  assert.equal(resolveBotGate('ja4', 'sometimes'), 'ja4');
  assert.equal(resolveBotGate('off', 'always'), 'off');
  assert.throws(() => resolveBotGate('ja4', 'never'), /ec\.bot_gate = "ja4".*computes no JA4/);
});

test('navigation: Sec-Fetch-Dest decides; without it only an explicit text/html', () => {
  const nav = (headers: Record<string, string>) => isDocumentNavigation(new Headers(headers));
  assert.equal(nav({ 'sec-fetch-dest': 'document' }), true);
  assert.equal(nav({ 'sec-fetch-dest': ' Document ' }), true);
  assert.equal(nav({ 'sec-fetch-dest': 'image', accept: 'text/html' }), false);
  assert.equal(nav({ 'sec-fetch-dest': 'iframe' }), false);
  assert.equal(nav({ accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' }), true);
  assert.equal(nav({ accept: 'TEXT/HTML;q=0.5' }), true);
  assert.equal(nav({ accept: '*/*' }), false);
  assert.equal(nav({ accept: 'text/htmlx' }), false);
  assert.equal(nav({}), false);
});
