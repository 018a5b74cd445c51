'use client';
import type { useNotificationOptIn } from './use-browser-notifications';
import './notifications.css';

/** The opt-in for browser notifications, with the browser's answer when it refused. */
export function NotifyToggle({ optIn, what }: { optIn: ReturnType<typeof useNotificationOptIn>; what: string }) {
  if (optIn.permission === 'unsupported') return null;
  return (
    <label className="checkbox notify-toggle" title="Shown while this page is open">
      <input
        type="checkbox"
        data-testid="notify-toggle"
        checked={optIn.on}
        onChange={(e) => (e.target.checked ? void optIn.enable() : optIn.disable())}
      />{' '}
      Notify me when {what} ends, fails or pauses on an infrastructure error
      {optIn.permission === 'denied' && <span className="muted"> (blocked in this browser's site settings)</span>}
    </label>
  );
}
