import { describe, expect, it } from 'vitest';
import { createBayesStrategy } from './bayes';
import { linearGraph, mergeGraph, mulberry32, plantCulprit, runSession } from './simulate';

/**
 * The stated confidence must be honest: of the simulated sessions that stop
 * on a culprit at 0.95, at least 95% name the right one. 300 sessions give a
 * standard error of about 1.3%, hence the tolerance.
 */
const SESSIONS = 300;
const TOLERANCE = 0.025;

function calibration(badFails: number, goodFails: number, given: boolean, merges: boolean) {
  const rand = mulberry32(2024);
  let stopped = 0;
  let right = 0;
  for (let i = 0; i < SESSIONS; i++) {
    const graph = merges ? mergeGraph(32, i + 1) : linearGraph(32);
    const truth = plantCulprit(graph, Math.floor(rand() * graph.size), { badFails, goodFails }, 7000 + i);
    const strategy = createBayesStrategy(graph, { maxRuns: 600, ...(given ? { badFails, goodFails } : {}) });
    const stats = runSession(strategy, truth, { checks: true });
    if (stats.result.kind !== 'culprit') continue;
    stopped++;
    if (stats.right) right++;
  }
  return { stopped, accuracy: right / stopped };
}

describe('bayes strategy: calibration at confidence 0.95', () => {
  it.each([
    { badFails: 0.8, goodFails: 0.2, given: false, merges: false },
    { badFails: 0.3, goodFails: 0, given: false, merges: false },
    { badFails: 0.8, goodFails: 0.2, given: true, merges: false },
    { badFails: 0.3, goodFails: 0, given: true, merges: true },
  ])('$badFails / $goodFails, rates given: $given, merges: $merges', ({ badFails, goodFails, given, merges }) => {
    const { stopped, accuracy } = calibration(badFails, goodFails, given, merges);
    expect(stopped).toBeGreaterThan(0.95 * SESSIONS);
    expect(accuracy).toBeGreaterThanOrEqual(0.95 - TOLERANCE);
  });
});
