import { connectSsh, type SshConnection, type SshTarget } from '../engine/ssh/connection';
import { SshError, type SshErrorCode } from '../engine/ssh/errors';
import { InfraError } from '../engine/types';

/** Result of "test connection". `fingerprint` is set whenever the server's key was seen (also on host key errors). */
export interface ProbeResult {
  ok: boolean;
  fingerprint: string | null;
  /** `uname -r` of the host. */
  kernel: string | null;
  /** Wall time of connect + command, in milliseconds. */
  ms: number;
  error?: string;
  code?: SshErrorCode;
  /** For HOST_KEY_CHANGED: the fingerprints known for the host. */
  expectedFingerprints?: string[];
}

/** Connects, runs `uname -r`, disconnects. Never throws. */
export async function probe(target: SshTarget, options: { timeoutMs?: number } = {}): Promise<ProbeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let conn: SshConnection | undefined;
  try {
    conn = await connectSsh(target);
    const channel = await conn.exec('uname -r');
    const chunks: Buffer[] = [];
    let code: number | null = null;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new SshError('TIMEOUT', 'uname -r did not finish in time')),
        options.timeoutMs ?? 15_000,
      );
      const off = (conn as SshConnection).onLost((err) => {
        clearTimeout(t);
        reject(err);
      });
      channel.on('data', (c: Buffer) => chunks.push(c));
      channel.stderr.resume();
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => {
        clearTimeout(t);
        off();
        resolve();
      });
    });
    if (code !== 0) throw new InfraError(`uname -r failed on the host (exit ${String(code)})`);
    return { ok: true, fingerprint: conn.fingerprint, kernel: Buffer.concat(chunks).toString('utf8').trim(), ms: ms() };
  } catch (err) {
    const e = err as Error;
    const result: ProbeResult = {
      ok: false,
      fingerprint: err instanceof SshError ? (err.fingerprint ?? conn?.fingerprint ?? null) : (conn?.fingerprint ?? null),
      kernel: null,
      ms: ms(),
      error: e.message,
    };
    if (err instanceof SshError) {
      result.code = err.code;
      if (err.expectedFingerprints) result.expectedFingerprints = err.expectedFingerprints;
    }
    return result;
  } finally {
    conn?.close();
  }
}
