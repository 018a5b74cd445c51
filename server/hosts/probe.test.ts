import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshTarget } from '../engine/ssh/connection';
import { startSshd, type TestHost } from '../engine/testing/sshd';
import { testTarget } from '../engine/testing/test-hosts';
import { probe } from './probe';

let host: TestHost;

beforeAll(async () => {
  host = await startSshd();
});

afterAll(async () => {
  await host?.dispose();
});

function target(over: Partial<SshTarget> = {}): SshTarget {
  return testTarget(host, { readyTimeoutMs: 5000, keepaliveIntervalMs: 1000, ...over });
}

describe('probe', () => {
  it('reports fingerprint, kernel and time', async () => {
    const r = await probe(target());
    expect(r).toMatchObject({ ok: true, fingerprint: host.fingerprint, kernel: os.release() });
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  it('returns the fingerprint of an unknown host so the UI can offer to pin it', async () => {
    const r = await probe(target({ pinnedKeys: [] }));
    expect(r).toMatchObject({ ok: false, code: 'HOST_KEY_UNKNOWN', fingerprint: host.fingerprint, kernel: null });
    expect(r.error).toContain(host.fingerprint);
  });
});
