import { ApiTokens } from '@/components/auth/ApiTokens';

export default function TokensPage() {
  return (
    <>
      <h1>API tokens</h1>
      <ApiTokens />
    </>
  );
}
