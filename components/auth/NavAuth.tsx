'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/lib/trpc';
import { SignOutButton } from './SignOutButton';

/** Token and notification settings, and sign-out for a signed-in user; a sign-in link otherwise. */
export function NavAuth() {
  const trpc = useTRPC();
  const status = useQuery(trpc.auth.status.queryOptions());
  if (!status.data) return null;
  if (!status.data.signedIn) return <Link href="/signin">Sign in</Link>;
  return (
    <span className="nav-auth">
      <Link href="/settings/tokens">API tokens</Link>
      <Link href="/settings/notifications">Notifications</Link>
      {status.data.via === 'session' && <SignOutButton />}
    </span>
  );
}
