'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useState, type FormEvent } from 'react';
import { RECIPE_TEMPLATES } from '@/lib/recipe-templates';
import { useTRPC } from '@/lib/trpc';
import { RecipeEditor } from './RecipeEditor';
import { applyCopiesAreRuns, DEFAULT_STRATEGY_DRAFT, StrategyFields, strategyFromDraft } from './StrategyFields';
import { FieldError } from '@/components/ui/FieldError';
import { SubmitButton } from '@/components/ui/SubmitButton';

const splitList = (text: string) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

/** The "New bisect" form: repository, refs, terms, options and recipe; with `parentId`, prefilled to continue that session. */
export function NewBisectForm({ parentId }: { parentId?: string | undefined } = {}) {
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
  /** null: the default (verify in exact mode, not in flaky mode). */
  const [verify, setVerify] = useState<boolean | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const parent = useQuery({ ...trpc.sessions.byId.queryOptions({ id: parentId ?? '' }), enabled: Boolean(parentId) });
  const [prefilled, setPrefilled] = useState(false);
  useEffect(() => {
    if (prefilled || !parent.data) return;
    const p = otherSide(parent.data);
    setTitle(p.title);
    setRecipeText(JSON.stringify(p.recipe, null, 2));
    setCustomTerms(true);
    setPrefilled(true);
  }, [parent.data, prefilled]);
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
      ...(parentId ? { parentId } : {}),
      ...(title.trim() ? { title: title.trim() } : {}),
      repoPath,
      bad,
      good: splitList(good),
      terms: customTerms ? { old: termOld, new: termNew } : undefined,
      firstParent,
      paths: splitList(paths),
      recipe: applyCopiesAreRuns(recipe, strategy),
      ...(verify !== null ? { verify } : {}),
    });
  };

  const errorFor = (name: string) => (field === name ? <FieldError testId={`error-${name}`}>{create.error?.message}</FieldError> : null);

  return (
    <form className="form" onSubmit={submit} aria-label="new bisect">
      {parent.data && (
        <p className="muted" data-testid="continues">
          Continues <strong>{parent.data.session.title}</strong>: its culprit is pinned as <code>GUEST_COMMIT</code> in the recipe, and the terms
          are set to find the commit that fixed the bug (old = broken, new = fixed). Adjust the hosts and paths below.
        </p>
      )}
      <label>
        Title <span className="muted">(optional)</span>
        <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
      </label>
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
      <label className="checkbox">
        <input
          type="checkbox"
          name="verify"
          checked={verify ?? strategy.kind === 'git'}
          onChange={(e) => setVerify(e.target.checked)}
        />{' '}
        Verify the culprit <span className="muted">(test the bad commit with the culprit reverted, and its parent again)</span>
      </label>
      {errorFor('strategy')}
      {errorFor('slots')}
      <RecipeEditor value={recipeText} onChange={setRecipeText} />
      {errorFor('recipe')}
      {localError && <FieldError>{localError}</FieldError>}
      {create.error && !field && <FieldError testId="form-error">{create.error.message}</FieldError>}
      <SubmitButton pending={create.isPending} busy="Starting…">
        Start bisect
      </SubmitButton>
    </form>
  );
}

/**
 * The other side's bisect of a finished session: the host-kernel template with
 * the parent's culprit pinned as GUEST_COMMIT (the seed's second bisect).
 */
function otherSide(parent: { session: { title: string; result: { kind: string; commit?: { sha: string } } | null } }) {
  const template = RECIPE_TEMPLATES.find((t) => t.id === 'host-kernel') ?? RECIPE_TEMPLATES[0];
  const culprit = parent.session.result?.kind === 'culprit' ? (parent.session.result.commit?.sha ?? '') : '';
  const recipe = { ...(template?.recipe ?? { phases: [] }), env: { ...((template?.recipe as { env?: Record<string, unknown> }).env ?? {}), GUEST_COMMIT: culprit } };
  return { title: `Other side of: ${parent.session.title}`.slice(0, 200), recipe };
}
