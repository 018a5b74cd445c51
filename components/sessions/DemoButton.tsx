'use client';
import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '@/lib/trpc';

/** Generates the demo repository and starts a real bisect over it. */
export function DemoButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const demo = useMutation(trpc.sessions.demo.mutationOptions({ onSuccess: ({ id }) => router.push(`/sessions/${id}`) }));
  return (
    <>
      <button type="button" className="btn" disabled={demo.isPending} onClick={() => demo.mutate()}>
        {demo.isPending ? 'Generating demo repository…' : 'Try the demo'}
      </button>
      {demo.error && <span className="error-text">{demo.error.message}</span>}
    </>
  );
}
