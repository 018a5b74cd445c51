import { WebhooksSettings } from '@/components/notifications/WebhooksSettings';

export default function NotificationsPage() {
  return (
    <>
      <h1>Notifications</h1>
      <p className="muted">
        Webhooks are told when a session you can see finishes, fails or pauses on an infrastructure error. For browser notifications, tick
        “Notify me” on the sessions list or a session page.
      </p>
      <WebhooksSettings />
    </>
  );
}
