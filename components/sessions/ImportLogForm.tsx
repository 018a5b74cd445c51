'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useTRPC } from '@/lib/trpc';
import '@/components/share/share.css';
import { FieldError } from '@/components/ui/FieldError';
import { SubmitButton } from '@/components/ui/SubmitButton';

/** Same limit as the server's: bigger logs are refused before they are sent. */
const MAX_BYTES = 10 * 1024 * 1024;

/** Paste or upload a `git bisect log`, optionally with a local clone for subjects, authors, dates and real positions. */
export function ImportLogForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const [log, setLog] = useState('');
  const [repoPath, setRepoPath] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);
  const imp = useMutation(trpc.sessions.import.mutationOptions({ onSuccess: ({ id }) => router.push(`/sessions/${id}`) }));
  const field = (imp.error?.data as { field?: string | null } | undefined)?.field ?? null;

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    setFileError(null);
    const file = e.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setFileError(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; at most 10 MB can be imported`);
      return;
    }
    setLog(await file.text());
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (new Blob([log]).size > MAX_BYTES) {
      setFileError('the log is larger than 10 MB: paste only the `git bisect log` output');
      return;
    }
    imp.mutate(repoPath.trim() ? { log, repoPath: repoPath.trim() } : { log });
  };
  return (
    <form className="form import-form" onSubmit={submit}>
      <label>
        Bisect log
        <textarea
          value={log}
          onChange={(e) => setLog(e.target.value)}
          placeholder={'git bisect start\n# bad: [3e732ebf...] ...\ngit bisect bad 3e732ebf...\n...'}
          spellCheck={false}
          aria-invalid={field === 'log' || undefined}
          data-testid="import-log"
        />
      </label>
      <label>
        …or upload a file
        <input type="file" accept=".log,.txt,text/plain" onChange={(e) => void onFile(e)} data-testid="import-file" />
      </label>
      {fileError && <p className="field-error">{fileError}</p>}
      <label>
        Repository path (optional)
        <input
          type="text"
          value={repoPath}
          onChange={(e) => setRepoPath(e.target.value)}
          placeholder="/src/linux: a clone with these commits, for subjects, authors, dates and real positions"
          aria-invalid={field === 'repoPath' || undefined}
        />
      </label>
      {imp.error && <FieldError testId="import-error">{imp.error.message}</FieldError>}
      <div>
        <SubmitButton pending={imp.isPending} busy="Importing…" disabled={log.trim() === ''}>
          Import
        </SubmitButton>
      </div>
    </form>
  );
}
