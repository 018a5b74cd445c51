import { describe, expect, it } from 'vitest';
import { requestOrigin, shareUrl } from './runtime';

describe('share URLs', () => {
  it('use the Host the browser used, or the proxy headers', () => {
    expect(requestOrigin(new Request('http://localhost:3250/api/trpc/x', { headers: { host: '127.0.0.1:3250' } }))).toBe('http://127.0.0.1:3250');
    expect(
      requestOrigin(new Request('http://localhost:3000/x', { headers: { host: 'a', 'x-forwarded-host': 'bisect.example.org', 'x-forwarded-proto': 'https' } })),
    ).toBe('https://bisect.example.org');
    expect(requestOrigin(new Request('http://localhost:3000/x', { headers: { 'x-forwarded-proto': 'javascript' } }))).toBe('http://localhost:3000');
  });

  it('fall back to the configured address', () => {
    expect(shareUrl({ runtime: { config: { host: '127.0.0.1', port: 3000, dataDir: '', databaseUrl: undefined } } }, 'T')).toBe('http://127.0.0.1:3000/s/T');
    expect(shareUrl({ runtime: { config: { host: '127.0.0.1', port: 3000, dataDir: '', databaseUrl: undefined } }, origin: 'https://x.example' }, 'T')).toBe('https://x.example/s/T');
  });
});
