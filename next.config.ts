import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native or WASM server packages are loaded by Node, not bundled.
  serverExternalPackages: ['@electric-sql/pglite', 'ssh2', 'cpu-features', 'pg'],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
