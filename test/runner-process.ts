import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A runner process as `npm run runner` starts one, with `env` added to this
 * process's environment. `ready` resolves when it prints `runner: ready` and
 * rejects, with its output, if it exits first.
 */
export function spawnRunner(o: { env: Record<string, string | undefined>; args?: string[]; name?: string }): { child: ChildProcess; ready: Promise<void> } {
  // `node --import tsx`, not the tsx CLI: the CLI runs the script in a child process that SIGKILL would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/runner.ts', ...(o.args ?? [])], {
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('runner: ready')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`runner${o.name ? ` ${o.name}` : ''} exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, ready };
}
