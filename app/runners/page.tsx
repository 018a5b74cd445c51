import { RunnersTable } from '@/components/runners/RunnersTable';

export default function RunnersPage() {
  return (
    <>
      <h1>Runners</h1>
      <RunnersTable />
    </>
  );
}
