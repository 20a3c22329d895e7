/** Starts the real Node adapter on an ephemeral loopback port, capturing its log lines. */
import { createLogger } from '../../src/core/log.ts';
import type { KvStore } from '../../src/core/store/kv.ts';
import { createMemoryKv } from '../../src/core/store/memory-kv.ts';
import { secretValues } from '../../src/core/settings/placeholders.ts';
import type { Settings } from '../../src/core/settings/settings-schema.ts';
import { startNodeServer, type RunningServer } from '../../src/node/server.ts';

export interface TestServer extends RunningServer {
  logs: string[];
  /** The in-memory store the server was given, when the config names none. */
  kv: KvStore | undefined;
}

export async function startTestServer(settings: Settings): Promise<TestServer> {
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    secrets: secretValues(settings),
    sink: (line) => logs.push(line),
  });
  // A config that names no store gets one in memory: tests never share a file in the checkout.
  const named = settings.store.path !== undefined || settings.store.url !== undefined;
  const kv = named ? undefined : createMemoryKv();
  const running = await startNodeServer({
    settings,
    log,
    host: '127.0.0.1',
    port: 0,
    ...(kv === undefined ? {} : { kv }),
  });
  return Object.assign(running, { logs, kv });
}
