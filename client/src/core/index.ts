/**
 * tsjs core: the `window.tsjs` command queue and configuration.
 *
 * Pages (and later modules) may push callbacks before the bundle loads:
 *   window.tsjs = window.tsjs || { que: [] }; tsjs.que.push(function () { ... });
 * On load the queued callbacks run in order with the API as `this`; afterwards `que.push(fn)` runs
 * `fn` at once. A throwing callback is logged and does not stop the others.
 */
import { DEFAULT_CONFIG, mergeConfig, type TsjsConfig } from './config.ts';
import { createClientLogger, type ClientLogger } from './log.ts';

export const VERSION = '0.1.0';

type Command = (this: TsjsApi, api: TsjsApi) => void;

export interface TsjsApi {
  version: string;
  que: { push(...commands: Command[]): number; length: number };
  setConfig(update: Partial<TsjsConfig>): void;
  getConfig(): TsjsConfig;
  log: ClientLogger;
}

interface TsjsWindow {
  tsjs?: { que?: unknown } & Partial<TsjsApi>;
  __tsjs_config?: unknown;
}

function install(win: TsjsWindow): TsjsApi {
  const existing = win.tsjs;
  if (existing && existing.version === VERSION && typeof existing.setConfig === 'function') {
    return existing as TsjsApi; // Loaded twice: keep the first instance and its state.
  }
  const pending: unknown[] = Array.isArray(existing?.que) ? existing.que : [];
  let config = mergeConfig(DEFAULT_CONFIG, win.__tsjs_config);
  const log = createClientLogger(config.logLevel);

  const run = (command: unknown): void => {
    if (typeof command !== 'function') {
      log.warn('ignored a queued entry that is not a function');
      return;
    }
    try {
      (command as Command).call(api, api);
    } catch (error) {
      log.error('queued command failed', error);
    }
  };

  let executed = 0;
  const api: TsjsApi = {
    version: VERSION,
    que: {
      push(...commands: Command[]): number {
        for (const command of commands) {
          executed += 1;
          run(command);
        }
        return executed;
      },
      get length() {
        return executed;
      },
    },
    setConfig(update) {
      config = mergeConfig(config, update);
      log.level = config.logLevel;
    },
    getConfig() {
      return { ...config };
    },
    log,
  };

  win.tsjs = api;
  for (const command of pending) {
    executed += 1;
    run(command);
  }
  log.debug('tsjs core ready', { version: VERSION, queued: pending.length });
  return api;
}

if (typeof window !== 'undefined') install(window as unknown as TsjsWindow);
