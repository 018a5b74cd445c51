import { describe, expect, it } from 'vitest';
import { recipeSchema } from '@/server/engine/recipe';
import { RECIPE_TEMPLATES } from './recipe-templates';

describe('recipe templates', () => {
  it('are valid recipes with unique ids, the two originals first', () => {
    expect(RECIPE_TEMPLATES.map((t) => t.id)).toEqual(['custom-script', 'build-and-test', 'guest-kernel', 'host-kernel', 'direct-boot']);
    for (const t of RECIPE_TEMPLATES) expect(recipeSchema.safeParse(t.recipe).success, t.id).toBe(true);
  });

  it("keep the seed's numbers: a 60 s wait for the guest's SSH that skips, a bad on a hung copy", () => {
    for (const id of ['guest-kernel', 'host-kernel']) {
      const r = recipeSchema.parse(RECIPE_TEMPLATES.find((t) => t.id === id)?.recipe);
      const wait = r.phases.find((p) => p.kind === 'wait-for-ssh');
      expect(wait).toMatchObject({ on: 'guest', timeoutSec: 60, intervalSec: 1, onTimeout: 'skip' });
    }
    // The guest bisect copies with the built-in transfer phase (live graphs): 15 copies, 3 min each.
    const guest = recipeSchema.parse(RECIPE_TEMPLATES.find((t) => t.id === 'guest-kernel')?.recipe);
    expect(guest.phases.at(-1)).toMatchObject({ kind: 'transfer', on: 'guest', copies: 15, bytes: 2 * 1024 ** 3, copyTimeoutSec: 180, onFailure: 'bad' });
    // The host bisect looks for a fix (custom terms), so its reproducer is a script whose exit code the hint explains.
    const host = recipeSchema.parse(RECIPE_TEMPLATES.find((t) => t.id === 'host-kernel')?.recipe);
    const repro = host.phases.at(-1);
    expect(repro?.kind === 'script' && repro.run).toContain('seq 1 15');
    expect(repro?.kind === 'script' && repro.run).toContain('timeout 3m');
    expect(repro).toMatchObject({ onFailure: 'exitcode', onTimeout: 'bad' });
  });

  it('the host kernel template reboots into the kernel the build announced and explains the terms to find a fix', () => {
    const t = RECIPE_TEMPLATES.find((x) => x.id === 'host-kernel');
    const r = recipeSchema.parse(t?.recipe);
    expect(r.phases.map((p) => p.kind)).toEqual(['checkout', 'script', 'script', 'reboot', 'script', 'wait-for-ssh', 'script']);
    expect(r.phases.find((p) => p.kind === 'reboot')).toMatchObject({ expectKernel: 'from-env:KERNEL_RELEASE', onWrongKernel: 'skip' });
    expect(t?.hint).toMatch(/old = broken, new = fixed/);
  });
});
