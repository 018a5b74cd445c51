import { afterEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../env';
import { runGit } from '../bisect/git';
import { childEnvironment, inheritableEnvironment, inheritedEnvironment, setInheritedEnvironment } from './child-env';
import { LocalExecutor } from './local';

/** What the server's own environment could hold: none of it may reach a phase. */
const SERVER_VARS = {
  DASHBOARD_TOKEN: 'tok-0123456789abcdef-LEAK',
  DASHBOARD_PASSWORD: 'pw-hunter2-LEAK',
  DATABASE_URL: 'postgres://app:dbpass-LEAK@db/bisect',
  DATA_DIR: '/srv/bisect-LEAK',
  BISECT_KNOWN_HOSTS: '/etc/LEAK_known_hosts',
  AWS_SECRET_ACCESS_KEY: 'aws-LEAK',
  NODE_OPTIONS: '--require /tmp/LEAK.js',
};

/** What local commands may inherit from the server. */
const ALLOWED = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/home/bisector',
  USER: 'bisector',
  LANG: 'C.UTF-8',
  LC_TIME: 'C',
  TZ: 'UTC',
  TERM: 'dumb',
  CCACHE_DIR: '/var/cache/ccache',
  SSH_AUTH_SOCK: '/tmp/agent.sock',
};

const BASE = { ...SERVER_VARS, ...ALLOWED };

/** Runs `env -0` as a local command and returns the variables it saw. */
async function envSeenBy(executor: LocalExecutor, own: Record<string, string>): Promise<Record<string, string>> {
  const out: string[] = [];
  for await (const ev of executor.run({ argv: ['bash', '-c', 'env'], env: own, timeoutMs: 10_000 }, new AbortController().signal)) {
    if (ev.type === 'output' && ev.stream === 'stdout') out.push(...ev.lines);
    if (ev.type === 'exit') expect(ev.status).toEqual({ kind: 'exited', code: 0 });
  }
  return Object.fromEntries(out.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function expectNoServerSetting(seen: Record<string, string>): void {
  for (const name of Object.keys(SERVER_VARS)) expect(seen[name], `${name} reached the command`).toBeUndefined();
  expect(Object.values(seen).join('\n')).not.toContain('LEAK');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('local commands get an allowlisted environment', () => {
  it('a local phase sees none of the server settings, but PATH, HOME, locale, ccache, agent and its own variables', async () => {
    // Also in this process's environment: a spawn that passed process.env along would leak them.
    for (const [k, v] of Object.entries(SERVER_VARS)) vi.stubEnv(k, v);
    const executor = new LocalExecutor({ baseEnv: inheritableEnvironment(BASE) });
    const seen = await envSeenBy(executor, { ISO: '/srv/nixos.iso', API_KEY: 'recipe-secret', BISECT_COMMIT: 'abc123' });
    expectNoServerSetting(seen);
    expect(seen).toMatchObject({
      ...ALLOWED,
      ISO: '/srv/nixos.iso',
      API_KEY: 'recipe-secret',
      BISECT_COMMIT: 'abc123',
    });
  });

  it('a base environment handed over whole still loses the server settings', async () => {
    for (const [k, v] of Object.entries(SERVER_VARS)) vi.stubEnv(k, v);
    const seen = await envSeenBy(new LocalExecutor({ baseEnv: BASE }), {});
    for (const name of ['DASHBOARD_TOKEN', 'DASHBOARD_PASSWORD', 'DATABASE_URL', 'DATA_DIR', 'BISECT_KNOWN_HOSTS']) expect(seen[name]).toBeUndefined();
    expect(seen.PATH).toBe(BASE.PATH);
  });

  it('without a configured environment, commands get a minimal one from the OS account, not process.env', async () => {
    for (const [k, v] of Object.entries(SERVER_VARS)) vi.stubEnv(k, v);
    const seen = await envSeenBy(new LocalExecutor(), { OWN: '1' });
    expectNoServerSetting(seen);
    expect(seen.PATH).toContain('/usr/bin');
    expect(seen.HOME).toBeTruthy();
    expect(seen.OWN).toBe('1');
  });

  it('readConfig keeps only the allowlist plus BISECT_PASS_ENV, and refuses to pass a server setting', () => {
    const config = readConfig({ ...BASE, DATA_DIR: '/tmp/d', DATABASE_URL: '', BISECT_PASS_ENV: 'IPMI_PASSWORD, NOT_SET', IPMI_PASSWORD: 'ipmi' });
    expect(config.childEnv).toMatchObject({ PATH: BASE.PATH, HOME: BASE.HOME, IPMI_PASSWORD: 'ipmi' });
    expect(Object.keys(config.childEnv ?? {})).not.toContain('NOT_SET');
    expectNoServerSetting(config.childEnv ?? {});
    expect(() => readConfig({ BISECT_PASS_ENV: 'PATH,DASHBOARD_TOKEN' })).toThrow(/BISECT_PASS_ENV cannot name the server's own settings/);
  });

  it('git runs with the configured environment, without server settings', async () => {
    for (const [k, v] of Object.entries(SERVER_VARS)) vi.stubEnv(k, v);
    const before = inheritedEnvironment();
    setInheritedEnvironment(inheritableEnvironment({ ...BASE, HOME: process.env.HOME ?? '/root' }));
    try {
      // A shell alias shows the environment git runs its helpers (hooks, filters, aliases) with.
      const r = await runGit(process.cwd(), ['-c', 'alias.showenv=!env', 'showenv']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('LEAK');
      expect(r.stdout).toContain(`CCACHE_DIR=${BASE.CCACHE_DIR}`);
    } finally {
      setInheritedEnvironment(before);
    }
  });

  it('childEnvironment lays the command variables over the base', () => {
    expect({ ...childEnvironment({ PATH: '/a', DASHBOARD_TOKEN: 'x' }, { PATH: '/b', K: 'v' }) }).toEqual({ PATH: '/b', K: 'v' });
  });
});
