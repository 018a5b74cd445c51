import Link from 'next/link';
import { DemoButton } from '@/components/sessions/DemoButton';
import { SessionsTable } from '@/components/sessions/SessionsTable';

export default function HomePage() {
  return (
    <>
      <div className="page-title-row">
        <h1>Bisect sessions</h1>
        <Link href="/new" className="btn btn-primary">
          New bisect
        </Link>
        <DemoButton />
        <Link href="/import" className="btn">
          Import log
        </Link>
      </div>
      <SessionsTable />
    </>
  );
}
