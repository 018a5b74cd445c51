import { describe, expect, it } from 'vitest';
import { hostNamesInRecipe, makeRedactor, MAX_REDACTED_CHARS, redactJson } from './redact';
import { redactEvents } from './redacted-events';

const plain = makeRedactor({ hideHosts: false, hostNames: ['buildbox', 'guest1.lab'] });
const hidden = makeRedactor({ hideHosts: true, hostNames: ['buildbox', 'guest1.lab', 'local'], hostAddresses: ['guest1.example.net'] });

describe('makeRedactor: always', () => {
  it.each([
    ['ssh -i /home/me/.ssh/id_ed25519 root@10.0.0.5 true', 'ssh -i <key path> root@10.0.0.5 true'],
    ['scp -P 22 -i "./keys/deploy" bzImage guest:/boot', 'scp -P 22 -i <key path> bzImage guest:/boot'],
    ['using key ~/.ssh/id_rsa', 'using key <key path>'],
    ['key=$HOME/.ssh/config-lab/deploy_key', 'key=<key path>'],
    ['loaded /etc/keys/host.pem ok', 'loaded <key path> ok'],
    ['IdentityFile /srv/keys/lab', 'IdentityFile <key path>'],
    ['git clone https://alice:s3cr3t@git.example.com/linux.git', 'git clone https://alice:<redacted>@git.example.com/linux.git'],
    ['export PASSWORD=hunter2; API_KEY: "abc123"', 'export PASSWORD=<redacted>; API_KEY: "<redacted>"'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----', '<private key>'],
  ])('%s', (input, output) => {
    expect(plain.text(input)).toBe(output);
  });

  it('leaves ordinary output alone', () => {
    for (const line of [
      'CC      drivers/virtio/virtio_ring.o',
      '[    1.234567] virtio_net virtio0: probe failed',
      'sed -i s/a/b/ Makefile',
      'Linux version 5.14.0-rc1+ (gcc 12.2.0) #1 SMP',
      'commit 8d622d21d24803408b256d96463eac4574dcf067',
      'connected to buildbox at 10.0.0.5',
    ]) {
      expect(plain.text(line)).toBe(line);
    }
  });
});

describe('makeRedactor: hideHosts', () => {
  it('replaces known host names by stable aliases and addresses by <address>', () => {
    expect(hidden.host('buildbox')).toBe('host-1');
    expect(hidden.host('guest1.lab')).toBe('host-2');
    expect(hidden.host('local')).toBe('local');
    expect(hidden.text('rsync bzImage buildbox:/boot && ssh guest1.lab reboot')).toBe('rsync bzImage host-1:/boot && ssh host-2 reboot');
    expect(hidden.text('resolving guest1.example.net -> 192.168.122.17')).toBe('resolving <address> -> <address>');
    expect(hidden.text('inet6 fe80::5054:ff:fe12:3456%eth0 and 2001:db8:0:0:0:0:0:1')).toBe('inet6 <address> and <address>');
    // names inside other words, versions and times are not hosts
    expect(hidden.text('mybuildbox-2 v5.10.1 at 12:34:56, [    0.000000]')).toBe('mybuildbox-2 v5.10.1 at 12:34:56, [    0.000000]');
  });

  it('leaves addresses alone when hosts are shown', () => {
    expect(plain.text('192.168.122.17 guest1.lab')).toBe('192.168.122.17 guest1.lab');
  });
});

describe('redactJson', () => {
  const recipe = {
    phases: [
      { name: 'build', kind: 'script', on: 'buildbox', run: 'make -j8 && scp -i ~/.ssh/lab bzImage guest1.lab:/boot' },
      { name: 'boot', kind: 'boot', on: 'guest1.lab', host: 'guest1.lab', identityFile: '/keys/lab', password: 'x', port: 22 },
    ],
  };

  it('drops credential keys, hides host-valued keys and cleans strings; commits untouched', () => {
    const out = redactJson(recipe, hidden);
    expect(out.phases[0]).toEqual({ name: 'build', kind: 'script', on: 'host-1', run: 'make -j8 && scp -i <key path> bzImage host-2:/boot' });
    expect(out.phases[1]).toEqual({ name: 'boot', kind: 'boot', on: 'host-2', host: 'host-2', port: 22 });
    const commit = { sha: 'abc', subject: 'buildbox: fix 10.0.0.1 handling', author: 'x' };
    expect(redactJson({ result: { kind: 'culprit', commit } }, hidden).result.commit).toBe(commit);
    const when = new Date();
    expect(redactJson({ at: when }, hidden).at).toBe(when);
  });

  it('finds the host names a recipe uses', () => {
    expect(hostNamesInRecipe(recipe).sort()).toEqual(['buildbox', 'guest1.lab']);
    expect(hostNamesInRecipe({ phases: [{ on: 'local' }] })).toEqual([]);
  });
});

describe('makeRedactor: linear time on hostile text', () => {
  const K = 64 * 1024;
  /** One 64 KiB line repeating `unit`: each of these made a quadratic pattern take seconds. */
  const line = (unit: string) => unit.repeat(Math.ceil(K / unit.length)).slice(0, K);
  const units = [
    'A', '/a', 'a-', 'a_', 'a.', '1.', '1:', 'a:', ':', '~/', '$HOME/', 'id_', 'id_rsa', '.pem', 'x.pem.', '/.ss', '/.ssh',
    'a://', '://a', 'a://b:', 'ssh ', 'ssh -i', ' -i ', 'password', 'password ', '_password', 'token=', 'IdentityFile ', 'identity file ',
    '-----BEGIN ', '-----END ', '-----BEGIN PRIVATE KEY-----', 'buildbox.', 'guest1.lab-', 'fe80::', 'fe80::1 ', 'ab:cd:', '10.0.0.', '1.1.1.1 ', '"', "'", ' ',
  ];
  const redactors = [plain, hidden];

  /** Best of two runs, in ms: the budget is about the algorithm, not a busy machine's worst moment. */
  function timeOf(lines: string[], r: typeof plain): number {
    let best = Infinity;
    for (let run = 0; run < 2; run++) {
      const t = performance.now();
      for (const l of lines) r.text(l);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  }

  it('redacts 1 MiB of mixed adversarial lines (16 × 64 KiB) in under 200 ms', () => {
    const lines = units.slice(0, 16).map(line);
    for (const r of redactors) expect(timeOf(lines, r)).toBeLessThan(200);
  });

  it.each(units)('1 MiB of %j lines in under 200 ms', (unit) => {
    const lines = Array.from({ length: 16 }, () => line(unit));
    for (const r of redactors) expect(timeOf(lines, r)).toBeLessThan(200);
  });

  it('still redacts what hides inside a huge line', () => {
    const pad = 'A'.repeat(30_000);
    const out = plain.text(`${pad} ssh -i /srv/k/lab host ${pad} PASSWORD=hunter2 ${pad}/home/u/.ssh/id_rsa ${pad}`);
    expect(out).not.toMatch(/\/srv\/k\/lab|hunter2|\.ssh|id_rsa/);
    expect(out.length).toBeGreaterThan(120_000);
  });

  it('cuts text beyond MAX_REDACTED_CHARS at whitespace, never showing half a token', () => {
    const long = `${'word '.repeat(MAX_REDACTED_CHARS / 5 - 1)}SECRETPREFIX${'x'.repeat(100)}`;
    const out = plain.text(long);
    expect(out.length).toBeLessThan(MAX_REDACTED_CHARS + 100);
    expect(out).not.toContain('SECRETPREFIX');
    expect(out).toMatch(/… \[\d+ characters not shown\]$/);
    expect(plain.text('A'.repeat(MAX_REDACTED_CHARS + 1))).toBe(`… [${MAX_REDACTED_CHARS + 1} characters not shown]`);
  });
});

describe('makeRedactor: identity files', () => {
  const withKeys = makeRedactor({ hideHosts: true, hostNames: ['lab'], keyPaths: ['/srv/keys/lab', '/opt/k'] });

  it.each([
    ['AUTH_FAILED: cannot read identity file /srv/keys/lab: ENOENT', 'AUTH_FAILED: cannot read identity file <key path>: ENOENT'],
    ['cannot load identity file /var/lib/other/key: bad passphrase', 'cannot load identity file <key path>: bad passphrase'],
    ['key /srv/keys/lab.pub and /opt/k', 'key <key path>.pub and <key path>'],
    ['identityFile="/somewhere/deploy"', 'identityFile=<key path>'],
  ])('%s', (input, output) => {
    expect(withKeys.text(input)).toBe(output);
  });

  it('leaves look-alikes and prose alone', () => {
    for (const line of ['set an identity file or use ssh-agent', '/opt/kernel/build /srv/keys/labs', 'x/opt/k']) {
      expect(withKeys.text(line)).toBe(line);
    }
  });

  it('keys the cacheable result by the options', () => {
    expect(withKeys.key).toBe(makeRedactor({ hideHosts: true, hostNames: ['lab'], keyPaths: ['/opt/k', '/srv/keys/lab'] }).key);
    expect(withKeys.key).not.toBe(makeRedactor({ hideHosts: false, hostNames: ['lab'], keyPaths: ['/opt/k', '/srv/keys/lab'] }).key);
  });
});

describe('redactEvents', () => {
  const output = (seq: number, lines: string[]) => ({ seq, payload: { type: 'output' as const, step: 1, phase: 0, stream: 'stdout' as const, lines } });
  const big = 'x'.repeat(2000);

  it('redacts each payload once per redactor and reuses it for later viewers', async () => {
    const events = [output(1, [`PASSWORD=hunter2 ${big}`]), output(2, ['ssh buildbox true'])];
    const first = await redactEvents(events, hidden, 'sess-a');
    expect(first.map((e) => e.seq)).toEqual([1, 2]);
    expect(JSON.stringify(first)).not.toContain('hunter2');
    expect(JSON.stringify(first)).toContain('ssh host-1 true');
    const again = await redactEvents(events, hidden, 'sess-a');
    expect(again[0]?.payload).toBe(first[0]?.payload);
    expect((await redactEvents(events, plain, 'sess-a'))[0]?.payload).not.toBe(first[0]?.payload);
    expect((await redactEvents(events, hidden, 'sess-b'))[0]?.payload).not.toBe(first[0]?.payload);
  });

  it('lets other work run while it redacts many megabytes', async () => {
    const events = Array.from({ length: 64 }, (_, i) => output(i + 1, Array.from({ length: 16 }, () => `${'a-'.repeat(16 * 1024)}`)));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    await redactEvents(events, plain, 'sess-big');
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(5);
  });
});
