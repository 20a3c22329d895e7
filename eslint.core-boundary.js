// The rule that keeps `src/core` web-standard: no Node, Fastly or Cloudflare modules, and no
// reaching into adapters. Also keeps out the IAB consent libraries, too slow and too big for the
// edge. Shared by eslint.config.js and the test that proves it bites.
import { builtinModules } from 'node:module';

export const coreBoundaryRule = [
  'error',
  {
    paths: builtinModules
      .filter((name) => !name.startsWith('_'))
      .map((name) => ({
        name,
        message: 'core is web-standard only: platform capabilities come through PlatformServices.',
      })),
    patterns: [
      {
        group: ['node:*', 'fastly:*', 'cloudflare:*', '__STATIC_CONTENT_MANIFEST'],
        message: 'core is web-standard only: platform capabilities come through PlatformServices.',
      },
      {
        group: ['**/node/**', '**/cli/**', '**/demo/**', '**/cloudflare/**', '**/fastly/**'],
        message: 'core must not depend on an adapter.',
      },
      {
        group: ['@iabtechlabtcf/*', '@iabgpp/*'],
        message:
          'the IAB consent libraries are dev dependencies, test oracles for our own decoders (docs/consent.md).',
      },
    ],
  },
];
