import { expect, test } from '@playwright/test';

test('security headers on pages and the API', async ({ request }) => {
  for (const url of ['/', '/api/trpc/auth.status']) {
    const res = await request.get(url);
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-eval'); // the tests run the production build
    expect(res.headers()['x-content-type-options']).toBe('nosniff');
    expect(res.headers()['referrer-policy']).toBe('no-referrer');
  }
});

test('a 12 MB paste gets a 413 with a clear message, and the server keeps working', async ({ request }) => {
  const res = await request.post('/api/trpc/sessions.import', { data: { json: { log: 'x'.repeat(12 * 1024 * 1024) } } });
  expect(res.status()).toBe(413);
  expect(JSON.stringify(await res.json())).toContain('request too large');
  expect((await request.get('/api/trpc/auth.status')).ok()).toBe(true);
});

test('anonymous callers get 401s from the API and the owner routes', async ({ playwright, baseURL }) => {
  const anonymous = await playwright.request.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
  const list = await anonymous.get('/api/trpc/sessions.list');
  expect(list.status()).toBe(401);
  const log = await anonymous.get('/api/sessions/00000000-0000-4000-8000-000000000000/bisect.log');
  expect(log.status()).toBe(401);
  await anonymous.dispose();
});

test('a mutation from another origin is refused even with the session cookie', async ({ request }) => {
  const res = await request.post('/api/trpc/sessions.demo', { data: { json: null }, headers: { origin: 'https://evil.example' } });
  expect(res.status()).toBe(403);
});
