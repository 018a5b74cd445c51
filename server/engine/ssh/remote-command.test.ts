import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recipeSchema } from '../recipe';
import { buildKillCommand, buildReapCommand, buildRemoteCommand, parseProcessGroupLine, pgidMarker } from './remote-command';

const nonce = 'abc123';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'remote-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Runs the wrapper with a real /bin/sh in a new session, as sshd runs it
 * through the login shell. Without setsid the shell would inherit the test
 * runner's group, which is 1 when the runner is a container's init (as in CI).
 */
function runLocally(cmd: { script: string; stdin: string }, stdin = cmd.stdin) {
  return spawnSync('setsid', ['--wait', '/bin/sh', '-c', cmd.script], { encoding: 'utf8', input: stdin });
}

describe('buildRemoteCommand', () => {
  it('prints the process group first, then execs argv verbatim in cwd with env', () => {
    const weird = "it's $HOME `x` \"q\"\nline2";
    const secret = "v'al ue $(touch pwned) `x`\nline 2 ünï";
    const cmd = buildRemoteCommand(
      { argv: ['sh', '-c', 'printf "%s|%s|%s|%s" "$1" "$PWD" "$MY_VAR" "$OTHER"', 'sh', weird], cwd: tmp, env: { MY_VAR: secret, OTHER: '' } },
      nonce,
    );
    // Environment values travel on stdin, never on the command line (which `ps` shows).
    expect(cmd.script).not.toContain('al ue');
    const r = runLocally(cmd);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${weird}|${tmp}|${secret}|`);
    expect(existsSync(path.join(tmp, 'pwned'))).toBe(false);
    const first = r.stderr.split('\n')[0] ?? '';
    const info = parseProcessGroupLine(first, nonce);
    expect(info).not.toBeNull();
    expect(info!.pgid).toBeGreaterThan(1);
  });

  it('a cut-off environment is refused with its own marker and exit 125, and the command never runs', () => {
    const cmd = buildRemoteCommand({ argv: ['sh', '-c', 'echo ran'], env: { A: '1', B: '2' } }, nonce);
    const cut = cmd.stdin.slice(0, cmd.stdin.indexOf('\n') + 1); // only "export A='1'"
    const r = runLocally(cmd, cut);
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`@@bisect-env-${nonce}@@`);
    expect(buildRemoteCommand({ argv: ['true'] }, nonce).stdin).toBe('');
  });

  it('reports a missing cwd with its own marker and exit 126', () => {
    const r = runLocally(buildRemoteCommand({ argv: ['true'], cwd: path.join(tmp, 'nope') }, nonce));
    expect(r.status).toBe(126);
    expect(r.stderr).toContain(`@@bisect-cwd-${nonce}@@`);
  });

  it('refuses bad env names and empty argv', () => {
    expect(() => buildRemoteCommand({ argv: ['true'], env: { 'A B': 'x' } }, nonce)).toThrow(/invalid environment/);
    // Our own completeness flag cannot be forged, and names the remote shell refuses are refused here.
    expect(() => buildRemoteCommand({ argv: ['true'], env: { __bisect_env_ok: '1' } }, nonce)).toThrow(/reserved/);
    expect(() => buildRemoteCommand({ argv: ['true'], env: { UID: '0' } }, nonce)).toThrow(/read-only/);
    expect(() => buildRemoteCommand({ argv: [] }, nonce)).toThrow(/empty/);
  });
});

describe('recipe variables for scripts on hosts', () => {
  const remote = { name: 'test', kind: 'script', on: 'guest', run: 'make test' } as const;
  it('names a remote shell cannot take are refused when the recipe is read, with the variable named', () => {
    const r = recipeSchema.safeParse({ phases: [remote], env: { UID: '0', FINE: 'x' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['env.UID', expect.stringMatching(/read-only/)]]);
  });
  it('local-only recipes keep them (no shell sits in between)', () => {
    expect(recipeSchema.safeParse({ phases: [{ ...remote, on: 'local' }], env: { UID: '0' } }).success).toBe(true);
  });
});

describe('process group marker and kill command', () => {
  it('parses only well-formed markers with ids > 1', () => {
    expect(parseProcessGroupLine(`${pgidMarker(nonce)} 123 123`, nonce)).toEqual({ pgid: 123, sid: 123 });
    expect(parseProcessGroupLine(`${pgidMarker(nonce)} 1 1`, nonce)).toBeNull();
    expect(parseProcessGroupLine(`${pgidMarker('other')} 123 123`, nonce)).toBeNull();
    expect(parseProcessGroupLine(`${pgidMarker(nonce)} 12x 123`, nonce)).toBeNull();
  });

  it('builds a kill command that never targets groups ≤ 1', () => {
    expect(buildKillCommand({ pgid: 50, sid: 50 })).toBe('kill -s KILL -- -50 2>/dev/null; pkill -KILL -s 50 2>/dev/null; exit 0');
    expect(buildKillCommand({ pgid: 50, sid: 40 })).toBe('kill -s KILL -- -50 2>/dev/null; exit 0');
    expect(() => buildKillCommand({ pgid: 1, sid: 1 })).toThrow();
  });

  it('the kill command works in dash', () => {
    expect(execFileSync('/bin/sh', ['-c', buildKillCommand({ pgid: 999_999, sid: 999_999 })]).toString()).toBe('');
  });
});

describe('reap command', () => {
  it("kills a group only while its leader carries the session's environment", async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { PATH: '/usr/bin:/bin', BISECT_SESSION: 'sess-1' } as Record<string, string> as NodeJS.ProcessEnv });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const pgid = child.pid as number;
    expect(execFileSync('/bin/sh', ['-c', buildReapCommand(pgid, 'sess-2')]).toString()).toBe('');
    expect(child.exitCode).toBeNull();
    expect(execFileSync('/bin/sh', ['-c', buildReapCommand(pgid, 'sess-1')]).toString()).toBe('reaped\n');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('refuses groups ≤ 1 and session ids that could break out of the script', () => {
    expect(() => buildReapCommand(1, 'sess')).toThrow();
    expect(() => buildReapCommand(50, "x'; reboot; '")).toThrow();
  });
});
