'use client';
import { createContext, useContext } from 'react';

/**
 * Read-only mode of a session page (a share link, an imported session):
 * every control that changes a session (cancel, pause, retry, verdicts,
 * share, …) renders nothing when this is true.
 */
export const SessionReadOnlyContext = createContext(false);

export function useSessionReadOnly(): boolean {
  return useContext(SessionReadOnlyContext);
}
