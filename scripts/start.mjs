#!/usr/bin/env node
// Starts the built dashboard with clean shutdown: NEXT_MANUAL_SIG_HANDLE lets
// the app stop its sessions and close the database on SIGTERM/SIGINT. The
// HTTP guard (http-guard.mjs) is loaded into the server process: it tells the
// app each request's peer address and answers oversized requests with a 431.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Owner-only files from the first byte (the server sets it again when it opens DATA_DIR).
process.umask(0o077);
const require = createRequire(import.meta.url);
const nextBin = require.resolve('next/dist/bin/next');
// The one place the listen defaults are written (server/env.ts reads the same file).
const defaults = JSON.parse(readFileSync(new URL('../server/listen-defaults.json', import.meta.url), 'utf8'));
const host = process.env.HOST || defaults.host;
const port = process.env.PORT || String(defaults.port);
// `--dev`: `next dev` (npm run dev) instead of the built app.
const command = process.argv.includes('--dev') ? 'dev' : 'start';
const guard = new URL('./http-guard-preload.mjs', import.meta.url).href;
const child = spawn(process.execPath, ['--import', guard, nextBin, command, '-H', host, '-p', port], {
  stdio: 'inherit',
  env: { ...process.env, NEXT_MANUAL_SIG_HANDLE: 'true' },
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
