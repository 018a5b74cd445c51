import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDb, type DbHandle } from '../db/client';
import { EventRelay } from './runners/event-relay';
import { dbHostLock } from './runners/host-lock';
import { RunnerLoop } from './runners/runner-loop';
import { AuthService } from './auth/service';
import { EventBus } from './bus';
import { secureDataDir, tightenDatabaseFiles } from './data-dir';
import { setInheritedEnvironment } from './engine/executors/child-env';
import { LocalExecutor } from './engine/executors/local';
import type { Executor } from './engine/types';
import { readConfig, type ServerConfig } from './env';
import { DEMO_GUEST, DemoGuestExecutor } from './demo/guest';
import { sealStoredPassphrases } from './hosts/passphrases';
import { defaultKnownHostsFiles, HostService } from './hosts/service';
import { SecretBox } from './secrets/box';
import { SessionService } from './sessions/service';
import type { WebhookDeliverer } from './notifications/deliverer';
import { startWebhookDeliverer } from './notifications/runtime';

export interface Runtime {
  config: ServerConfig;
  db: DbHandle;
  bus: EventBus;
  sessions: SessionService;
  hosts: HostService;
  auth: AuthService;
  /** Drains the webhook outbox (Settings → Notifications); only in a process that runs the engine. */
  webhookDeliverer?: WebhookDeliverer | null;
  /** This process as a runner: its id (stable per DATA_DIR) and whether it runs sessions. */
  runner?: { id: string; name: string; engine: boolean };
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
    // On PostgreSQL other processes (runners, an ENGINE=off web server) edit hosts too.
    ...(db.kind === 'postgres' ? { refreshIntervalMs: 2_000 } : {}),
  });
  await hosts.load();
  // `local`, the demo's simulated guest, or a host's name; unknown names are a UserInputError when a session is created.
  const demoGuest = new DemoGuestExecutor({ dir: path.join(o.config.dataDir, 'demo') });
  const executorFor = (on: string): Executor => (on === DEMO_GUEST ? demoGuest : hosts.executorFor(on));
  const engine = o.config.engine ?? true;
  const leaseMs = o.config.leaseMs ?? 30_000;
  const runnerId = await runnerIdOf(o.config.dataDir);
  const name = o.config.runnerName ?? `${os.hostname()}:${process.pid}`;
  const sessions = new SessionService({
    db: db.db,
    bus,
    dataDir: o.config.dataDir,
    executorFor,
    infraRetryDelayMs: o.infraRetryDelayMs,
    runnerId,
    engine,
    leaseMs,
    ...(db.kind === 'postgres' ? { notifyOrigin: runnerId } : {}),
    hostLock: dbHostLock({ db: db.db, runnerId, leaseMs }),
    refreshHosts: () => hosts.refresh(),
    ...(o.config.maxSessions ? { maxSessions: o.config.maxSessions } : {}),
  });
  const relay = db.kind === 'postgres' && o.config.databaseUrl ? await startRelay(db, bus, o.config.databaseUrl, runnerId) : null;
  // The runner loop claims running sessions nobody holds (this runner's own from before a restart at once).
  const loop = engine ? new RunnerLoop({ db: db.db, sessions, id: runnerId, name, tags: o.config.runnerTags ?? [], leaseMs, ...(o.config.maxSessions ? { maxSessions: o.config.maxSessions } : {}) }) : null;
  await loop?.start();
  const deliverer = engine ? startWebhookDeliverer(db.db, secretBox, o.config) : null;
  return {
    config: o.config,
    db,
    bus,
    sessions,
    hosts,
    auth,
    webhookDeliverer: deliverer,
    runner: { id: runnerId, name, engine },
    async shutdown() {
      await deliverer?.stop();
      await loop?.stop();
      await sessions.shutdown();
      await loop?.markStopped();
      await relay?.close();
      hosts.close();
      await demoGuest.close();
      if (!o.db) await db.close();
    },
  };
}

/**
 * This runner's id, kept in DATA_DIR: a runner restarted on the same data
 * directory takes its own sessions back at once instead of waiting for its
 * old lease to lapse (two live processes never share a DATA_DIR).
 */
async function runnerIdOf(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'runner-id');
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (/^[0-9a-f-]{36}$/.test(existing)) return existing;
  const id = randomUUID();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

async function startRelay(db: DbHandle, bus: EventBus, databaseUrl: string, origin: string): Promise<EventRelay> {
  const { default: pg } = await import('pg');
  const relay = new EventRelay({ db: db.db, bus, client: new pg.Client({ connectionString: databaseUrl }), origin });
  await relay.start();
  return relay;
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
