const LABELS: Record<string, string> = {
  running: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  passed: 'passed',
  timedOut: 'timed out',
  good: 'good',
  bad: 'bad',
  skip: 'skip',
};

/** A coloured pill for a session, phase or verdict status. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge badge-${status}`} data-testid="status-badge" data-status={status}>
      {label ?? LABELS[status] ?? status}
    </span>
  );
}
