import type { NextConfig } from 'next';

const dev = process.env.NODE_ENV !== 'production';

/**
 * No eval in production; inline scripts stay allowed for Next's bootstrap.
 * Nothing may frame the app, and everything loads from this origin only.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const nextConfig: NextConfig = {
  // Native or WASM server packages are loaded by Node, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'ssh2', 'cpu-features', 'pg'],
  // Several checkouts of the work (tests, parallel builds) can keep separate build dirs.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: contentSecurityPolicy },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          // Share links carry their token in the URL: never leak it to other sites.
          { key: 'Referrer-Policy', value: 'no-referrer' },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
