/**
 * The `trusted-server` command line. Exit codes: 0 ok, 1 invalid configuration or refused start,
 * 2 usage error.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/settings/load-settings.ts';
import { VERSION } from '../core/version.ts';
import { configCheck } from './config-check.ts';
import { demo } from './demo.ts';
import { serve } from './serve.ts';
import { USAGE, UsageError } from './usage.ts';

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new UsageError(`${name} must be a port number (0-65535), got "${value}"`);
  }
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: {
          config: { type: 'string', short: 'c' },
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', short: 'p' },
          workers: { type: 'string', default: '1' },
          dev: { type: 'boolean', default: false },
          'tls-cert': { type: 'string' },
          'tls-key': { type: 'string' },
        },
      });
      if (!values.config) throw new UsageError('serve needs --config FILE');
      const workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
        throw new UsageError(`--workers must be an integer from 1 to 256, got "${values.workers}"`);
      }
      return serve({
        config: values.config,
        host: values.host,
        port: port(values.port, 8080, '--port'),
        workers,
        dev: values.dev,
        ...(values['tls-cert'] ? { tlsCert: values['tls-cert'] } : {}),
        ...(values['tls-key'] ? { tlsKey: values['tls-key'] } : {}),
      });
    }
    case 'config': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { dev: { type: 'boolean', default: false } },
      });
      if (positionals[0] !== 'check' || positionals.length !== 2) {
        throw new UsageError('usage: trusted-server config check FILE');
      }
      return configCheck(positionals[1] as string, values.dev);
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: 'string', short: 'p' } },
      });
      return demo(port(values.port ?? process.env['PORT'], 8080, '--port'));
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
    if (error instanceof ConfigError) {
      process.stderr.write(`trusted-server: ${error.message}\n`);
      process.exitCode = 1;
    } else if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`trusted-server: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `trusted-server: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
