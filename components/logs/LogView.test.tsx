import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnsiText } from './ansi-text';
import { LogLines } from './log-lines';
import { LOG_ROW_HEIGHT, LogView, type LogPart } from './LogView';

// Server rendering only (the test environment has no DOM): checks structure,
// virtualisation and escaping; scrolling, search, folding and follow are
// covered by e2e/logs.spec.ts in Chromium.

function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

function part(n: number, over: Partial<LogPart> = {}, texts?: string[]): LogPart {
  const lines = new LogLines();
  const all = texts ?? Array.from({ length: n }, (_, i) => `\x1b[32mline ${i + 1}\x1b[0m`);
  for (let i = 0; i < all.length; i += 1000) lines.append(all.slice(i, i + 1000), i % 10_000 === 0 ? 'stderr' : 'stdout', null);
  return { key: 0, name: 'build', status: 'passed', ms: 1234, startedAt: null, lines, expanded: true, ...over };
}

const anchorOf = (p: LogPart) => `s3-${p.name}`;

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
  it('renders only about a screenful of 200,000 lines, with the part header and permalinks', () => {
    const html = renderToStaticMarkup(<LogView parts={[part(200_000)]} version={1} height={360} anchorOf={anchorOf} rawHref={() => '/raw?step=3&phase=0'} />);
    expect(html).toContain('data-testid="log-view"');
    const rows = count(html, 'data-testid="log-line"');
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual(360 / LOG_ROW_HEIGHT + 2 * 20 + 2);
    expect(html).toContain(`height:${200_001 * LOG_ROW_HEIGHT}px`);
    expect(html).toContain('href="#s3-build-L1"');
    expect(html).toContain('line 1<');
    expect(html).toContain('log-line--stderr');
    expect(html).toContain('data-testid="log-part"');
    expect(html).toContain('200,000 lines');
    expect(html).toContain('1.2s');
    expect(html).toContain('href="/raw?step=3&amp;phase=0"');
  });

  it('folds a part that starts folded, and shows a GitLab section as a header with its duration', () => {
    const folded = renderToStaticMarkup(<LogView parts={[part(10, { expanded: false })]} version={1} anchorOf={anchorOf} />);
    expect(count(folded, 'data-testid="log-line"')).toBe(0);
    expect(folded).toContain('aria-expanded="false"');
    const texts = ['a', '\x1b[0Ksection_start:100:compile[collapsed=true]\r\x1b[0KCompiling', 'hidden', '\x1b[0Ksection_end:102.5:compile\r\x1b[0K', 'after'];
    const html = renderToStaticMarkup(<LogView parts={[part(0, {}, texts)]} version={1} anchorOf={anchorOf} />);
    expect(html).toContain('data-section="compile"');
    expect(html).toContain('Compiling');
    expect(html).toContain('2.5s · 1 line');
    expect(html).not.toContain('>hidden<');
    expect(html).not.toContain('section_end');
    expect(html).toContain('data-line="5"'); // numbering counts the hidden lines
  });

  it('numbers lines after the dropped ones and says how many were dropped', () => {
    const p = part(20);
    p.lines.dropFront(12);
    const html = renderToStaticMarkup(<LogView parts={[p]} version={1} anchorOf={anchorOf} />);
    expect(html).toContain('12 earlier lines not kept here');
    expect(html).toContain('>13</a>');
    expect(html).toContain('href="#s3-build-L20"');
    expect(html).not.toContain('>1</a>');
  });

  it('shows the empty text and a follow button when live', () => {
    expect(renderToStaticMarkup(<LogView parts={[]} version={0} emptyText="Nothing yet" anchorOf={anchorOf} />)).toContain('Nothing yet');
    const live = renderToStaticMarkup(<LogView parts={[part(5, { status: 'running', ms: null })]} version={1} live anchorOf={anchorOf} />);
    expect(live).toContain('Following');
  });

  it('escapes untrusted output', () => {
    const html = renderToStaticMarkup(
      <LogView parts={[part(0, {}, ['<script>alert(1)</script>\x1b]8;;javascript:alert(1)\x07x'])]} version={1} anchorOf={anchorOf} />,
    );
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;x');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('javascript:');
  });
});
