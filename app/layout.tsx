import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavAuth } from '@/components/auth/NavAuth';
import { Providers } from '@/components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: 'Bisect Dashboard',
  description: 'Run Linux kernel git bisect sessions from the browser',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <nav className="topnav">
            <Link href="/" className="brand">
              Bisect Dashboard
            </Link>
            <Link href="/">Sessions</Link>
            <Link href="/new">New bisect</Link>
            <Link href="/hosts">Hosts</Link>
            <Link href="/runners">Runners</Link>
            <span className="topnav-spacer" />
            <NavAuth />
          </nav>
          <main className="main">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
