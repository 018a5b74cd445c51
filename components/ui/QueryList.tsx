import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/**
 * A list query's three plain states — "Loading…", its error, `empty` when it
 * has no item — or `children` with the items. `alert` marks the error as one
 * (role="alert") where the page has nothing else to show.
 */
export function QueryList<T>({
  query,
  empty,
  alert = false,
  children,
}: {
  query: UseQueryResult<readonly T[], { message: string }>;
  empty: ReactNode;
  alert?: boolean;
  children: (items: readonly T[]) => ReactNode;
}) {
  if (query.isPending) return <p>Loading…</p>;
  if (query.error) return <p className="error-text" role={alert ? 'alert' : undefined}>{query.error.message}</p>;
  if (query.data.length === 0) return <p className="muted">{empty}</p>;
  return <>{children(query.data)}</>;
}
