import type { ReactNode } from 'react';

/**
 * A form's primary submit button: disabled while `pending` (or when
 * `disabled`), and saying `busy` instead of its label while pending, when given.
 */
export function SubmitButton({ pending, busy, disabled = false, children }: { pending: boolean; busy?: string; disabled?: boolean; children: ReactNode }) {
  return (
    <button type="submit" className="btn btn-primary" disabled={pending || disabled}>
      {pending && busy !== undefined ? busy : children}
    </button>
  );
}
