import { openDb, type DbHandle } from '../db/client';
import { AuthService } from './auth/service';
import { EventBus } from './bus';
import { secureDataDir, tightenDatabaseFiles } from './data-dir';
import { setInheritedEnvironment } from './engine/executors/child-env';
import { LocalExecutor } from './engine/executors/local';
import type { Executor } from './engine/types';
import { readConfig, type ServerConfig } from './env';
import { sealStoredPassphrases } from './hosts/passphrases';
import { defaultKnownHostsFiles, HostService } from './hosts/service';
import { SecretBox } from './secrets/box';
import { SessionService } from './sessions/service';

export interface Runtime {
  config: ServerConfig;
  db: DbHandle;
  bus: EventBus;
  sessions: SessionService;
  hosts: HostService;
  auth: AuthService;
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  config: ServerConfig;
  /** An open database to use instead of opening one from the config (tests); the caller closes it. */
  db?: DbHandle;
  /** Delay before a step hit by an infrastructure error is tried again. */
  infraRetryDelayMs?: number;
}

/**
 * Builds the long-lived parts once: database, event bus, executors, session
 * service. The data directory is made private first (umask 077, mode 0700),
 * and key passphrases an older version stored in clear are sealed.
 */
export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  await secureDataDir(o.config.dataDir);
  const db = o.db ?? (await openDb({ databaseUrl: o.config.databaseUrl, dataDir: o.config.dataDir }));
  await tightenDatabaseFiles(o.config.dataDir);
  const secretBox = await SecretBox.open(o.config.dataDir);
  const converted = await sealStoredPassphrases(db.db, secretBox);
  if (converted > 0) console.log(`bisect dashboard: sealed ${converted} key passphrase(s) stored in clear by an older version`);
  const auth = new AuthService({
    db: db.db,
    password: o.config.dashboardPassword,
    token: o.config.dashboardToken,
    announce: (signInPath) =>
      console.log(`bisect dashboard: no DASHBOARD_PASSWORD set, so an admin password was made. Sign in (shown once):\n  http://${o.config.host}:${o.config.port}${signInPath}`),
  });
  await auth.bootstrap();
  const bus = new EventBus();
  // Local phases, power cycles and git see only the allowlisted environment (never DASHBOARD_*, DATABASE_URL).
  if (o.config.childEnv) setInheritedEnvironment(o.config.childEnv);
  const local = new LocalExecutor(o.config.childEnv ? { baseEnv: o.config.childEnv } : {});
  const hosts = new HostService({
    db: db.db,
    local,
    knownHostsFiles: [...defaultKnownHostsFiles(), ...(o.config.extraKnownHosts ?? [])],
    agentSocket: o.config.sshAuthSock,
    secretBox,
  });
  await hosts.load();
  // `local` or a host's name; unknown names are a UserInputError when a session is created.
  const executorFor = (on: string): Executor => hosts.executorFor(on);
  const sessions = new SessionService({ db: db.db, bus, dataDir: o.config.dataDir, executorFor, infraRetryDelayMs: o.infraRetryDelayMs });
  await sessions.resumeAll();
  return {
    config: o.config,
    db,
    bus,
    sessions,
    hosts,
    auth,
    async shutdown() {
      await sessions.shutdown();
      hosts.close();
      if (!o.db) await db.close();
    },
  };
}

const globalKey = Symbol.for('bisect-dashboard.runtime');
type GlobalWithRuntime = typeof globalThis & { [globalKey]?: Promise<Runtime> };

/**
 * The process-wide runtime. Next.js loads modules twice (instrumentation and
 * route bundles), so the singleton lives on globalThis.
 */
export function getRuntime(): Promise<Runtime> {
  const g = globalThis as GlobalWithRuntime;
  g[globalKey] ??= createRuntime({ config: readConfig() }).catch((error: unknown) => {
    delete g[globalKey];
    throw error;
  });
  return g[globalKey];
}
