/**
 * A bisect runner without Next.js: the same runtime (database, engine, session
 * service) in a plain Node process. It resumes every running session at start.
 *
 *   npx tsx server/runner.ts [--exit-when-idle]
 *
 * Reads the same environment as the web server (DATA_DIR, DATABASE_URL). Do not
 * run it beside a web server on the same embedded database: PGlite has no
 * cross-process lock.
 */
import { createRuntime } from './runtime';
import { readConfig } from './env';

async function main(): Promise<void> {
  const exitWhenIdle = process.argv.includes('--exit-when-idle');
  const rt = await createRuntime({ config: readConfig() });
  console.log(`runner: ready (${rt.db.kind}, data in ${rt.config.dataDir})`);
  const stop = async (signal: string) => {
    console.log(`runner: ${signal}, interrupting sessions`);
    await rt.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (exitWhenIdle) {
    const timer = setInterval(() => {
      if (rt.sessions.runningCount() === 0) {
        clearInterval(timer);
        void rt.shutdown().then(() => {
          console.log('runner: idle, exiting');
          process.exit(0);
        });
      }
    }, 100);
  }
}

main().catch((error: unknown) => {
  console.error('runner failed:', error);
  process.exit(1);
});
