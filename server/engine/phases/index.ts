import type { PhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import type { PhaseContext } from './context';
import { runCheckoutPhase } from './checkout';
import { runKconfigPhase } from './kconfig';
import { runRebootPhase } from './reboot';
import { runScriptPhase } from './script';
import { runWaitForSshPhase } from './wait-for-ssh';
import { runTransferPhase } from './transfer';

/** Runs one phase of any kind; every kind streams ExecEvents ending in `exit`. */
export function runPhase(phase: PhaseSpec, ctx: PhaseContext): AsyncIterable<ExecEvent> {
  switch (phase.kind) {
    case 'script':
      return runScriptPhase(phase, ctx);
    case 'checkout':
      return runCheckoutPhase(phase, ctx);
    case 'wait-for-ssh':
      return runWaitForSshPhase(phase, ctx);
    case 'reboot':
      return runRebootPhase(phase, ctx);
    case 'transfer':
      return runTransferPhase(phase, ctx);
    case 'kconfig':
      return runKconfigPhase(phase, ctx);
  }
}
