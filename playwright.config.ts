import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

const port = Number(process.env.E2E_PORT ?? 3210);
const dataDir = process.env.E2E_DATA_DIR ?? path.join(os.tmpdir(), `bisect-e2e-${process.pid}`);
/** The admin password the test server starts with; e2e/auth.setup.ts signs in with it. */
export const E2E_PASSWORD = 'e2e admin password';
/** Per port, so runs side by side (separate E2E_PORTs) keep their own sign-in and results. */
export const STORAGE_STATE = path.join(os.tmpdir(), `bisect-e2e-auth-${port}.json`);
const outputDir = port === 3210 ? 'test-results' : path.join('test-results', `port-${port}`);

/**
 * E2E_RUNNERS=1 (with TEST_DATABASE_URL, under scripts/pg-temp.sh): the web server with ENGINE=off and
 * one runner process on PostgreSQL, and only the specs made for that (e2e/runners/*.spec.ts).
 */
const runnersMode = process.env.E2E_RUNNERS === '1';

const webServer = {
  command: `rm -rf ${dataDir} && node scripts/start.mjs`,
  url: `http://127.0.0.1:${port}/`,
  reuseExistingServer: false,
  timeout: 60_000,
  env: {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? '.next',
    DASHBOARD_PASSWORD: E2E_PASSWORD,
  },
  stdout: 'pipe' as const,
};

export default defineConfig({
  testDir: './e2e',
  projects: [
    { name: 'sign-in', testMatch: /auth\.setup\.ts$/ },
    runnersMode
      ? { name: 'e2e-runners', testMatch: 'runners/*.spec.ts', dependencies: ['sign-in'], use: { storageState: STORAGE_STATE } }
      : { name: 'e2e', testMatch: '**/*.spec.ts', testIgnore: 'runners/**', dependencies: ['sign-in'], use: { storageState: STORAGE_STATE } },
  ],
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: 1,
  timeout: 120_000,
  reporter: [['list']],
  outputDir,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: runnersMode
    ? [
        // The web server runs no session (ENGINE=off); one runner process runs them, both on PostgreSQL.
        { ...webServer, env: { ...webServer.env, ENGINE: 'off', DATABASE_URL: process.env.TEST_DATABASE_URL ?? '' } },
        {
          command: `rm -rf ${dataDir}-runner && node --import tsx server/runner.ts`,
          wait: { stdout: /runner: ready/ },
          reuseExistingServer: false,
          timeout: 60_000,
          env: { DATA_DIR: `${dataDir}-runner`, DATABASE_URL: process.env.TEST_DATABASE_URL ?? '', RUNNER_NAME: 'e2e-runner', RUNNER_LEASE_SEC: '5' },
          stdout: 'pipe' as const,
        },
      ]
    : webServer,
});
