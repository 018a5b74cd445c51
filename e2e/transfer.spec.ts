import { expect, test, type APIRequestContext } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../server/engine/testing/repo';
import { startSshd, startTcpProxy, type TcpProxy, type TestHost } from '../server/engine/testing/sshd';
import { SessionPage } from './pages/session-page';
import { TransferCharts } from './pages/transfer-charts';

/**
 * A session whose recipe copies a payload to a real sshd test host (loopback):
 * the live throughput graph grows in Chromium while copies run, the per-step
 * bars and the per-session chart fill in, and a link that hangs mid-copy shows
 * up as a stall in the graph and a bad verdict.
 */

let sshd: TestHost;
let proxy: TcpProxy;
let tmp: string;
let repoDir: string;

test.beforeAll(async () => {
  sshd = await startSshd();
  proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: sshd.port } });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-transfer-'));
  repoDir = path.join(tmp, 'repo');
  // 12 commits, the bug (file BUG) from commit 8 on: a few steps.
  await generateRepo({ dir: repoDir, commits: 12, culprit: 8, tags: { base: 0 } });
});

test.afterAll(async () => {
  await proxy?.close();
  await sshd?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function call<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const res = await request.post(`/api/trpc/${procedure}`, { data: { json: input } });
  const body = (await res.json()) as { result?: { data?: { json?: T } }; error?: { json?: { message?: string } } };
  if (!res.ok() || !body.result) throw new Error(`${procedure}: ${res.status()} ${body.error?.json?.message ?? JSON.stringify(body)}`);
  return body.result.data?.json as T;
}

async function addHost(request: APIRequestContext, name: string, port: number): Promise<void> {
  await call(request, 'hosts.create', {
    name,
    address: '127.0.0.1',
    port,
    user: 'root',
    identityFile: sshd.clientKey,
    hostKeyPolicy: 'accept-new',
  });
}

test('the live throughput graph grows while copies run; bars and the session chart fill in', async ({ page, request }) => {
  await addHost(request, 'guest', sshd.port);
  const { id } = await call<{ id: string }>(request, 'sessions.create', {
    repoPath: repoDir,
    bad: 'main',
    good: ['base'],
    title: 'transfer e2e',
    recipe: {
      phases: [
        { name: 'copy', kind: 'transfer', on: 'guest', copies: 3, bytes: 1024 * 1024 * 1024, stallSec: 10 },
        { name: 'test', kind: 'script', run: 'test ! -e BUG' },
      ],
    },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  const charts = new TransferCharts(page);

  // Live: the graph of the running copy gains points while we watch.
  await expect(charts.live).toBeVisible({ timeout: 60_000 });
  await expect.poll(async () => (await charts.livePoints()).points, { timeout: 30_000 }).toBeGreaterThan(2);
  const first = await charts.livePoints();
  await expect
    .poll(
      async () => {
        const now = await charts.livePoints();
        return now.copy > first.copy || now.points > first.points + 3;
      },
      { timeout: 30_000, intervals: [250] },
    )
    .toBe(true);
  // Earlier copies of the step stay behind the current one.
  await expect.poll(async () => charts.liveLines().count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: 'test-results/transfer-live.png', fullPage: true });

  await session.waitForStatus('done', 180_000);
  await expect(session.culpritSubject).toBeVisible();
  // Per-session chart: every copy of every step.
  const steps = await session.stepRows.count();
  await expect(charts.session).toHaveAttribute('data-points', String(steps * 3));
  // Per-step bars of the selected (last) step: three finished copies.
  await expect(charts.bars).toHaveAttribute('data-bars', '3');
  await expect(page.getByTestId('phase-log')).toBeVisible();
  await page.getByTestId('phase-row').first().getByRole('button').click();
  await expect(page.getByTestId('phase-log')).toContainText(/copy 3\/3: 1024 MiB in [\d.]+ s, [\d.]+ MB\/s/);
  await page.screenshot({ path: 'test-results/transfer-done.png', fullPage: true });
});

test('a link that hangs mid-copy shows as a stall in the graph and the commit is judged bad', async ({ page, request }) => {
  await addHost(request, 'flaky', proxy.port);
  const { id } = await call<{ id: string }>(request, 'sessions.create', {
    repoPath: repoDir,
    bad: 'main',
    good: ['base'],
    title: 'transfer stall e2e',
    recipe: { phases: [{ name: 'copy', kind: 'transfer', on: 'flaky', copies: 4, bytes: 2 * 1024 * 1024 * 1024, stallSec: 2 }] },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  const charts = new TransferCharts(page);
  // Let copy 2 run a moment, then the link hangs.
  await expect.poll(async () => charts.livePoints(), { timeout: 60_000, intervals: [200] }).toMatchObject({ copy: 2 });
  await expect.poll(async () => (await charts.livePoints()).points, { timeout: 30_000, intervals: [100] }).toBeGreaterThan(3);
  proxy.pause();
  await expect(charts.live).toHaveAttribute('data-state', 'stalled', { timeout: 10_000 });
  proxy.resume();
  // Stop here: the stalled step is what this test is about.
  await call(request, 'sessions.cancel', { id });
  await session.waitForStatus('cancelled', 30_000);
  const stalledStep = session.stepRows.and(page.locator('[data-verdict="bad"]')).first();
  await stalledStep.getByRole('button').first().click();
  await expect(charts.live).toHaveAttribute('data-state', 'stalled');
  await expect(charts.live.getByText(/stalled at [\d.]+ [MG]iB/).first()).toBeVisible();
  await expect(page.getByTestId('step-detail')).toContainText(/copy 2\/4 stalled at [\d.]+ [MG]iB after 2 s without progress/);
  await expect(charts.bars).toHaveAttribute('data-bars', '2');
  await expect(charts.bars.locator('path[data-outcome="stalled"], [data-outcome="stalled"]')).not.toHaveCount(0);
  await page.screenshot({ path: 'test-results/transfer-stall.png', fullPage: true });
});
