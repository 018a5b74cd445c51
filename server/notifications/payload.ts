import type { Session, WebhookEvent, WebhookFormat } from '../../db/schema';
import { assertNever } from '../engine/types';
import { shortSha } from '../../lib/format';

/** What every JSON body carries (the `json` format sends exactly this). */
export interface WebhookPayload {
  event: WebhookEvent | 'test';
  deliveryId: string;
  at: string;
  session: { id: string; title: string; status: string; url: string; repoPath: string; good: string[]; bad: string } | null;
  culprit: { sha: string; subject: string; author: string } | null;
  /** The culprit's probability in flaky mode, 1 for git's exact rules, null without a culprit. */
  confidence: number | null;
  /** Why the session failed or paused (an infrastructure error), as recorded. */
  reason: string | null;
  shareUrl: string | null;
}

export interface PayloadInput {
  event: WebhookEvent | 'test';
  deliveryId: string;
  session: Session | null;
  reason: string | null;
  baseUrl: string;
  shareUrl: string | null;
  now?: Date;
}

export function buildPayload(i: PayloadInput): WebhookPayload {
  const s = i.session;
  const r = s?.result ?? null;
  const culprit = r?.kind === 'culprit' ? r : null;
  return {
    event: i.event,
    deliveryId: i.deliveryId,
    at: (i.now ?? new Date()).toISOString(),
    session: s
      ? { id: s.id, title: s.title, status: s.status, url: `${i.baseUrl}/sessions/${s.id}`, repoPath: s.repoPath, good: s.good, bad: s.bad }
      : null,
    culprit: culprit ? { sha: culprit.commit.sha, subject: culprit.commit.subject, author: culprit.commit.author } : null,
    confidence: culprit ? (culprit.probability ?? 1) : null,
    reason: i.reason,
    shareUrl: i.shareUrl,
  };
}

/** The exact bytes sent (and signed) for a payload in a format. */
export function renderBody(format: WebhookFormat, p: WebhookPayload): string {
  switch (format) {
    case 'json':
      return JSON.stringify(p);
    case 'slack':
      return JSON.stringify({ text: summaryLine(p, (url, label) => `<${url}|${label}>`) });
    case 'matrix':
      return JSON.stringify({ msgtype: 'm.text', body: summaryLine(p, (url) => url) });
    default:
      return assertNever(format);
  }
}

/** One line a person reads in a chat room: what happened, the culprit, links. */
export function summaryLine(p: WebhookPayload, link: (url: string, label: string) => string): string {
  if (p.event === 'test' || !p.session) return 'Bisect Dashboard: test notification (this webhook works)';
  const head = `Bisect "${p.session.title}" ${headline(p.event)}`;
  const culprit = p.culprit
    ? `: first bad commit ${shortSha(p.culprit.sha)} ("${p.culprit.subject}")${p.confidence !== null && p.confidence < 1 ? `, ${(p.confidence * 100).toFixed(1)}% sure` : ''}`
    : '';
  const reason = p.reason ? ` (${p.reason.slice(0, 300)})` : '';
  const links = [link(p.session.url, 'session'), ...(p.shareUrl ? [link(p.shareUrl, 'share link')] : [])].join(' ');
  return `${head}${culprit}${reason} ${links}`;
}

function headline(e: WebhookEvent): string {
  switch (e) {
    case 'done':
      return 'finished';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'was cancelled';
    case 'paused':
      return 'paused on an infrastructure error';
    default:
      return assertNever(e);
  }
}
