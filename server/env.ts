import path from 'node:path';
import LISTEN_DEFAULTS from './listen-defaults.json';
import { z } from 'zod';
import { inheritableEnvironment, SERVER_SETTINGS } from './engine/executors/child-env';

/** The one reader of process.env. Everything else takes options. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(LISTEN_DEFAULTS.port),
  HOST: z.string().min(1).default(LISTEN_DEFAULTS.host),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded database)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** ssh-agent socket for hosts that authenticate with the agent. */
  SSH_AUTH_SOCK: z.string().optional(),
  /** Extra known_hosts files (colon-separated), besides ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts. */
  BISECT_KNOWN_HOSTS: z.string().optional(),
  /**
   * Further server variables local phases may see (comma-separated names), e.g.
   * IPMI_PASSWORD for a local `ipmitool -E` power cycle. The server's own
   * settings cannot be listed.
   */
  BISECT_PASS_ENV: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((n) => n.trim()).filter(Boolean))
    .refine((names) => names.every((n) => !SERVER_SETTINGS.has(n)), {
      message: `BISECT_PASS_ENV cannot name the server's own settings (${[...SERVER_SETTINGS].join(', ')}): phases must never see them`,
    }),
  /** The dashboard's address as others reach it (`https://bisect.lab.example`), for links in webhook messages. */
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+/, 'PUBLIC_URL must be an http:// or https:// URL such as https://bisect.lab.example')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** `off`: this process serves the UI and API and runs no session (runners do: `npm run runner`). */
  ENGINE: z.enum(['on', 'off'], { message: 'ENGINE is on (default) or off' }).default('on'),
  /** What this runner can serve: repository roots (absolute paths) and host names, comma-separated; unset = anything. */
  RUNNER_TAGS: z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((t) => t.trim()).filter(Boolean)),
  /** A runner's name on the Runners page (default: host name and pid). */
  RUNNER_NAME: z.string().max(200).optional(),
  /** Most sessions this runner runs at once (unset: no limit). */
  RUNNER_SESSIONS: z.coerce.number().int().min(1).max(10_000).optional(),
  /** Seconds a runner's claim on a session lasts without a heartbeat (another runner takes over after it). */
  RUNNER_LEASE_SEC: z.coerce.number().min(1).max(3600).default(30),
  /** The admin password; without it the first start prints a one-time sign-in URL. */
  DASHBOARD_PASSWORD: z.string().min(8, 'DASHBOARD_PASSWORD must have at least 8 characters').optional().or(z.literal('').transform(() => undefined)),
  /** Accepted as an API token (automation, tests). */
  DASHBOARD_TOKEN: z.string().min(16, 'DASHBOARD_TOKEN must have at least 16 characters').optional().or(z.literal('').transform(() => undefined)),
  /**
   * How many reverse proxies stand in front of the dashboard: only then are
   * X-Forwarded-For / X-Real-IP believed (for per-client rate limits).
   * Unset, empty, `0` or `false`: never. `true` means one.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' || v === 'false' ? 0 : v === 'true' ? 1 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 0 && n <= 16, {
      message: 'TRUST_PROXY must be the number of reverse proxies in front of the dashboard (0 to 16; true means 1), or unset',
    }),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** ssh-agent socket ($SSH_AUTH_SOCK). */
  sshAuthSock?: string | undefined;
  /** Extra known_hosts files ($BISECT_KNOWN_HOSTS). */
  extraKnownHosts?: string[];
  /** $DASHBOARD_PASSWORD */
  dashboardPassword?: string | undefined;
  /** $DASHBOARD_TOKEN */
  dashboardToken?: string | undefined;
  /** $ENGINE: false = serve only, run no session. */
  engine?: boolean;
  /** $RUNNER_TAGS */
  runnerTags?: string[];
  /** $RUNNER_NAME */
  runnerName?: string | undefined;
  /** $RUNNER_LEASE_SEC in ms. */
  leaseMs?: number;
  /** $RUNNER_SESSIONS */
  maxSessions?: number | undefined;
  /**
   * What local phases, power-cycle commands and git inherit from the server's
   * environment: the allowlist of child-env.ts plus $BISECT_PASS_ENV, never a
   * server setting. Unset: a minimal environment from the OS account.
   */
  childEnv?: Readonly<Record<string, string>>;
  /** $TRUST_PROXY: reverse proxies whose X-Forwarded-For entries are believed (0: none, forwarding headers ignored). */
  trustProxy?: number;
  /** $PUBLIC_URL without a trailing slash; unset: http://HOST:PORT. */
  publicUrl?: string | undefined;
}

export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${problems}`);
  }
  const e = parsed.data;
  if (e.ENGINE === 'off' && !e.DATABASE_URL) {
    throw new Error('invalid environment: ENGINE=off needs DATABASE_URL: runners can only share a PostgreSQL database (the embedded one serves one process)');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    sshAuthSock: e.SSH_AUTH_SOCK || undefined,
    extraKnownHosts: (e.BISECT_KNOWN_HOSTS ?? '').split(':').filter(Boolean).map((f) => path.resolve(f)),
    dashboardPassword: e.DASHBOARD_PASSWORD,
    dashboardToken: e.DASHBOARD_TOKEN,
    engine: e.ENGINE === 'on',
    runnerTags: e.RUNNER_TAGS,
    runnerName: e.RUNNER_NAME,
    leaseMs: e.RUNNER_LEASE_SEC * 1000,
    maxSessions: e.RUNNER_SESSIONS,
    childEnv: inheritableEnvironment(env, e.BISECT_PASS_ENV),
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
  };
}
