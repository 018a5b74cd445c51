import type { ReactNode } from 'react';

/** A form's error message under a field or the form, announced to screen readers (role="alert"). */
export function FieldError({ testId, children }: { testId?: string; children: ReactNode }) {
  return (
    <p className="field-error" role="alert" data-testid={testId}>
      {children}
    </p>
  );
}
