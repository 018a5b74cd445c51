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

export default defineConfig({
  testDir: './e2e',
  projects: [
    { name: 'sign-in', testMatch: /auth\.setup\.ts$/ },
    { name: 'e2e', testMatch: '**/*.spec.ts', dependencies: ['sign-in'], use: { storageState: STORAGE_STATE } },
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
  webServer: {
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
    stdout: 'pipe',
  },
});
