import type { EngineEvent, EventSink } from '../events';

/** Collects engine events in memory, for tests. */
export class MemorySink implements EventSink {
  readonly events: EngineEvent[] = [];

  emit(event: EngineEvent): void {
    this.events.push(event);
  }

  of<T extends EngineEvent['type']>(type: T): Array<Extract<EngineEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }

  finished(): Extract<EngineEvent, { type: 'sessionFinished' }> {
    const f = this.of('sessionFinished');
    if (f.length !== 1) throw new Error(`expected one sessionFinished event, got ${f.length}`);
    return f[0] as Extract<EngineEvent, { type: 'sessionFinished' }>;
  }

  outputLines(step: number, phase: number): string[] {
    return this.of('output')
      .filter((e) => e.step === step && e.phase === phase)
      .flatMap((e) => e.lines);
  }
}
