import { createLogger, type Logger, type LogLevel } from '../core/log.ts';

/** JSON lines: debug/info to stdout, warn/error to stderr. */
export function createConsoleLogger(level: LogLevel, secrets: readonly string[] = []): Logger {
  return createLogger({
    level,
    secrets,
    sink: (line, lineLevel) => {
      const stream =
        lineLevel === 'warn' || lineLevel === 'error' ? process.stderr : process.stdout;
      stream.write(`${line}\n`);
    },
  });
}
