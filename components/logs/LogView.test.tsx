import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnsiText } from './ansi-text';
import { LOG_ROW_HEIGHT, LogView, type LogLine } from './LogView';

// Server rendering only (the test environment has no DOM): checks structure,
// virtualisation and escaping; scrolling/follow is covered by the app's e2e tests.

function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

function makeLines(n: number): LogLine[] {
  return Array.from({ length: n }, (_, i) => ({
    text: `\x1b[32mline ${i + 1}\x1b[0m`,
    stream: i % 10 === 0 ? 'stderr' : 'stdout',
  }));
}

describe('AnsiText', () => {
  it('renders styled spans as text, never as HTML', () => {
    const html = renderToStaticMarkup(<AnsiText text={'\x1b[1;31m<img src=x onerror=alert(1)>\x1b[0m & done'} />);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('font-weight:bold');
    expect(html).toContain('color:var(--ansi-red');
    expect(html).toContain('<span> &amp; done</span>');
  });

  it('truncates very long lines with a note', () => {
    const html = renderToStaticMarkup(<AnsiText text={'x'.repeat(50)} maxChars={10} />);
    expect(html).toContain(`>${'x'.repeat(10)}<`);
    expect(html).toContain('40 more characters');
  });
});

describe('LogView (server render)', () => {
  it('renders only about a screenful of 200,000 lines', () => {
    const lines = makeLines(200_000);
    const html = renderToStaticMarkup(<LogView lines={lines} height={360} />);
    expect(html).toContain('data-testid="log-view"');
    const rows = count(html, 'data-testid="log-line"');
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(360 / LOG_ROW_HEIGHT + 2 * 20 + 2);
    expect(html).toContain(`height:${200_000 * LOG_ROW_HEIGHT}px`);
    expect(html).toContain('>1</span>'); // gutter starts at line 1
    expect(html).toContain('line 1<');
    expect(html).toContain('log-line--stderr');
  });

  it('starts at the end when following', () => {
    const html = renderToStaticMarkup(<LogView lines={makeLines(1000)} follow height={180} />);
    expect(html).toContain('line 1000<');
    expect(html).not.toContain('line 1<');
    expect(html).toContain('aria-pressed="true"');
    expect(html).toContain('Following');
  });

  it('numbers lines after the dropped ones and says how many were dropped', () => {
    const html = renderToStaticMarkup(<LogView lines={makeLines(5)} droppedLines={12_345} />);
    expect(html).toContain('12,345 earlier lines not shown');
    expect(html).toContain('>12346</span>');
    expect(html).toContain('>12350</span>');
    expect(html).not.toContain('>1</span>');
  });

  it('shows the empty text', () => {
    const html = renderToStaticMarkup(<LogView lines={[]} emptyText="Nothing yet" />);
    expect(html).toContain('Nothing yet');
    expect(html).not.toContain('data-testid="log-line"');
    expect(html).not.toContain('not shown');
  });

  it('escapes untrusted output', () => {
    const html = renderToStaticMarkup(
      <LogView lines={[{ text: '<script>alert(1)</script>\x1b]8;;javascript:alert(1)\x07x', stream: 'stdout' }]} />,
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;x');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('javascript:');
  });
});
