import { Suspense } from 'react';
import { SignInForm } from '@/components/auth/SignInForm';

export default function SignInPage() {
  return (
    <>
      <h1>Sign in</h1>
      <Suspense>
        <SignInForm />
      </Suspense>
    </>
  );
}
