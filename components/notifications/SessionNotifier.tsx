'use client';
import { useMemo } from 'react';
import type { WatchedSession } from './notify-rules';
import { NotifyToggle } from './NotifyToggle';
import { useNotificationOptIn, useStatusNotifications } from './use-browser-notifications';

const sessionHref = (id: string) => `/sessions/${id}`;

/** Session page: the opt-in, and a notification when this session ends, fails or pauses on an infrastructure error. */
export function SessionNotifier({ session }: { session: WatchedSession }) {
  const optIn = useNotificationOptIn();
  const { id, title, status, error } = session;
  const watched = useMemo(() => [{ id, title, status, error }], [id, title, status, error]);
  useStatusNotifications(watched, optIn.on, sessionHref);
  return <NotifyToggle optIn={optIn} what="this bisect" />;
}

/** Sessions list: the same for every session the list shows running. */
export function SessionsNotifier({ sessions }: { sessions: readonly WatchedSession[] }) {
  const optIn = useNotificationOptIn();
  useStatusNotifications(sessions, optIn.on, sessionHref);
  return <NotifyToggle optIn={optIn} what="a bisect" />;
}
