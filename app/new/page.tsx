import { NewBisectForm } from '@/components/sessions/NewBisectForm';

export default function NewBisectPage() {
  return (
    <>
      <h1>New bisect</h1>
      <NewBisectForm />
    </>
  );
}
