/**
 * bench/log-latency: how long a line written by a phase takes to reach a
 * Chromium page showing the session live. A phase writes RATE lines/s, each
 * carrying the time it was written; the page records when each line arrives
 * (its event-stream message) and when it is drawn in the log viewer. Prints
 * percentiles of both and p99 against the 100 ms target as a ratio, plus the
 * page's long tasks meanwhile (is it still responsive?).
 *
 * Runs the built app (`npx next build` first; NEXT_DIST_DIR picks the build)
 * on a private data directory, and Debian's Chromium (CHROMIUM_PATH).
 *
 *   npx tsx bench/log-latency.ts [--rate 10000] [--seconds 10] [--port 3271]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { generateRepo } from '../server/engine/testing/repo';
import { makeTempDir, removeDir } from '../server/engine/testing/scripts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    port: { type: 'string', default: '3271' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PORT = Number(values.port);
const PASSWORD = 'bench password';
const TARGET_P99_MS = 100;
const base = `http://127.0.0.1:${PORT}`;

/** The phase: waits for the go file, then writes RATE lines/s in 10 ms ticks, each `lat <n> <epoch ms>`. */
const WRITER = `
const fs = require('node:fs');
const [go, rate, seconds] = process.argv.slice(2);
const perTick = Math.max(1, Math.round(Number(rate) / 100));
const total = Number(rate) * Number(seconds);
const wait = setInterval(() => {
  if (!fs.existsSync(go)) return;
  clearInterval(wait);
  let n = 0;
  const t0 = performance.now();
  const tick = () => {
    // Catch up to the schedule (timers drift): lines due by now, stamped as they are written.
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * Number(rate)) + perTick);
    let out = '';
    while (n < due) out += 'lat ' + n++ + ' ' + Date.now() + '\\n';
    if (out) process.stdout.write(out);
    if (n < total) setTimeout(tick, 10);
  };
  tick();
}, 20);
`;

function startServer(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, DASHBOARD_PASSWORD: PASSWORD, NEXT_DIST_DIR: process.env.NEXT_DIST_DIR ?? '.next' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitForServer(): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    try {
      if ((await fetch(`${base}/signin`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the server did not start');
}

/**
 * Records, in the page, when each `lat` line arrives (event-stream messages)
 * and is first drawn. A string, not a function: tsx would add its helpers to a
 * function's source, which do not exist in the page.
 */
const INSTRUMENT = `
(() => {
  const w = window;
  w.__arrived = [];
  w.__seen = new Set();
  w.__replayed = 0;
  w.__drawn = new Map();
  w.__tasks = [];
  const Native = window.EventSource;
  const re = /lat (\\d+) (\\d+)/g;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      this.addEventListener('message', (e) => {
        const now = Date.now();
        // First sighting only: a re-subscription replays lines the page already has (and drops by sequence).
        for (const m of e.data.matchAll(re)) {
          if (w.__seen.has(m[1])) w.__replayed++;
          else { w.__seen.add(m[1]); w.__arrived.push(now - Number(m[2])); }
        }
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__tasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask' });
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) for (const node of r.addedNodes) {
      const m = /lat (\\d+) (\\d+)/.exec(node.textContent || '');
      if (m && !w.__drawn.has(Number(m[1]))) w.__drawn.set(Number(m[1]), now - Number(m[2]));
    }
  }).observe(document, { childList: true, subtree: true });
})();
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function main() {
  const tmp = await makeTempDir('bench-log-latency-');
  let server: ChildProcess | undefined;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const repo = path.join(tmp, 'repo');
    await generateRepo({ dir: repo, commits: 3, culprit: 2, tags: { base: 0 } });
    const writer = path.join(tmp, 'writer.cjs');
    await writeFile(writer, WRITER);
    const go = path.join(tmp, 'go');
    server = startServer(path.join(tmp, 'data'));
    await waitForServer();

    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/signin`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.addInitScript({ content: INSTRUMENT });
    const res = await page.request.post(`${base}/api/trpc/sessions.create`, {
      headers: { origin: base },
      data: {
        json: {
          repoPath: repo,
          bad: 'main',
          good: ['base'],
          title: 'log latency bench',
          checkEndpoints: false,
          recipe: { phases: [{ name: 'write', kind: 'script', run: `node ${writer} ${go} ${RATE} ${SECONDS}; test ! -e BUG`, timeoutSec: 600 }] },
        },
      },
    });
    const id = ((await res.json()) as { result: { data: { json: { id: string } } } }).result.data.json.id;
    await page.goto(`${base}/sessions/${id}`);
    await page.getByTestId('log-follow').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500); // subscribed, following
    const goAt = await page.evaluate(() => performance.now());
    await writeFile(go, '');
    const total = RATE * SECONDS;
    for (const end = Date.now() + (SECONDS + 60) * 1000; ; ) {
      const n = await page.evaluate(() => (window as unknown as { __arrived?: number[] }).__arrived?.length ?? -1);
      if (n >= total) break;
      if (Date.now() > end) throw new Error(`only ${n} of ${total} lines seen arriving`);
      await page.waitForTimeout(500);
    }
    await page.waitForTimeout(1000);
    const r = await page.evaluate(() => {
      const w = window as unknown as { __arrived: number[]; __drawn: Map<number, number>; __tasks: Array<[number, number]>; __replayed: number };
      return { arrived: w.__arrived, drawn: [...w.__drawn.values()], tasks: w.__tasks, replayed: w.__replayed };
    });
    // Long tasks while the lines stream (not the page's own start).
    const tasks = r.tasks.filter(([at]) => at >= goAt).map(([, ms]) => ms);
    const a = [...r.arrived].sort((x, y) => x - y);
    const d = [...r.drawn].sort((x, y) => x - y);
    const fmt = (s: number[]) => `p50 ${percentile(s, 0.5)} ms, p95 ${percentile(s, 0.95)} ms, p99 ${percentile(s, 0.99)} ms, max ${s.at(-1)} ms`;
    console.log(`log latency: ${total.toLocaleString('en-US')} lines written at ${RATE.toLocaleString('en-US')} lines/s for ${SECONDS} s`);
    console.log(`  reach the page (event-stream message): ${fmt(a)} (${a.length.toLocaleString('en-US')} lines)`);
    console.log(`  p99 / target ${TARGET_P99_MS} ms = ${(percentile(a, 0.99) / TARGET_P99_MS).toFixed(2)}`);
    console.log(`  drawn in the followed log view: ${fmt(d)} (${d.length.toLocaleString('en-US')} lines were drawn; rows that scrolled by between frames never are)`);
    console.log(`  page long tasks while the lines streamed: ${tasks.length}, longest ${Math.round(Math.max(0, ...tasks))} ms`);
    if (r.replayed > 0) console.log(`  lines received again (a re-subscription replayed them; the page drops them by sequence): ${r.replayed.toLocaleString('en-US')}`);
  } finally {
    await browser.close();
    server?.kill('SIGTERM');
    await new Promise((res) => (server ? server.once('exit', res) : res(null)));
    await removeDir(tmp);
  }
}

await main();
