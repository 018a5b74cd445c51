import type { ReactNode } from 'react';

/** The app's plain table: a header row naming the columns (`''` for an unnamed one) and the body rows the caller renders. */
export function DataTable({ columns, className, testId, children }: { columns: readonly string[]; className?: string; testId: string; children: ReactNode }) {
  return (
    <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i}>{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
