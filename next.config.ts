import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native or WASM server packages are loaded by Node, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'ssh2', 'cpu-features', 'pg'],
  // Several checkouts of the work (tests, parallel builds) can keep separate build dirs.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
