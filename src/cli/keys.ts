/**
 * `trusted-server keys generate|import|list|rotate|deactivate --config FILE`: the signing keys in
 * the store the config's `[store]` names (the same SQLite file or Redis server `serve` reads), so
 * an operator manages keys without exposing the admin endpoints. Seeds go into the store and
 * nowhere else: no subcommand prints one.
 */
import { TsError } from '../core/errors.ts';
import { Secret } from '../core/settings/secret.ts';
import { DEFAULT_ROTATION_OVERLAP_SECS } from '../core/settings/sections/request-signing.ts';
import type { Settings } from '../core/settings/settings-schema.ts';
import { seedProblem } from '../core/signing/ed25519.ts';
import { keyState, type KeyRing } from '../core/signing/key-ring.ts';
import { createKvKeyStore, type KvKeyStore } from '../core/signing/kv-keystore.ts';
import type { KvStore } from '../core/store/kv.ts';
import { describeStore, openStore } from '../node/stores/open-store.ts';
import { CliError } from './cli-error.ts';
import { loadConfigFile } from './load-config-file.ts';

export const KEYS_SUBCOMMANDS = ['generate', 'import', 'list', 'rotate', 'deactivate'] as const;
export type KeysSubcommand = (typeof KEYS_SUBCOMMANDS)[number];

export interface KeysOptions {
  subcommand: KeysSubcommand;
  config: string;
  kid?: string;
  /** Standard base64, or `-` for stdin (keeps it out of the shell history and `ps`). */
  seed?: string;
  delete?: boolean;
}

type Out = (line: string) => void;

const iso = (ms: number | undefined): string =>
  ms === undefined ? '-' : new Date(ms).toISOString();

/** The ring as a table: kid, state, created, retired. Never a seed. */
export function formatKeyList(ring: KeyRing): string[] {
  const rows = [...ring.keys.values()]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((key) => [key.kid, keyState(ring, key.kid), iso(key.createdAt), iso(key.retiredAt)]);
  const header = ['KID', 'STATE', 'CREATED', 'RETIRED'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

async function readSeed(value: string): Promise<string> {
  if (value !== '-') return value;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline from `echo` or a file is not part of the seed.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function openKeyStore(settings: Settings): Promise<{ kv: KvStore; keystore: KvKeyStore }> {
  if (settings.store.path === ':memory:') {
    throw new CliError(
      'store.path is ":memory:", which keeps nothing: keys need a SQLite file or a Redis server',
    );
  }
  // Which store, always: a relative path resolves from the current directory, so run elsewhere
  // the command would otherwise silently use another file than `serve` reads.
  process.stderr.write(`store: ${describeStore(settings.store)}\n`);
  const kv = await openStore(settings.store);
  const overlapSecs =
    settings.request_signing?.rotation_overlap_secs ?? DEFAULT_ROTATION_OVERLAP_SECS;
  // No read cache: each command reads the store afresh.
  return { kv, keystore: createKvKeyStore(kv, { overlapMs: overlapSecs * 1000, cacheMs: 0 }) };
}

async function run(options: KeysOptions, keystore: KvKeyStore, out: Out): Promise<void> {
  switch (options.subcommand) {
    case 'list': {
      const ring = await keystore.ring();
      if (ring.keys.size === 0) {
        out('no signing keys (trusted-server keys generate --config FILE)');
        return;
      }
      for (const line of formatKeyList(ring)) out(line);
      const inactive = [...ring.keys.values()].filter(
        (key) => keyState(ring, key.kid) === 'inactive',
      ).length;
      out(
        `${ring.keys.size} keys, ${inactive} inactive` +
          (inactive === 0 ? '' : ' (remove with `keys deactivate --kid K --delete`)'),
      );
      return;
    }
    case 'generate': {
      const current = await keystore.currentKid();
      if (current !== undefined) {
        throw new CliError(`a current key exists (${current}): use \`keys rotate\` to replace it`);
      }
      const result = await keystore.rotate(options.kid);
      out(`generated ${result.newKid} (current); x = ${result.jwk.x}`);
      return;
    }
    case 'rotate': {
      const result = await keystore.rotate(options.kid);
      out(`rotated to ${result.newKid}; previous ${result.previousKid ?? '(none)'}`);
      out(`active: ${result.activeKids.join(', ')}`);
      return;
    }
    case 'import': {
      if (options.kid === undefined) throw new CliError('keys import needs --kid KID');
      if (options.seed === undefined) throw new CliError('keys import needs --seed BASE64 (or -)');
      const seed = new Secret(await readSeed(options.seed));
      const problem = seedProblem(seed.reveal());
      if (problem !== undefined) throw new CliError(`--seed ${problem}`);
      const result = await keystore.importKey(options.kid, seed);
      out(
        `imported ${result.kid}${result.becameCurrent ? ' (current)' : ' (active)'}; x = ${result.jwk.x}`,
      );
      return;
    }
    case 'deactivate': {
      if (options.kid === undefined) throw new CliError('keys deactivate needs --kid KID');
      const remove = options.delete === true;
      const result = await keystore.deactivate(options.kid, { delete: remove });
      out(
        `${remove ? 'deleted' : 'deactivated'} ${result.kid}; active: ${result.remainingActiveKids.join(', ')}`,
      );
      return;
    }
  }
}

export async function keys(
  options: KeysOptions,
  out: Out = (line) => console.log(line),
): Promise<number> {
  const settings = await loadConfigFile(options.config);
  if (settings.request_signing?.enabled !== true) {
    process.stderr.write(
      'note: [request_signing] is not enabled in this config: the server will not publish or use these keys until it is\n',
    );
  }
  const { kv, keystore } = await openKeyStore(settings);
  try {
    await run(options, keystore, out);
    return 0;
  } catch (thrown) {
    // The keystore's refusals name the rule and the kid; the operator can act on them as they are.
    if (thrown instanceof TsError)
      throw new CliError(`keys ${options.subcommand}: ${thrown.message}`);
    throw thrown;
  } finally {
    await kv.close();
  }
}
