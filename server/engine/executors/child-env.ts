import os from 'node:os';

/**
 * The environment of commands the server starts on this machine (local phases,
 * local power-cycle commands, git). It is built from an allowlist, never from
 * the server's whole environment: a Makefile or test script of the tree being
 * bisected must not read the dashboard's token, password or database URL.
 *
 * A local command sees: the allowlisted variables of the server's environment
 * (below), the names the operator listed in BISECT_PASS_ENV, then the
 * command's own variables (recipe variables, `$BISECT_ENV` values, BISECT_*).
 */

/** Server variables every local command inherits, by exact name. */
const INHERITED_NAMES: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  // Local scripts `ssh`/`scp` to hosts (the seed's bisect.sh does), often with the agent's keys.
  'SSH_AUTH_SOCK',
]);

/** Server variables every local command inherits, by prefix (locale, ccache). */
const INHERITED_PREFIXES: readonly string[] = ['LC_', 'CCACHE_'];

/**
 * The server's own settings: never inherited, not even when BISECT_PASS_ENV
 * names them (readConfig refuses that).
 */
export const SERVER_SETTINGS: ReadonlySet<string> = new Set([
  'DASHBOARD_TOKEN',
  'DASHBOARD_PASSWORD',
  'DATABASE_URL',
  'DATA_DIR',
  'HOST',
  'PORT',
  'BISECT_KNOWN_HOSTS',
  'BISECT_PASS_ENV',
  'ENGINE',
  'RUNNER_TAGS',
  'RUNNER_NAME',
  'RUNNER_LEASE_SEC',
  'RUNNER_SESSIONS',
  'TRUST_PROXY',
]);

export type Environment = Readonly<Record<string, string>>;

/** True if a local command inherits the server variable `name` by default. */
export function isInherited(name: string): boolean {
  if (SERVER_SETTINGS.has(name)) return false;
  return INHERITED_NAMES.has(name) || INHERITED_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The part of `source` (the server's environment) that local commands may see:
 * the allowlisted variables plus `extraNames` (BISECT_PASS_ENV). Server
 * settings are dropped even when listed in `extraNames`.
 */
export function inheritableEnvironment(source: Readonly<Record<string, string | undefined>>, extraNames: readonly string[] = []): Environment {
  const extra = new Set(extraNames.filter((n) => !SERVER_SETTINGS.has(n)));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (isInherited(name) || extra.has(name))) out[name] = value;
  }
  return out;
}

/**
 * What a local command gets when no server environment was configured (tests,
 * tools): a login-like environment from the OS account, not from process.env.
 */
export function minimalEnvironment(): Environment {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: os.homedir(),
    LANG: 'C.UTF-8',
  };
  try {
    const me = os.userInfo();
    env.USER = me.username;
    env.LOGNAME = me.username;
    if (me.shell) env.SHELL = me.shell;
  } catch {
    // no passwd entry for this uid: leave USER unset
  }
  return env;
}

/** `env` without the server's own settings (a guard for callers handing over a whole environment). */
export function withoutServerSettings(env: Readonly<Record<string, string | undefined>>): Environment {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !SERVER_SETTINGS.has(name)) out[name] = value;
  return out;
}

let inherited: Environment | null = null;

/**
 * Sets the process-wide base environment of local commands; the runtime calls
 * it once at start with the config's `childEnv` (already allowlisted by
 * readConfig). Server settings are dropped again here.
 */
export function setInheritedEnvironment(env: Readonly<Record<string, string | undefined>>): void {
  inherited = withoutServerSettings(env);
}

/** The base environment of local commands: the one set at start, else `minimalEnvironment()`. */
export function inheritedEnvironment(): Environment {
  inherited ??= minimalEnvironment();
  return inherited;
}

/**
 * A local command's environment: `base` overlaid with the command's own
 * variables (recipe, `$BISECT_ENV`, BISECT_*). A server setting in `base` is
 * dropped; the command's own variables are the recipe's to choose.
 */
export function childEnvironment(base: Readonly<Record<string, string | undefined>>, own: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  // A cast only for the type: Next.js declares NODE_ENV required in ProcessEnv; a child needs none.
  return { ...withoutServerSettings(base), ...own } as NodeJS.ProcessEnv;
}
