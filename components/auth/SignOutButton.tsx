'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';

export function SignOutButton() {
  const trpc = useTRPC();
  const signOut = useMutation(trpc.auth.signOut.mutationOptions({ onSettled: () => window.location.assign('/signin') }));
  return (
    <button type="button" className="btn btn-small" onClick={() => signOut.mutate()}>
      Sign out
    </button>
  );
}
