import { describe, expect, it } from 'vitest';
import { hostNamesInRecipe, makeRedactor, redactJson } from './redact';

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
