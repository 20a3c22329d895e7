/** Starts the real Node adapter on an ephemeral loopback port, capturing its log lines. */
import { createLogger } from '../../src/core/log.ts';
import { secretValues } from '../../src/core/settings/placeholders.ts';
import type { Settings } from '../../src/core/settings/settings-schema.ts';
import { startNodeServer, type RunningServer } from '../../src/node/server.ts';

export interface TestServer extends RunningServer {
  logs: string[];
}

export async function startTestServer(settings: Settings): Promise<TestServer> {
  const logs: string[] = [];
  const log = createLogger({
    level: 'debug',
    secrets: secretValues(settings),
    sink: (line) => logs.push(line),
  });
  const running = await startNodeServer({ settings, log, host: '127.0.0.1', port: 0 });
  return Object.assign(running, { logs });
}
