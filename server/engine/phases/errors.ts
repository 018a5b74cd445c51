import { InfraError, isInfraError, type ExecEvent } from '../types';

/**
 * Names the phase and where it ran in infrastructure errors, so a session that
 * ends on one says which host failed: `phase "build" on host "builder": …`.
 */
export async function* withPhaseContext(
  events: AsyncIterable<ExecEvent>,
  phase: { name: string; on: string },
): AsyncGenerator<ExecEvent, void, undefined> {
  try {
    yield* events;
  } catch (error) {
    if (isInfraError(error)) {
      const where = phase.on === 'local' ? 'locally' : `on host "${phase.on}"`;
      throw new InfraError(`phase "${phase.name}" ${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
