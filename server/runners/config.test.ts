import { describe, expect, it } from 'vitest';
import { readConfig } from '../env';

describe('runner settings', () => {
  it('reads ENGINE, RUNNER_TAGS, RUNNER_NAME, RUNNER_SESSIONS and RUNNER_LEASE_SEC', () => {
    const c = readConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      ENGINE: 'off',
      RUNNER_TAGS: ' /srv/linux, vm1 ,,vm2',
      RUNNER_NAME: 'rack-3',
      RUNNER_SESSIONS: '4',
      RUNNER_LEASE_SEC: '12',
    });
    expect(c).toMatchObject({ engine: false, runnerTags: ['/srv/linux', 'vm1', 'vm2'], runnerName: 'rack-3', maxSessions: 4, leaseMs: 12_000 });
    expect(readConfig({})).toMatchObject({ engine: true, runnerTags: [], leaseMs: 30_000, maxSessions: undefined });
  });

  it('refuses settings that cannot work, saying why', () => {
    expect(() => readConfig({ ENGINE: 'off' })).toThrow(/ENGINE=off needs DATABASE_URL/);
    expect(() => readConfig({ ENGINE: 'maybe' })).toThrow(/ENGINE is on \(default\) or off/);
    expect(() => readConfig({ RUNNER_SESSIONS: '0' })).toThrow(/RUNNER_SESSIONS/);
  });

  it('never hands runner settings to phases', () => {
    const c = readConfig({ PATH: '/usr/bin', ENGINE: 'on', RUNNER_TAGS: 'vm1', RUNNER_LEASE_SEC: '5' });
    expect(Object.keys(c.childEnv ?? {})).not.toContain('RUNNER_TAGS');
    expect(Object.keys(c.childEnv ?? {})).not.toContain('ENGINE');
  });
});
