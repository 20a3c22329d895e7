/** The edge platforms `build` and `dev` know, and the one place a `--target` value is checked. */
import { UsageError, type Command } from './usage.ts';

export const BUILD_TARGETS = ['cloudflare', 'fastly'] as const;
export type BuildTarget = (typeof BUILD_TARGETS)[number];

/** Local runtimes the project can start itself; Fastly's (Viceroy) comes with the Fastly CLI. */
export const DEV_TARGETS = ['cloudflare'] as const;
export type DevTarget = (typeof DEV_TARGETS)[number];

export function parseTarget<T extends string>(
  command: Command,
  value: string | undefined,
  valid: readonly T[],
): T {
  const list = valid.join(', ');
  if (value === undefined) {
    throw new UsageError(`${command} needs --target (one of: ${list})`, command);
  }
  if ((valid as readonly string[]).includes(value)) return value as T;
  if (command === 'dev' && value === 'fastly') {
    throw new UsageError(
      `dev has no --target fastly (valid: ${list}): build it with ` +
        '`trusted-server build --target fastly`, then run `fastly compute serve` in its output directory',
      command,
    );
  }
  throw new UsageError(`unknown --target "${value}" (valid: ${list})`, command);
}
