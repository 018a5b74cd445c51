import type { DbHandle } from '../db/client';
import { testAuth, TEST_PRINCIPAL } from './auth';
import { EventBus } from '../server/bus';
import { LocalExecutor } from '../server/engine/executors/local';
import { type Executor, UserInputError } from '../server/engine/types';
import type { Runtime } from '../server/runtime';
import { HostService } from '../server/hosts/service';
import { SessionService } from '../server/sessions/service';
import { appRouter } from '../server/api/root';
import { createCallerFactory } from '../server/api/trpc';

/**
 * A runtime over a test database with the local executor only (other `on`
 * values are unknown hosts), and a tRPC caller for it: the API as the browser
 * uses it, without HTTP.
 */
const factory = createCallerFactory(appRouter);
export type TestCaller = ReturnType<typeof factory>;

export interface TestRuntimeOptions {
  /** The hosts service (default: one with no hosts). */
  hosts?: HostService;
  /** Where a phase's `on` runs when it is not `local` (default: the hosts service when given, else an unknown host). */
  hostExecutor?: (on: string) => Executor;
  infraRetryDelayMs?: number;
}

/**
 * `caller` acts as a signed-in user (TEST_PRINCIPAL); `anonymous` as someone
 * holding no session or token (a share link's visitor). The one place tests
 * assemble a Runtime.
 */
export function makeTestRuntime(
  handle: DbHandle,
  dataDir: string,
  o: TestRuntimeOptions = {},
): { rt: Runtime; caller: (origin?: string) => TestCaller; anonymous: (origin?: string) => TestCaller } {
  const bus = new EventBus();
  const local = new LocalExecutor();
  const hosts = o.hosts ?? new HostService({ db: handle.db });
  const executorFor = (on: string): Executor => {
    if (on === 'local') return local;
    if (o.hostExecutor) return o.hostExecutor(on);
    if (o.hosts) return hosts.executorFor(on);
    throw new UserInputError(`unknown host ${on}`, 'recipe');
  };
  const sessions = new SessionService({ db: handle.db, bus, dataDir, executorFor, infraRetryDelayMs: o.infraRetryDelayMs });
  const rt: Runtime = {
    config: { port: 3000, host: '127.0.0.1', dataDir, databaseUrl: undefined },
    db: handle,
    bus,
    sessions,
    hosts,
    auth: testAuth(handle.db),
    shutdown: async () => sessions.shutdown(),
  };
  return {
    rt,
    caller: (origin?: string) => factory({ runtime: rt, origin, principal: TEST_PRINCIPAL }),
    anonymous: (origin?: string) => factory({ runtime: rt, origin, principal: null }),
  };
}
