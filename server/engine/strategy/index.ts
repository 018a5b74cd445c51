/**
 * Strategies that choose the commits a bisect tests: exact (git's rules) and
 * Bayesian (a flaky reproducer). See types.ts for the contract.
 */
export { createBayesStrategy } from './bayes';
export { createExactStrategy } from './exact';
export { DagIndex, graphFromCommits, isLinear, type CommitNode } from './graph';
export * from './types';
