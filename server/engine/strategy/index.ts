/**
 * Strategies that choose the commits a bisect tests: exact (git's rules) and
 * Bayesian (a flaky reproducer). See types.ts for the contract.
 */
import { createBayesStrategy } from './bayes';
import { createExactStrategy } from './exact';
import type { BayesOptions, RangeGraph, Strategy } from './types';

export { createBayesStrategy } from './bayes';
export { createExactStrategy } from './exact';
export { DagIndex, graphFromCommits, isLinear, type CommitNode } from './graph';
export * from './types';

/** The `strategy` input of `sessions.create` (spec.ts validates it; any value of that schema fits here). */
export type StrategyInput =
  | { kind: 'git' }
  | { kind: 'bayes'; confidence?: number; maxRuns?: number; badFails?: number; goodFails?: number };

/**
 * The strategy a session's `strategy` input asks for (absent: git's rules).
 * `costs` weighs builds against runs in flaky mode; exact mode ignores it.
 */
export function createStrategy(graph: RangeGraph, spec: StrategyInput = { kind: 'git' }, costs?: BayesOptions['costs']): Strategy {
  if (spec.kind === 'git') return createExactStrategy(graph);
  const { kind: _kind, ...options } = spec;
  return createBayesStrategy(graph, costs ? { ...options, costs } : options);
}
