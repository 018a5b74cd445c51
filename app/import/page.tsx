import { ImportLogForm } from '@/components/sessions/ImportLogForm';

export const metadata = { title: 'Import a bisect log · Bisect Dashboard' };

export default function ImportPage() {
  return (
    <>
      <h1>Import a bisect log</h1>
      <p className="muted">
        Paste or upload the output of <code>git bisect log</code> from a bisect run elsewhere (a terminal, a mail). It becomes a
        finished, read-only session with a timeline, which you can share and report like any other.
      </p>
      <ImportLogForm />
    </>
  );
}
