import { NewBisectForm } from '@/components/sessions/NewBisectForm';

/** `?parent=<id>`: the bisect continues that session (the other side of a guest/host pair). */
export default async function NewBisectPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { parent } = await searchParams;
  const parentId = typeof parent === 'string' && /^[0-9a-f-]{36}$/.test(parent) ? parent : undefined;
  return (
    <>
      <h1>New bisect</h1>
      <NewBisectForm parentId={parentId} />
    </>
  );
}
