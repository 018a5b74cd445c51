'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { RECIPE_TEMPLATES } from '@/lib/recipe-templates';
import { useTRPC } from '@/lib/trpc';
import { RecipeEditor } from './RecipeEditor';
import { applyCopiesAreRuns, DEFAULT_STRATEGY_DRAFT, StrategyFields, strategyFromDraft } from './StrategyFields';

const splitList = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/** The "New bisect" form: repository, refs, terms, options and recipe. */
export function NewBisectForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [repoPath, setRepoPath] = useState('');
  const [bad, setBad] = useState('');
  const [good, setGood] = useState('');
  const [customTerms, setCustomTerms] = useState(false);
  const [termOld, setTermOld] = useState('broken');
  const [termNew, setTermNew] = useState('fixed');
  const [firstParent, setFirstParent] = useState(false);
  const [paths, setPaths] = useState('');
  const [recipeText, setRecipeText] = useState(JSON.stringify(RECIPE_TEMPLATES[1]?.recipe, null, 2));
  const [strategy, setStrategy] = useState(DEFAULT_STRATEGY_DRAFT);
  const [localError, setLocalError] = useState<string | null>(null);
  const create = useMutation(trpc.sessions.create.mutationOptions({ onSuccess: ({ id }) => router.push(`/sessions/${id}`) }));
  const field = create.error?.data && 'field' in create.error.data ? (create.error.data.field as string | null) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    let recipe: unknown;
    try {
      recipe = JSON.parse(recipeText);
    } catch (err) {
      setLocalError(`recipe is not valid JSON: ${(err as Error).message}`);
      return;
    }
    const verdicts = strategyFromDraft(strategy);
    if ('error' in verdicts) {
      setLocalError(verdicts.error);
      return;
    }
    create.mutate({
      ...verdicts,
      repoPath,
      bad,
      good: splitList(good),
      terms: customTerms ? { old: termOld, new: termNew } : undefined,
      firstParent,
      paths: splitList(paths),
      recipe: applyCopiesAreRuns(recipe, strategy),
    });
  };

  const errorFor = (name: string) =>
    field === name ? (
      <p className="field-error" role="alert" data-testid={`error-${name}`}>
        {create.error?.message}
      </p>
    ) : null;

  return (
    <form className="form" onSubmit={submit} aria-label="new bisect">
      <label>
        Repository path
        <input name="repoPath" value={repoPath} onChange={(e) => setRepoPath(e.target.value)} placeholder="/src/linux" required />
      </label>
      {errorFor('repoPath')}
      <div className="form-row">
        <label>
          {customTerms ? termNew : 'Bad'} ref
          <input name="bad" value={bad} onChange={(e) => setBad(e.target.value)} placeholder="master" required />
        </label>
        <label>
          {customTerms ? termOld : 'Good'} refs <span className="muted">(one or more)</span>
          <input name="good" value={good} onChange={(e) => setGood(e.target.value)} placeholder="v5.10" required />
        </label>
      </div>
      {errorFor('bad')}
      {errorFor('good')}
      <fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={customTerms} onChange={(e) => setCustomTerms(e.target.checked)} /> Custom terms (e.g. find the
          commit that fixed a bug)
        </label>
        {customTerms && (
          <div className="form-row">
            <label>
              Old term
              <input name="termOld" value={termOld} onChange={(e) => setTermOld(e.target.value)} />
            </label>
            <label>
              New term
              <input name="termNew" value={termNew} onChange={(e) => setTermNew(e.target.value)} />
            </label>
          </div>
        )}
        {errorFor('terms')}
        <label className="checkbox">
          <input type="checkbox" checked={firstParent} onChange={(e) => setFirstParent(e.target.checked)} /> --first-parent
        </label>
        <label>
          Paths <span className="muted">(optional, restrict to commits touching these)</span>
          <input name="paths" value={paths} onChange={(e) => setPaths(e.target.value)} placeholder="drivers/virtio net/" />
        </label>
        {errorFor('paths')}
      </fieldset>
      <StrategyFields value={strategy} onChange={setStrategy} />
      {errorFor('strategy')}
      {errorFor('slots')}
      <RecipeEditor value={recipeText} onChange={setRecipeText} />
      {errorFor('recipe')}
      {localError && (
        <p className="field-error" role="alert">
          {localError}
        </p>
      )}
      {create.error && !field && (
        <p className="field-error" role="alert" data-testid="form-error">
          {create.error.message}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={create.isPending}>
        {create.isPending ? 'Starting…' : 'Start bisect'}
      </button>
    </form>
  );
}
