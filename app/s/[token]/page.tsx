import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { SharedSession } from '@/components/share/SharedSession';
import { shareMetadata } from '@/server/shares/metadata';
import { loadSharePage, SHARE_LOOKUPS_LIMITED_MESSAGE } from '@/server/shares/page';

export const dynamic = 'force-dynamic';

/** The shared view, once per request (metadata and page), counted toward the client's share-lookup limit once. */
const loadShared = cache(async (token: string) => loadSharePage(token, await headers()));

export async function generateMetadata({ params }: { params: Promise<{ token: string }> }): Promise<Metadata> {
  const { token } = await params;
  const load = await loadShared(token);
  if (load.kind === 'limited') return { title: 'Too many requests', robots: { index: false, follow: false } };
  if (load.kind === 'notFound') return { title: 'Not found', robots: { index: false, follow: false } };
  return shareMetadata(load.view);
}

/**
 * A session shared by link: the owner's page without any control, live while
 * the session runs. Over the lookup limit it says so (App Router pages cannot
 * answer 429; the share routes and API do).
 */
export default async function SharedSessionPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const load = await loadShared(token);
  if (load.kind === 'limited') {
    return (
      <p role="alert" data-testid="share-rate-limited">
        {SHARE_LOOKUPS_LIMITED_MESSAGE}
      </p>
    );
  }
  if (load.kind === 'notFound') notFound();
  return <SharedSession token={token} />;
}
