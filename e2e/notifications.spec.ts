import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';

/**
 * Settings → Notifications against a real HTTP receiver started here: the
 * dashboard (a separate process) posts the test message to it, and the page's
 * delivery log shows the receiver's answer.
 */
let server: Server;
let url: string;
const bodies: Array<{ body: string; signature: string }> = [];
test.beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-bisect-signature']) });
      res.writeHead(202).end('accepted');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
test.afterAll(() => {
  server?.closeAllConnections();
  server?.close();
});

test('adds a webhook, sends a test, and shows the delivery with its response code', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Notifications' }).click();
  await expect(page).toHaveURL(/\/settings\/notifications$/);
  const form = page.getByRole('form', { name: 'new webhook' });
  await form.getByLabel('URL').fill('ftp://nope.example');
  await form.getByLabel('Name').fill('e2e receiver');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(form.getByRole('alert')).toContainText('http:// or https://');

  await form.getByLabel('URL').fill(url);
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const secret = (await page.getByTestId('new-webhook-secret').locator('code').first().textContent()) ?? '';
  expect(secret.length).toBeGreaterThanOrEqual(16);

  const row = page.getByTestId('webhook-row').filter({ hasText: 'e2e receiver' });
  await row.getByRole('button', { name: 'Send test' }).click();
  const delivery = row.getByTestId('delivery-row').first();
  await expect(delivery).toHaveAttribute('data-status', 'delivered', { timeout: 10_000 });
  await expect(delivery.getByTestId('delivery-attempt')).toContainText('202');
  expect(bodies).toHaveLength(1);
  expect(bodies[0]?.signature).toBe(`sha256=${createHmac('sha256', secret).update(bodies[0]?.body ?? '').digest('hex')}`);
  expect(JSON.parse(bodies[0]?.body ?? '{}')).toMatchObject({ event: 'test', session: null });

  // The secret is never shown again.
  await page.reload();
  await expect(page.getByText(secret)).toHaveCount(0);
});
