/**
 * The Edge Cookie's bot gate (decision D4): crawlers, scripts and monitors must not mint IDs, or
 * the identity graph fills with entries no person owns. Three modes, `ec.bot_gate`:
 *
 * - `ja4`: upstream's gate. The TLS fingerprint is present and the user agent names a known OS
 *   (`ec/device.rs`, `looks_like_browser`). Needs a platform that computes JA4 (Fastly; Cloudflare
 *   with Bot Management).
 * - `ua`: for platforms without JA4 (Node, most Workers). The user agent names a known OS, neither
 *   this project's automated-agent words nor the `isbot` list (a maintained list of crawlers and
 *   tools) match it, and a user agent claiming a browser that always sends Fetch Metadata does
 *   send it — a script that borrows Chrome's user agent rarely also sends `Sec-Fetch-Mode`.
 * - `off`: every client passes (tests, or a publisher whose CDN filters bots already).
 *
 * No gate makes a forger fail: any header can be written. It keeps honest automation — most of
 * it — out of the graph.
 */
import { isbot } from 'isbot';
import type { DeviceSignals } from '../device/device-signals.ts';
import { TsError } from '../errors.ts';
import { looksLikeBrowser, type BotGate } from './device-record.ts';

export type { BotGate } from './device-record.ts';

/** Whether the platform computes JA4: `always` (Fastly), `sometimes` (Cloudflare), `never` (Node). */
export type Ja4Support = 'always' | 'sometimes' | 'never';

/**
 * The gate in force: the configured one, or `ja4` where every request has JA4 and `ua` elsewhere.
 * `ja4` on a platform that never computes it would refuse every reader: a start-up error.
 */
export function resolveBotGate(configured: BotGate | undefined, ja4: Ja4Support): BotGate {
  if (configured === undefined) return ja4 === 'always' ? 'ja4' : 'ua';
  if (configured === 'ja4' && ja4 === 'never') {
    throw new TsError(
      'configuration',
      'ec.bot_gate = "ja4", but this platform computes no JA4 fingerprint, so no reader would ' +
        'ever get an Edge Cookie: use "ua" (or leave ec.bot_gate unset)',
    );
  }
  return configured;
}

export function passesBotGate(gate: BotGate, signals: DeviceSignals, headers: Headers): boolean {
  if (!looksLikeBrowser(signals, gate)) return false;
  if (gate !== 'ua') return true;
  const userAgent = headers.get('user-agent') ?? '';
  if (isbot(userAgent)) return false;
  return headers.has('sec-fetch-mode') || !claimsFetchMetadataBrowser(userAgent);
}

/**
 * Browser versions that send `Sec-Fetch-*` on every request: Chromium 80+ (Chrome, Edge, Opera,
 * Samsung Internet all say `Chrome/`), Firefox 90+, Safari 16.4+.
 */
function claimsFetchMetadataBrowser(userAgent: string): boolean {
  const chrome = /\bChrome\/(\d+)/.exec(userAgent);
  if (chrome) return Number(chrome[1]) >= 80;
  const firefox = /\bFirefox\/(\d+)/.exec(userAgent);
  if (firefox) return Number(firefox[1]) >= 90;
  const safari = /\bVersion\/(\d+)(?:\.(\d+))?.*\bSafari\//.exec(userAgent);
  if (safari) {
    const major = Number(safari[1]);
    return major > 16 || (major === 16 && Number(safari[2] ?? 0) >= 4);
  }
  return false;
}
