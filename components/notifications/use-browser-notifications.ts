'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { usePersistentFlag } from '@/components/logs/use-persistent-flag';
import { noteFor, type WatchedSession } from './notify-rules';

const FLAG = 'bisect.notifications';

export type Permission = NotificationPermission | 'unsupported';

/** The opt-in (kept in localStorage) and the browser's permission; `enable` asks for permission first. */
export function useNotificationOptIn() {
  const [on, setOn] = usePersistentFlag(FLAG, false);
  const [permission, setPermission] = useState<Permission>('default');
  useEffect(() => setPermission(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission), []);
  const enable = useCallback(async () => {
    if (typeof Notification === 'undefined') return;
    const answer = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    setPermission(answer);
    setOn(answer === 'granted');
  }, [setOn]);
  return { on: on && permission === 'granted', permission, enable, disable: () => setOn(false) };
}

/**
 * Shows a notification when one of `sessions` goes from running to done,
 * failed or an infrastructure pause while this page watches it. Statuses seen
 * at first render only set the baseline: opening a finished session says nothing.
 */
export function useStatusNotifications(sessions: readonly WatchedSession[] | undefined, enabled: boolean, href: (id: string) => string): void {
  const seen = useRef(new Map<string, WatchedSession['status']>());
  useEffect(() => {
    if (!sessions) return;
    for (const s of sessions) {
      const note = noteFor(seen.current.get(s.id), s);
      seen.current.set(s.id, s.status);
      if (!note || !enabled || typeof Notification === 'undefined') continue;
      const n = new Notification(note.title, { body: note.body, tag: `bisect-${s.id}` });
      n.onclick = () => {
        window.focus();
        window.location.assign(href(s.id));
      };
    }
  }, [sessions, enabled, href]);
}
