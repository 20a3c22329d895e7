/**
 * The device part of an identity graph entry (upstream `ec/device.rs`), and the bot gate that
 * decides whether a request may mint an Edge Cookie at all.
 *
 * Only classes are kept: JA4's first section (a browser family, not the full fingerprint), the OS
 * family, a 12-hex prefix of the HTTP/2 fingerprint's hash. None of them tells two people with the
 * same browser apart.
 */
import type { DeviceSignals } from '../device/device-signals.ts';
import type { GraphDevice } from './graph-entry.ts';
import { sha256Hex } from '../bytes/sha256-hex.ts';

/** Which signal keeps crawlers from minting IDs (`[ec] bot_gate`, decision D4). */
export type BotGate = 'ja4' | 'ua' | 'off';

/**
 * The JA4 class + HTTP/2 fingerprint pairs of current browsers, upstream's table (measured on
 * Fastly, April 2026). A pair matching one of them is a known browser; anything else is unknown,
 * never "a bot": the table is short and browsers change their fingerprints.
 */
const KNOWN_BROWSERS: ReadonlyArray<readonly [ja4Class: string, h2: string]> = [
  ['t13d1516h2', '1:65536;2:0;4:6291456;6:262144'], // Chrome 146, macOS
  ['t13d2013h2', '2:0;3:100;4:2097152'], // Safari 26, macOS and iOS
  ['t13d1717h2', '1:65536;2:0;4:131072;5:16384'], // Firefox 149, macOS
];

/** `ja4_class|h2_fp_hash` of each known browser, hashed once on first use. */
let knownPairs: Promise<Set<string>> | undefined;

async function h2FingerprintHash(h2: string): Promise<string> {
  return (await sha256Hex(h2)).slice(0, 12);
}

/**
 * The entry's `device` record for a request's signals. Asynchronous because the HTTP/2 hash goes
 * through WebCrypto.
 */
export async function deviceRecord(signals: DeviceSignals): Promise<GraphDevice> {
  const { uaClass } = signals;
  const device: GraphDevice = {
    is_mobile: uaClass.formFactor === 'desktop' ? 0 : uaClass.formFactor === 'mobile' ? 1 : 2,
  };
  const ja4Class = signals.ja4?.split('_')[0];
  if (ja4Class !== undefined && ja4Class !== '') device.ja4_class = ja4Class;
  if (uaClass.platform !== null) device.platform_class = uaClass.platform;
  if (signals.h2 !== undefined) device.h2_fp_hash = await h2FingerprintHash(signals.h2);
  if (device.ja4_class !== undefined && device.h2_fp_hash !== undefined) {
    knownPairs ??= Promise.all(
      KNOWN_BROWSERS.map(async ([ja4, h2]) => `${ja4}|${await h2FingerprintHash(h2)}`),
    ).then((pairs) => new Set(pairs));
    if ((await knownPairs).has(`${device.ja4_class}|${device.h2_fp_hash}`)) {
      device.known_browser = true;
    }
  }
  return device;
}

/**
 * Whether a request looks enough like a browser to mint an ID for.
 * - `ja4` (upstream): a TLS fingerprint and a recognised OS. Raw HTTP clients lack one or both.
 * - `ua` (platforms without JA4): a recognised OS and a user agent that does not declare itself
 *   automated. Fetch-Metadata is checked by the caller.
 * - `off`: everyone.
 * Aimed at traffic that is obviously not a browser, not at a bot that forges all of these.
 */
export function looksLikeBrowser(signals: DeviceSignals, gate: BotGate): boolean {
  switch (gate) {
    case 'ja4':
      return signals.ja4 !== undefined && signals.uaClass.platform !== null;
    case 'ua':
      return signals.uaClass.platform !== null && !signals.uaClass.bot;
    case 'off':
      return true;
  }
}
