import type { SessionStatus } from '@/db/schema';

/** What a watched session's status change is worth telling someone about, or null. */
export interface StatusNote {
  title: string;
  body: string;
}

export interface WatchedSession {
  id: string;
  title: string;
  status: SessionStatus;
  error: string | null;
}

/**
 * The browser-notification rule: a session seen running that is now done,
 * failed, or paused with a reason (an infrastructure error; a person's pause
 * has none). Cancelled sessions were stopped by someone who knows.
 */
export function noteFor(before: SessionStatus | undefined, now: WatchedSession): StatusNote | null {
  if (before !== 'running' || now.status === 'running') return null;
  switch (now.status) {
    case 'done':
      return { title: `Bisect finished: ${now.title}`, body: 'The bisect ended: open it for the culprit.' };
    case 'failed':
      return { title: `Bisect failed: ${now.title}`, body: now.error ?? 'The session failed.' };
    case 'paused':
      return now.error ? { title: `Bisect paused: ${now.title}`, body: now.error } : null;
    case 'cancelled':
      return null;
  }
}
