import type { RecipeInput } from '@/server/engine/recipe';

export interface RecipeTemplate {
  id: string;
  name: string;
  description: string;
  recipe: RecipeInput;
}

/** Starting points the New bisect form offers; the user edits them before starting. */
export const RECIPE_TEMPLATES: RecipeTemplate[] = [
  {
    id: 'custom-script',
    name: 'Custom script',
    description: 'One phase with git bisect run semantics: exit 0 good, 125 skip, 1-127 bad, anything else aborts.',
    recipe: {
      phases: [{ name: 'test', kind: 'script', run: './bisect.sh', timeoutSec: 3600, onFailure: 'exitcode', onTimeout: 'bad' }],
    },
  },
  {
    id: 'build-and-test',
    name: 'Build, then test',
    description: 'A failed build is a skip; the reproducer decides good or bad, and a hung reproducer is bad.',
    recipe: {
      phases: [
        { name: 'build', kind: 'script', run: 'make -j"$(nproc)"', timeoutSec: 3600, onFailure: 'skip', onTimeout: 'skip' },
        { name: 'test', kind: 'script', run: './repro.sh', timeoutSec: 600, onFailure: 'exitcode', onTimeout: 'bad' },
      ],
    },
  },
];
