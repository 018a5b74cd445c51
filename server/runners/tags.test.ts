import { describe, expect, it } from 'vitest';
import { canServe, sessionHosts } from './tags';

describe('runner tags', () => {
  it.each([
    [[], '/src/linux', ['vm1'], true],
    [['/src'], '/src/linux', [], true],
    [['/src/'], '/src/linux', [], true],
    [['/src'], '/srcx/linux', [], false],
    [['/other'], '/src/linux', [], false],
    [['vm1'], '/src/linux', ['vm1', 'local'], true],
    [['vm1'], '/src/linux', ['vm2'], false],
    [['/src', 'vm1', 'vm2'], '/src/linux', ['vm1', 'vm2'], true],
  ])('tags %j serve %s using %j: %s', (tags, repoPath, hosts, expected) => {
    expect(canServe(tags, { repoPath, hosts })).toBe(expected);
  });

  it('resolves slot roles to hosts', () => {
    const recipe = { phases: [{ on: 'guest' }, { on: 'local' }, {}, { on: 'server' }] };
    expect(sessionHosts(recipe, [{ guest: 'vm1' }, { guest: 'vm2' }]).sort()).toEqual(['local', 'server', 'vm1', 'vm2']);
    expect(sessionHosts(recipe, null).sort()).toEqual(['guest', 'local', 'server']);
  });
});
