import { getRuntime } from './runtime';

const installedKey = Symbol.for('bisect-dashboard.signals');

/**
 * Boots the runtime at server start and stops it cleanly on SIGTERM/SIGINT:
 * running sessions are cancelled (process trees killed), their ends stored,
 * and the database closed. Needs NEXT_MANUAL_SIG_HANDLE=true (scripts/start.mjs).
 */
export async function startServer(): Promise<void> {
  const rt = await getRuntime();
  console.log(`bisect dashboard: data in ${rt.config.dataDir} (${rt.db.kind})`);
  const g = globalThis as { [installedKey]?: boolean };
  if (g[installedKey]) return;
  g[installedKey] = true;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`bisect dashboard: ${signal}, stopping sessions and closing the database`);
    const force = setTimeout(() => process.exit(1), 15_000);
    void rt
      .shutdown()
      .catch((error: unknown) => console.error('shutdown failed:', error))
      .finally(() => {
        clearTimeout(force);
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
