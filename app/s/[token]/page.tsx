import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { SharedSession } from '@/components/share/SharedSession';
import { shareMetadata } from '@/server/shares/metadata';
import { shareServiceOf } from '@/server/shares/runtime';
import { isShareNotFound } from '@/server/shares/service';
import { getRuntime } from '@/server/runtime';

export const dynamic = 'force-dynamic';

/** The shared view, once per request (metadata and page); null for unknown, revoked and expired tokens alike. */
const loadShared = cache(async (token: string) => {
  const rt = await getRuntime();
  try {
    return await shareServiceOf(rt).view(token, (id) => rt.sessions.isRunning(id));
  } catch (error) {
    if (isShareNotFound(error)) return null;
    throw error;
  }
});

export async function generateMetadata({ params }: { params: Promise<{ token: string }> }): Promise<Metadata> {
  const { token } = await params;
  const view = await loadShared(token);
  if (!view) return { title: 'Not found', robots: { index: false, follow: false } };
  return shareMetadata(view);
}

/** A session shared by link: the owner's page without any control, live while the session runs. */
export default async function SharedSessionPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!(await loadShared(token))) notFound();
  return <SharedSession token={token} />;
}
