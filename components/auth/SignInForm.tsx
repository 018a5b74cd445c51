'use client';
import { useMutation } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { safeNext } from '@/lib/safe-next';
import { useTRPC } from '@/lib/trpc';
import { FieldError } from '@/components/ui/FieldError';
import { SubmitButton } from '@/components/ui/SubmitButton';

/** Password sign-in; a `?token=` link printed by the server signs in at once. */
export function SignInForm() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const [password, setPassword] = useState('');
  const signIn = useMutation(trpc.auth.signIn.mutationOptions({ onSuccess: () => window.location.assign(next) }));
  const tried = useRef(false);
  useEffect(() => {
    const token = params.get('token');
    if (token && !tried.current) {
      tried.current = true;
      window.history.replaceState(null, '', '/signin'); // keep the one-time token out of history
      signIn.mutate({ password: token });
    }
  }, [params, signIn]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate({ password });
  };
  return (
    <form className="form signin-form" onSubmit={submit} aria-label="sign in">
      <label>
        Password
        <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
      </label>
      {signIn.error && <FieldError testId="signin-error">{signIn.error.message}</FieldError>}
      <SubmitButton pending={signIn.isPending} busy="Signing in…">
        Sign in
      </SubmitButton>
      <p className="muted">
        The password is <code>DASHBOARD_PASSWORD</code>, or the one-time sign-in link the server printed at its first start.
      </p>
    </form>
  );
}
