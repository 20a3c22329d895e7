/**
 * The `trusted-server` command line. Exit codes: 0 ok, 1 invalid configuration or refused start,
 * 2 usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../core/settings/load-settings.ts';
import { VERSION } from '../core/version.ts';
import { build } from './build.ts';
import { CliError } from './cli-error.ts';
import { configCheck } from './config-check.ts';
import { demo } from './demo.ts';
import { dev } from './dev.ts';
import { keys, KEYS_SUBCOMMANDS, type KeysSubcommand } from './keys.ts';
import { serve } from './serve.ts';
import { BUILD_TARGETS, DEV_TARGETS, parseTarget } from './targets.ts';
import { commandUsage, USAGE, UsageError, type Command } from './usage.ts';

function port(value: string | undefined, fallback: number, name: string, command: Command): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new UsageError(`${name} must be a port number (0-65535), got "${value}"`, command);
  }
  return parsed;
}

/** `parseArgs` for one command, with `--help`/`-h`; its mistakes become that command's usage errors. */
function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(
  command: Command,
  args: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args,
      allowPositionals,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message, command);
    }
    throw error;
  }
}

function printHelp(command: Command): number {
  process.stdout.write(commandUsage(command));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseCommand('serve', rest, {
        config: { type: 'string', short: 'c' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', short: 'p' },
        workers: { type: 'string', default: '1' },
        dev: { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
      });
      if (values.help) return printHelp('serve');
      if (!values.config) throw new UsageError('serve needs --config FILE', 'serve');
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
        throw new UsageError(
          `--workers must be an integer from 1 to 256, got "${values.workers}"`,
          'serve',
        );
      }
      return serve({
        config: values.config,
        host: values.host,
        port: port(values.port, 8080, '--port', 'serve'),
        workers,
        dev: values.dev,
        ...(values['tls-cert'] ? { tlsCert: values['tls-cert'] } : {}),
        ...(values['tls-key'] ? { tlsKey: values['tls-key'] } : {}),
      });
    }
    case 'config': {
      const { values, positionals } = parseCommand(
        'config',
        rest,
        { dev: { type: 'boolean', default: false } },
        true,
      );
      if (values.help) return printHelp('config');
      if (positionals[0] !== 'check' || positionals.length !== 2) {
        throw new UsageError('config takes one subcommand: check FILE', 'config');
      }
      return configCheck(positionals[1] as string, values.dev);
    }
    case 'keys': {
      const { values, positionals } = parseCommand(
        'keys',
        rest,
        {
          config: { type: 'string', short: 'c' },
          kid: { type: 'string' },
          seed: { type: 'string' },
          delete: { type: 'boolean', default: false },
        },
        true,
      );
      if (values.help) return printHelp('keys');
      const [subcommand, ...extra] = positionals;
      if (!(KEYS_SUBCOMMANDS as readonly string[]).includes(subcommand ?? '') || extra.length > 0) {
        throw new UsageError(`keys takes one subcommand: ${KEYS_SUBCOMMANDS.join('|')}`, 'keys');
      }
      if (!values.config) throw new UsageError('keys needs --config FILE', 'keys');
      return keys({
        subcommand: subcommand as KeysSubcommand,
        config: values.config,
        delete: values.delete,
        ...(values.kid !== undefined ? { kid: values.kid } : {}),
        ...(values.seed !== undefined ? { seed: values.seed } : {}),
      });
    }
    case 'build': {
      const { values } = parseCommand('build', rest, {
        target: { type: 'string' },
        config: { type: 'string', short: 'c' },
        out: { type: 'string' },
        dev: { type: 'boolean', default: false },
        'secret-store': { type: 'string' },
        'config-store': { type: 'string' },
        'kv-store': { type: 'string' },
      });
      if (values.help) return printHelp('build');
      const target = parseTarget('build', values.target, BUILD_TARGETS);
      if (!values.config) throw new UsageError('build needs --config FILE', 'build');
      return build({
        target,
        config: values.config,
        dev: values.dev,
        ...(values.out !== undefined ? { out: values.out } : {}),
        ...(values['secret-store'] !== undefined ? { secretStore: values['secret-store'] } : {}),
        ...(values['config-store'] !== undefined ? { configStore: values['config-store'] } : {}),
        ...(values['kv-store'] !== undefined ? { kvStore: values['kv-store'] } : {}),
      });
    }
    case 'dev': {
      const { values } = parseCommand('dev', rest, {
        target: { type: 'string' },
        config: { type: 'string', short: 'c' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', short: 'p' },
      });
      if (values.help) return printHelp('dev');
      const target = parseTarget('dev', values.target, DEV_TARGETS);
      if (!values.config) throw new UsageError('dev needs --config FILE', 'dev');
      return dev({
        target,
        config: values.config,
        host: values.host,
        port: port(values.port, 8787, '--port', 'dev'),
      });
    }
    case 'demo': {
      const { values } = parseCommand('demo', rest, {
        port: { type: 'string', short: 'p' },
      });
      if (values.help) return printHelp('demo');
      return demo(port(values.port ?? process.env['PORT'], 8080, '--port', 'demo'));
    }
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof CliError) {
      process.stderr.write(`trusted-server: ${error.message}\n`);
      process.exitCode = 1;
    } else if (error instanceof UsageError) {
      const usage = error.command === undefined ? USAGE : commandUsage(error.command);
      process.stderr.write(`trusted-server: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `trusted-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
