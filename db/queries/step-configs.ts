import type { Db } from '../client';
import { listEventsOfType } from './events';

/** A .config a kconfig phase stored with a step (see the `stepConfig` engine event). */
export interface StepConfig {
  step: number;
  phase: number;
  name: string;
  text: string;
  bytes: number;
  truncated: boolean;
}

export type StepConfigInfo = Omit<StepConfig, 'text'>;

/**
 * The .configs of a session's steps, oldest first: the last one per step and
 * phase (a step that ran again after an interruption stored a new one).
 */
export async function listStepConfigs(db: Db, sessionId: string, step?: number): Promise<StepConfig[]> {
  const last = new Map<string, StepConfig>();
  for (const e of await listEventsOfType(db, sessionId, 'stepConfig', step)) {
    last.set(`${e.step}/${e.phase}`, { step: e.step, phase: e.phase, name: e.name, text: e.text, bytes: e.bytes, truncated: e.truncated ?? false });
  }
  return [...last.values()];
}

/** Which steps have a stored .config (without the text), for a picker. */
export async function listStepConfigInfos(db: Db, sessionId: string): Promise<StepConfigInfo[]> {
  return (await listStepConfigs(db, sessionId)).map(({ text: _text, ...info }) => info);
}

/** One step's .config: of `phase`, or of its first kconfig phase; null when it has none. */
export async function getStepConfig(db: Db, sessionId: string, step: number, phase?: number): Promise<StepConfig | null> {
  const configs = await listStepConfigs(db, sessionId, step);
  return (phase === undefined ? configs[0] : configs.find((c) => c.phase === phase)) ?? null;
}

/** ccache's hits and misses over one phase (a `buildCache` event). */
export interface BuildCache {
  step: number;
  phase: number;
  hits: number;
  misses: number;
  hitRate: number;
}

/** ccache counters of a session's build phases (the last per step and phase). */
export async function listBuildCaches(db: Db, sessionId: string): Promise<BuildCache[]> {
  const last = new Map<string, BuildCache>();
  for (const e of await listEventsOfType(db, sessionId, 'buildCache')) {
    last.set(`${e.step}/${e.phase}`, { step: e.step, phase: e.phase, hits: e.hits, misses: e.misses, hitRate: e.hitRate });
  }
  return [...last.values()];
}
