/**
 * A coarse class for a `User-Agent`: which OS family, which form factor, and whether it declares
 * itself automated. What the Edge Cookie bot gate and the identity graph's device record need
 * (upstream `ec/device.rs`: `platform_class`, `is_mobile`), and no more: nothing here tells one
 * person from another, and the UA string itself is never kept.
 *
 * The OS and form-factor rules are upstream's substring tests, in upstream's order, so a graph
 * written by either implementation agrees. One addition: ChromeOS (`CrOS`), which upstream leaves
 * unclassified and so would turn away as "not a browser".
 */

/** Upstream's `platform_class` values, plus `chromeos`. */
export type PlatformClass = 'ios' | 'android' | 'mac' | 'windows' | 'linux' | 'chromeos';

/** Upstream's `is_mobile`: 0 desktop, 1 mobile (tablets included), 2 unknown. */
export type FormFactor = 'desktop' | 'mobile' | 'unknown';

export interface UaClass {
  platform: PlatformClass | null;
  formFactor: FormFactor;
  /**
   * The agent says it is automated: a crawler, link previewer or monitor, an HTTP library, or a
   * headless browser. Honest clients only: any UA can be forged, so this is a courtesy signal for
   * well-behaved bots, never a security decision on its own.
   */
  bot: boolean;
}

/** Longest UA examined: real ones are a few hundred bytes; past this is noise or an attack. */
const MAX_UA_LENGTH = 1024;

/**
 * Crawlers and tools by the words they use. `bot` must not run on into a letter (`Googlebot/2.1`,
 * `AdsBot-Google`, not `bottom`) nor be the phone brand `CUBOT`; the rest name crawlers that do
 * not say "bot", HTTP client libraries (anchored: they lead their UA) and headless browsers.
 */
const AUTOMATED = new RegExp(
  [
    '(?<!cu)bot(?![a-z])',
    'crawl',
    'spider',
    'slurp',
    'scrapy',
    'facebookexternalhit',
    'facebookcatalog',
    'meta-externalagent',
    'mediapartners-google',
    'apis-google',
    'google-inspectiontool',
    'feedfetcher',
    'lighthouse',
    'headlesschrome',
    'phantomjs',
    'ia_archiver',
    'pingdom',
    'uptimerobot',
    '^curl/',
    '^wget/',
    '^python-',
    'python-requests',
    'python-urllib',
    'aiohttp',
    '^httpx',
    'go-http-client',
    '^okhttp',
    '^java/',
    'apache-httpclient',
    '^axios/',
    '^node-fetch',
    '^undici',
    '^node$',
    'libwww-perl',
    'postmanruntime',
    '^httpie',
    '^dart/',
    '^ruby',
    'faraday',
  ].join('|'),
  'i',
);

export function classifyUserAgent(userAgent: string | null | undefined): UaClass {
  const ua = (userAgent ?? '').slice(0, MAX_UA_LENGTH);
  return { platform: platformOf(ua), formFactor: formFactorOf(ua), bot: AUTOMATED.test(ua.trim()) };
}

function platformOf(ua: string): PlatformClass | null {
  // Mobile tokens first: Android UAs also say "Linux", iPhone UAs "like Mac OS X".
  if (ua.includes('iPhone') || ua.includes('iPad')) return 'ios';
  if (ua.includes('Android')) return 'android';
  if (ua.includes('Macintosh')) return 'mac';
  if (ua.includes('Windows NT')) return 'windows';
  if (ua.includes('CrOS')) return 'chromeos';
  if (ua.includes('Linux')) return 'linux';
  return null;
}

function formFactorOf(ua: string): FormFactor {
  if (ua.includes('iPhone') || ua.includes('iPad') || ua.includes('Android')) return 'mobile';
  if (
    ua.includes('Macintosh') ||
    ua.includes('Windows') ||
    ua.includes('Linux') ||
    ua.includes('CrOS')
  ) {
    return 'desktop';
  }
  return 'unknown';
}
