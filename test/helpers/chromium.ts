/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser): where it is,
 * why a browser test skips without it, and one launch with the flags every browser test needs.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

/** Headless, sandbox off (CI runs as root), nothing in the background; `args` add to these. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}
