import packageJson from '../../package.json' with { type: 'json' };

/** Sent as `x-ts-version` on every response. */
export const VERSION: string = packageJson.version;
