import type { SessionDetailView } from './types';

/** Says where an imported session came from and what its timeline can and cannot show. */
export function ImportedNote({ detail }: { detail: SessionDetailView }) {
  const s = detail.session;
  return (
    <section className="panel import-note" data-testid="imported-note">
      <p>
        Imported from a <code>git bisect log</code>: verdicts and commits come from the log; there are no phase logs or timings.
      </p>
      {!s.repoPath && (
        <p className="muted">
          No repository was given, so commit positions on the timeline are schematic (an ideal binary search ending where the log ends)
          and authors and dates are unknown. Import again with a repository path for the real picture.
        </p>
      )}
    </section>
  );
}
