import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSpec, ExecEvent, ExitStatus } from '../types';
import { InfraError } from '../types';
import { connectSsh, type SshTarget } from '../ssh/connection';
import { SshError } from '../ssh/errors';
import { startSshd, startTcpProxy, type TcpProxy, type TestHost } from '../testing/sshd';
import { testTarget } from '../testing/test-hosts';
import { SshExecutor } from './ssh';

const execFileP = promisify(execFile);

let host: TestHost;
const executors: SshExecutor[] = [];

beforeAll(async () => {
  host = await startSshd();
});

afterAll(async () => {
  for (const e of executors) e.close();
  await host?.dispose();
});

function target(over: Partial<SshTarget> = {}): SshTarget {
  return testTarget(host, { readyTimeoutMs: 5000, keepaliveIntervalMs: 1000, ...over });
}

function executor(over: Partial<SshTarget> = {}): SshExecutor {
  const e = new SshExecutor(target(over));
  executors.push(e);
  return e;
}

interface Collected {
  stdout: string[];
  stderr: string[];
  status: ExitStatus | undefined;
  events: ExecEvent[];
}

async function collect(
  exec: SshExecutor,
  cmd: Partial<CommandSpec> & { argv: string[] },
  signal = new AbortController().signal,
  onEvent?: (e: ExecEvent) => void | Promise<void>,
): Promise<Collected> {
  const out: Collected = { stdout: [], stderr: [], status: undefined, events: [] };
  for await (const ev of exec.run({ timeoutMs: 20_000, ...cmd }, signal)) {
    out.events.push(ev);
    if (ev.type === 'output') out[ev.stream].push(...ev.lines);
    else out.status = ev.status;
    await onEvent?.(ev);
  }
  return out;
}

/** A unique token to find our remote test processes with `pgrep -f` (sleep adds its args up). */
function marker(): string {
  return `0.${randomInt(100_000_000, 999_999_999)}`;
}

async function remainingProcesses(mark: string): Promise<string[]> {
  try {
    const { stdout } = await execFileP('pgrep', ['-af', mark.replace('.', '\\.')]);
    return stdout.split('\n').filter(Boolean);
  } catch (err) {
    if ((err as { code?: number }).code === 1) return []; // nothing matched
    throw err;
  }
}

describe('SshExecutor', () => {
  it('streams stdout and stderr as lines, strips the process-group line, keeps a last partial line', async () => {
    const r = await collect(executor(), {
      argv: ['sh', '-c', 'for i in 1 2 3; do echo out$i; echo err$i >&2; done; printf partial'],
    });
    expect(r.stdout).toEqual(['out1', 'out2', 'out3', 'partial']);
    expect(r.stderr).toEqual(['err1', 'err2', 'err3']);
    expect(r.status).toEqual({ kind: 'exited', code: 0 });
    expect(r.events.at(-1)?.type).toBe('exit');
  });

  it('reports exit codes and signals', async () => {
    const exec = executor();
    for (const code of [0, 1, 125]) {
      const r = await collect(exec, { argv: ['sh', '-c', `exit ${code}`] });
      expect(r.status).toEqual({ kind: 'exited', code });
    }
    const r = await collect(exec, { argv: ['sh', '-c', 'kill -TERM $$'] });
    expect(r.status).toEqual({ kind: 'signaled', signal: 'SIGTERM' });
    const missing = await collect(exec, { argv: ['/no/such/program'] });
    expect(missing.status).toEqual({ kind: 'exited', code: 127 });
    const stdinIsEmpty = await collect(exec, { argv: ['cat'], timeoutMs: 5000 });
    expect(stdinIsEmpty.status).toEqual({ kind: 'exited', code: 0 });
  });

  it('passes argv verbatim, with cwd and env', async () => {
    const tricky = `it's "quoted" $HOME \`id\` ; rm -rf /`;
    const r = await collect(executor(), {
      argv: ['sh', '-c', 'printf "%s\\n" "$1" "$PWD" "$GREETING"', 'sh', tricky],
      cwd: '/tmp',
      env: { GREETING: "hello 'world'" },
    });
    expect(r.stdout).toEqual([tricky, '/tmp', "hello 'world'"]);
  });

  it('sends the environment over the channel: a secret is in no command line sent to the host', async () => {
    const secret = `sekrit-${marker()}`;
    // Every command line the host is asked to run (what its `ps` can show while the wrapper starts).
    const commandLines: string[] = [];
    const exec = new SshExecutor(target(), {
      connect: async (t) => {
        const conn = await connectSsh(t);
        const exec = conn.exec.bind(conn);
        conn.exec = (command: string) => {
          commandLines.push(command);
          return exec(command);
        };
        return conn;
      },
    });
    executors.push(exec);
    let seenInPs: string[] = ['not checked'];
    const r = await collect(
      exec,
      { argv: ['sh', '-c', 'echo started; sleep 1; printf "%s\\n" "$TOKEN"'], env: { TOKEN: secret, BISECT_SESSION: 's1' } },
      undefined,
      async (e) => {
        if (e.type === 'output' && e.lines.includes('started')) seenInPs = await remainingProcesses(secret.slice('sekrit-'.length));
      },
    );
    expect(r.stdout).toEqual(['started', secret]);
    expect(commandLines).toHaveLength(1);
    expect(commandLines[0]).not.toContain(secret);
    expect(seenInPs).toEqual([]);
  });

  it('throws InfraError for a missing remote cwd', async () => {
    await expect(collect(executor(), { argv: ['true'], cwd: '/no/such/dir' })).rejects.toBeInstanceOf(InfraError);
  });

  it('delivers large output completely and in order under backpressure', async () => {
    let slow = 5;
    const r = await collect(executor(), { argv: ['seq', '1', '200000'] }, undefined, async () => {
      if (slow-- > 0) await new Promise((res) => setTimeout(res, 100));
    });
    expect(r.stdout.length).toBe(200_000);
    expect(r.stdout[0]).toBe('1');
    expect(r.stdout[199_999]).toBe('200000');
    expect(r.events.every((e) => e.type !== 'output' || e.lines.length <= 1000)).toBe(true);
  });

  it('honours backpressure: a stalled consumer blocks the remote writer', async () => {
    const doneFile = `/tmp/bisect-backpressure-${marker()}`;
    let checked = false;
    const r = await collect(
      executor(),
      { argv: ['sh', '-c', `yes 0123456789012345678901234567890123456789 | head -n 500000; touch ${doneFile}`] },
      undefined,
      async () => {
        if (checked) return;
        checked = true;
        await new Promise((res) => setTimeout(res, 1500));
        expect(existsSync(doneFile)).toBe(false); // ~20 MB cannot all be buffered
      },
    );
    expect(r.stdout.length).toBe(500_000);
    expect(existsSync(doneFile)).toBe(true);
    rmSync(doneFile, { force: true });
  });

  it('on timeout kills the whole remote process group, then reports timedOut', async () => {
    const mark = marker();
    const started = Date.now();
    const r = await collect(executor(), {
      argv: ['sh', '-c', `(sleep 300 ${mark}; true) & sleep 300 ${mark}; echo never`],
      timeoutMs: 1000,
    });
    expect(r.status?.kind).toBe('timedOut');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.stdout).toEqual([]);
    expect(await remainingProcesses(mark)).toEqual([]);
  });

  it('cancels via AbortSignal and kills the remote processes', async () => {
    const mark = marker();
    const ac = new AbortController();
    const r = await collect(
      executor(),
      { argv: ['sh', '-c', `echo started; (sleep 300 ${mark}; true) & sleep 300 ${mark}`] },
      ac.signal,
      (ev) => {
        if (ev.type === 'output') ac.abort();
      },
    );
    expect(r.stdout).toEqual(['started']);
    expect(r.status).toEqual({ kind: 'cancelled' });
    expect(await remainingProcesses(mark)).toEqual([]);
  });

  it('kills the remote command when the consumer stops iterating', async () => {
    const mark = marker();
    for await (const ev of executor().run(
      { argv: ['sh', '-c', `echo started; sleep 300 ${mark}`], timeoutMs: 60_000 },
      new AbortController().signal,
    )) {
      if (ev.type === 'output') break;
    }
    expect(await remainingProcesses(mark)).toEqual([]);
  });

  it('throws CONNECTION_LOST within (count+1)·interval when the link hangs mid-command', async () => {
    const proxy: TcpProxy = await startTcpProxy({ target: { host: '127.0.0.1', port: host.port } });
    const mark = marker();
    const interval = 300;
    const count = 2;
    try {
      const exec = executor({ port: proxy.port, keepaliveIntervalMs: interval, keepaliveCountMax: count });
      let pausedAt = 0;
      const err = await collect(exec, { argv: ['sh', '-c', `echo started; sleep 30 ${mark}`] }, undefined, (ev) => {
        if (ev.type === 'output' && !pausedAt) {
          proxy.pause();
          pausedAt = Date.now();
        }
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = Date.now() - pausedAt;
      expect(err).toBeInstanceOf(SshError);
      expect((err as SshError).code).toBe('CONNECTION_LOST');
      expect(pausedAt).toBeGreaterThan(0);
      expect(elapsed).toBeLessThanOrEqual((count + 1) * interval + 500);
    } finally {
      await proxy.close();
      // The remote side cannot be reached over the dead link; clean up directly.
      await collect(executor(), { argv: ['pkill', '-f', mark.replace('.', '\\.')] });
    }
    expect(await remainingProcesses(mark)).toEqual([]);
  });

  it('reconnects for the next command after sshd was killed and restarted', async () => {
    const exec = executor();
    expect((await collect(exec, { argv: ['echo', 'before'] })).stdout).toEqual(['before']);
    const firstSocket = exec.socket;
    host.kill();
    await host.restart();
    const r = await collect(exec, { argv: ['echo', 'after'] });
    expect(r.stdout).toEqual(['after']);
    expect(exec.socket).not.toBe(firstSocket);
  });

  it('fails with CONNECTION_LOST when the host dies mid-command', async () => {
    const exec = executor();
    try {
      const err = await collect(exec, { argv: ['sh', '-c', 'echo started; sleep 30'] }, undefined, (ev) => {
        if (ev.type === 'output') host.kill();
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SshError);
      expect((err as SshError).code).toBe('CONNECTION_LOST');
    } finally {
      await host.restart();
    }
  });

  it('an abort before the command started reports cancelled without running it', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await collect(executor(), { argv: ['true'] }, ac.signal);
    expect(r.status).toEqual({ kind: 'cancelled' });
  });
});
