import { CopyButton } from '@/components/ui/CopyButton';

/** The `git bisect log` text, ready for `git bisect replay`. */
export function BisectLogPanel({ log }: { log: string }) {
  if (!log) return null;
  return (
    <section className="panel" data-testid="bisect-log">
      <div className="panel-title-row">
        <h2>git bisect log</h2>
        <CopyButton text={log} />
      </div>
      <pre className="bisect-log">{log}</pre>
    </section>
  );
}
