'use client';

/** What the form knows of the verdict strategy, as the user typed it. */
export interface StrategyDraft {
  kind: 'git' | 'bayes';
  confidence: string;
  maxRuns: string;
  badFails: string;
  goodNeverFails: boolean;
  /** Each copy of the recipe's transfer phases counts as one run. */
  copiesAreRuns: boolean;
  slots: string;
}

export const DEFAULT_STRATEGY_DRAFT: StrategyDraft = { kind: 'git', confidence: '0.95', maxRuns: '', badFails: '', goodNeverFails: false, copiesAreRuns: false, slots: '' };

type StrategyInput = { kind: 'git' } | { kind: 'bayes'; confidence?: number; maxRuns?: number; badFails?: number; goodFails?: number };

/** The recipe with `copiesAreRuns` set on its transfer phases when the draft asks for it. */
export function applyCopiesAreRuns(recipe: unknown, d: StrategyDraft): unknown {
  if (d.kind !== 'bayes' || !d.copiesAreRuns || typeof recipe !== 'object' || recipe === null) return recipe;
  const r = recipe as { phases?: unknown };
  if (!Array.isArray(r.phases)) return recipe;
  return { ...r, phases: r.phases.map((p: { kind?: unknown }) => (p && p.kind === 'transfer' ? { ...p, copiesAreRuns: true } : p)) };
}

/** The API's `strategy` and `slots` from the draft, or an error to show. */
export function strategyFromDraft(d: StrategyDraft): { strategy: StrategyInput; slots?: Array<Record<string, string>> } | { error: string } {
  let slots: Array<Record<string, string>> | undefined;
  if (d.slots.trim()) {
    try {
      slots = JSON.parse(d.slots) as Array<Record<string, string>>;
    } catch (err) {
      return { error: `test slots are not valid JSON: ${(err as Error).message}` };
    }
  }
  if (d.kind === 'git') return { strategy: { kind: 'git' }, ...(slots ? { slots } : {}) };
  const strategy: StrategyInput = { kind: 'bayes', confidence: Number(d.confidence) };
  if (d.maxRuns.trim()) strategy.maxRuns = Number(d.maxRuns);
  if (d.badFails.trim()) strategy.badFails = Number(d.badFails);
  if (d.goodNeverFails) strategy.goodFails = 0;
  return { strategy, ...(slots ? { slots } : {}) };
}

/** Verdicts (git's exact rules or a flaky reproducer weighed by Bayes) and test slots. */
export function StrategyFields({ value, onChange }: { value: StrategyDraft; onChange: (d: StrategyDraft) => void }) {
  const set = (patch: Partial<StrategyDraft>) => onChange({ ...value, ...patch });
  return (
    <fieldset aria-label="verdicts">
      <label>
        Verdicts
        <select name="strategy" value={value.kind} onChange={(e) => set({ kind: e.target.value as StrategyDraft['kind'] })}>
          <option value="git">exact (git&apos;s rules)</option>
          <option value="bayes">flaky reproducer</option>
        </select>
      </label>
      {value.kind === 'bayes' && (
        <>
          <p className="muted">
            Each run of the recipe is one observation; a commit can be run many times. The bisect ends when one commit is the first bad one
            with the target confidence.
          </p>
          <div className="form-row">
            <label>
              Target confidence
              <select name="confidence" value={value.confidence} onChange={(e) => set({ confidence: e.target.value })}>
                <option value="0.95">0.95</option>
                <option value="0.99">0.99</option>
              </select>
            </label>
            <label>
              Run budget <span className="muted">(optional)</span>
              <input name="maxRuns" inputMode="numeric" value={value.maxRuns} onChange={(e) => set({ maxRuns: e.target.value })} placeholder="no limit" />
            </label>
            <label>
              A bad commit fails about <span className="muted">(fraction of runs, optional)</span>
              <input name="badFails" inputMode="decimal" value={value.badFails} onChange={(e) => set({ badFails: e.target.value })} placeholder="e.g. 0.33" />
            </label>
          </div>
          <label className="checkbox">
            <input type="checkbox" name="goodNeverFails" checked={value.goodNeverFails} onChange={(e) => set({ goodNeverFails: e.target.checked })} /> A
            good commit never fails
          </label>
          <label className="checkbox">
            <input type="checkbox" name="copiesAreRuns" checked={value.copiesAreRuns} onChange={(e) => set({ copiesAreRuns: e.target.checked })} /> Each
            copy of a transfer phase is a run (a hang counts at once; a good-looking commit can stop early)
          </label>
        </>
      )}
      <label>
        Test slots <span className="muted">(optional JSON: one role → host map per machine set, run at once)</span>
        <textarea
          name="slots"
          rows={2}
          value={value.slots}
          onChange={(e) => set({ slots: e.target.value })}
          placeholder='[{ "guest": "vm1", "hypervisor": "server" }, { "guest": "vm2", "hypervisor": "server" }]'
        />
      </label>
    </fieldset>
  );
}
