import os from 'node:os';
import { expect, test } from '@playwright/test';
import { startSshd, type TestHost } from '../server/engine/testing/sshd';
import { HostsPage } from './pages/hosts-page';

/**
 * A real sshd on a loopback port, started here; the dashboard (a separate
 * process) connects to it with the key file the form names.
 */
let sshd: TestHost;
test.beforeAll(async () => {
  sshd = await startSshd();
});
test.afterAll(async () => {
  await sshd?.dispose();
});

test('adds a host, accepts its unknown key by fingerprint, tests the connection; a changed key is refused with both fingerprints', async ({ page }) => {
  const hosts = new HostsPage(page);
  await page.goto('/');
  await page.getByRole('link', { name: 'Hosts' }).click();
  await expect(page).toHaveURL(/\/hosts$/);

  await hosts.add({ name: 'e2e-box', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKey });
  await expect(hosts.row('e2e-box')).toContainText(`root@127.0.0.1:${sshd.port}`);

  // A bad input is explained next to its field.
  await hosts.add({ name: 'e2e-box', address: 'root@10.0.0.1' });
  await expect(page.getByTestId('host-error-address')).toContainText('put the user name in the User field');
  await hosts.form.getByLabel(/^Address/).fill('10.0.0.1');
  await hosts.form.getByRole('button', { name: 'Add host' }).click();
  await expect(page.getByTestId('host-error-name')).toContainText('a host named e2e-box already exists');
  await hosts.form.getByRole('button', { name: 'Cancel' }).click();

  // First contact: the key is unknown; its fingerprint is shown for the user to compare.
  await hosts.testConnection('e2e-box');
  const result = hosts.result('e2e-box');
  await expect(result).toHaveAttribute('data-code', 'HOST_KEY_UNKNOWN');
  await expect(result.getByTestId('host-fingerprint')).toHaveText(sshd.fingerprint);

  // Accept: the key is pinned and the connection tested again.
  await result.getByTestId('accept-key').click();
  await expect(result).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  await expect(result.getByTestId('host-fingerprint')).toHaveText(sshd.fingerprint);
  await expect(result.getByTestId('host-kernel')).toHaveText(os.release());
  await expect(result.getByTestId('host-ms')).toHaveText(/^\d+ ms$/);
  await expect(hosts.row('e2e-box')).toContainText(sshd.fingerprint);

  // The host is "reinstalled" with a new key on the same port: refused, both fingerprints shown.
  const oldFingerprint = sshd.fingerprint;
  const port = sshd.port;
  await sshd.dispose();
  sshd = await startSshd({ port });
  await page.reload();
  await hosts.row('e2e-box').getByRole('button', { name: 'Edit' }).click();
  await hosts.form.getByLabel(/^Identity file/).fill(sshd.clientKey);
  await hosts.form.getByRole('button', { name: 'Save' }).click();
  await expect(hosts.form).toHaveCount(0);
  await hosts.testConnection('e2e-box');
  await expect(result).toHaveAttribute('data-code', 'HOST_KEY_CHANGED');
  await expect(result.getByTestId('host-fingerprint')).toHaveText(sshd.fingerprint);
  await expect(result.getByTestId('host-expected-fingerprint')).toHaveText(oldFingerprint);
  await expect(result).toContainText('connection refused');
});
