/**
 * A store that cannot be opened at start-up (a file that is not ours, a Redis that does not
 * answer). The message names the `[store]` key and the cause, and never a secret: `serve` prints
 * it and stops.
 */
export class StoreOpenError extends Error {}
