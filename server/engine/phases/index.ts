import type { PhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import type { PhaseContext } from './context';
import { runScriptPhase } from './script';
import { runTransferPhase } from './transfer';

/** Runs one phase of any kind; every kind streams ExecEvents ending in `exit`. */
export function runPhase(phase: PhaseSpec, ctx: PhaseContext): AsyncIterable<ExecEvent> {
  switch (phase.kind) {
    case 'script':
      return runScriptPhase(phase, ctx);
    case 'transfer':
      return runTransferPhase(phase, ctx);
  }
}
