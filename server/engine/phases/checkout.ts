import type { CheckoutPhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import type { PhaseContext } from './context';

/**
 * Fixed script; the clone, the remote and the sha travel as positional
 * arguments ($1 $2 $3), never spliced into the command text. Fetches only when
 * the clone lacks the commit; when the server refuses a fetch by sha, fetches
 * its branches and tags instead. `checkout -f` keeps untracked build output,
 * so builds in the clone stay incremental.
 */
const CHECKOUT_SCRIPT = `set -e
repo=$1 from=$2 sha=$3
if git -C "$repo" cat-file -e "$sha^{commit}" 2>/dev/null; then
  echo "$sha is already in $repo"
else
  echo "fetching $sha from $from into $repo"
  if ! git -C "$repo" fetch --no-tags -- "$from" "$sha"; then
    echo "fetching the commit by id failed; fetching the branches and tags of $from"
    git -C "$repo" fetch --tags -- "$from" '+refs/heads/*:refs/bisect-fetch/heads/*'
  fi
  git -C "$repo" cat-file -e "$sha^{commit}" || { echo "commit $sha is not in $from" >&2; exit 1; }
fi
git -C "$repo" checkout --quiet --detach -f "$sha"
echo "$repo is at $(git -C "$repo" log -1 --format='%h %s' HEAD)"
`;

/** Brings the step's commit into a clone on the phase's host (`git fetch` + `git checkout --detach -f`). */
export function runCheckoutPhase(phase: CheckoutPhaseSpec, ctx: PhaseContext): AsyncIterable<ExecEvent> {
  return ctx.executor.run(
    {
      argv: ['sh', '-c', CHECKOUT_SCRIPT, 'bisect-checkout', phase.repo, phase.fetchFrom ?? 'origin', ctx.sha],
      env: { GIT_TERMINAL_PROMPT: '0', BISECT_COMMIT: ctx.sha },
      timeoutMs: phase.timeoutSec * 1000,
    },
    ctx.signal,
  );
}
