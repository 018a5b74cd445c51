import { describe, expect, it } from 'vitest';
import { diffConfigs, formatConfigDiff, parseConfig } from './kconfig-diff';

describe('diffConfigs (scripts/diffconfig)', () => {
  const before = '#\n# comment\n#\nCONFIG_SMP=y\nCONFIG_NR_CPUS=64\n# CONFIG_KASAN is not set\nCONFIG_OLD=m\nCONFIG_LOCALVERSION=""\n';
  const after = 'CONFIG_SMP=y\nCONFIG_NR_CPUS=8\nCONFIG_KASAN=y\nCONFIG_NEW=y\nCONFIG_LOCALVERSION="-x"\n';

  it('lists removed, added and changed symbols by name; "is not set" is n', () => {
    const d = diffConfigs(before, after);
    expect(d.removed).toEqual([{ name: 'OLD', value: 'm' }]);
    expect(d.added).toEqual([{ name: 'NEW', value: 'y' }]);
    expect(d.changed).toEqual([
      { name: 'KASAN', from: 'n', to: 'y' },
      { name: 'LOCALVERSION', from: '""', to: '"-x"' },
      { name: 'NR_CPUS', from: '64', to: '8' },
    ]);
    expect(formatConfigDiff(d)).toBe('-OLD m\n+NEW y\n KASAN n -> y\n LOCALVERSION "" -> "-x"\n NR_CPUS 64 -> 8');
  });

  it('equal configs (comments and order aside) have no difference', () => {
    const d = diffConfigs('CONFIG_A=y\n# CONFIG_B is not set\n', '# hi\n# CONFIG_B is not set\nCONFIG_A=y');
    expect(formatConfigDiff(d)).toBe('');
    expect(parseConfig('CONFIG_A=y\nnot a line\n').size).toBe(1);
  });
});
