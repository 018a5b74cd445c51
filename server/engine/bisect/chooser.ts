import type { BisectState, Bisection } from './bisection';

/**
 * Picks the commit the next step tests. Today this is git's own choice (the
 * commit `git bisect` checked out). It is a seam for later strategies: several
 * commits at once on several hosts, or weighing repeated runs of a flaky test.
 */
export interface NextCommitChooser {
  next(state: Extract<BisectState, { kind: 'testing' }>, bisection: Bisection): Promise<string>;
}

export const gitChoice: NextCommitChooser = {
  next: async (state) => state.sha,
};
