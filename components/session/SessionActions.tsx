'use client';
import { useEffect, useState } from 'react';
import { ReportPanel } from '@/components/share/ReportPanel';
import { SharePanel } from '@/components/share/SharePanel';
import '@/components/share/share.css';
import type { SessionDetailView } from './types';

type Open = 'share' | 'report' | null;

const storageKey = (id: string) => `bisect-share-url:${id}`;

function readRemembered(sessionId: string): { url: string; shareId: string } | null {
  try {
    const v = JSON.parse(window.sessionStorage.getItem(storageKey(sessionId)) ?? 'null') as unknown;
    return v && typeof v === 'object' && 'url' in v && 'shareId' in v ? (v as { url: string; shareId: string }) : null;
  } catch {
    return null;
  }
}

/** The owner's document actions: the bisect log, the JSON export, share links and the upstream report. */
export function SessionActions({ sessionId, detail }: { sessionId: string; detail: SessionDetailView }) {
  const [open, setOpen] = useState<Open>(null);
  // The raw share URL exists only in this browser (the server keeps a hash): remember it for the report.
  const [shareUrl, setShareUrl] = useState<string | null>(null);
  useEffect(() => setShareUrl(readRemembered(sessionId)?.url ?? null), [sessionId]);
  const remember = (url: string, shareId: string) => {
    setShareUrl(url);
    window.sessionStorage.setItem(storageKey(sessionId), JSON.stringify({ url, shareId }));
  };
  const forget = (shareId: string) => {
    if (readRemembered(sessionId)?.shareId !== shareId) return;
    setShareUrl(null);
    window.sessionStorage.removeItem(storageKey(sessionId));
  };
  const toggle = (what: Exclude<Open, null>) => setOpen((o) => (o === what ? null : what));
  return (
    <>
      <div className="session-actions" data-testid="session-actions">
        <a className="btn btn-small" href={`/api/sessions/${sessionId}/bisect.log`} download>
          Download bisect.log
        </a>
        <a className="btn btn-small" href={`/api/sessions/${sessionId}/export.json`} download>
          Export JSON
        </a>
        <button type="button" className="btn btn-small" aria-expanded={open === 'share'} onClick={() => toggle('share')}>
          Share…
        </button>
        <button type="button" className="btn btn-small" aria-expanded={open === 'report'} onClick={() => toggle('report')}>
          Report
        </button>
      </div>
      {open === 'share' && <SharePanel sessionId={sessionId} onCreated={remember} onRevoked={forget} />}
      {open === 'report' && <ReportPanel sessionId={sessionId} shareUrl={shareUrl} finished={detail.session.status !== 'running'} />}
    </>
  );
}
