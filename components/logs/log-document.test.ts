import { describe, expect, it } from 'vitest';
import { FoldState, LogDocument, RowList, type LogPart } from './log-document';
import { LogLines } from './log-lines';
import { RowLayout } from './row-layout';

const start = (name: string, opts = '') => `\x1b[0Ksection_start:100:${name}${opts}\r\x1b[0K${name} title`;
const end = (name: string) => `\x1b[0Ksection_end:101:${name}\r\x1b[0K`;

function part(key: number, lines: string[], expanded = true): LogPart {
  const l = new LogLines();
  l.append(lines, 'stdout', null);
  return { key, name: `phase${key}`, status: 'passed', ms: 1, startedAt: null, lines: l, expanded };
}

/** Rows as readable labels: H<part> for headers, the line text otherwise. */
function labels(doc: LogDocument, rows: RowList): string[] {
  return Array.from(rows.rows.subarray(0, rows.length), (v) => (v < 0 ? `H${-v - 1}` : doc.text(v).replace(/^\x1b\[0Ksection_start:\d+:(\w+)[^]*$/, '[$1]')));
}

describe('RowList', () => {
  it('lays out headers, lines and sections; hides end markers; folds parts and sections', () => {
    const a = part(0, ['a1', start('s'), 'a2', end('s'), 'a3']);
    const b = part(1, ['b1', start('c', '[collapsed=true]'), 'b2', end('c'), 'b3'], false);
    const doc = new LogDocument([a, b]);
    const fold = new FoldState();
    const rows = new RowList();
    rows.update(doc, fold);
    expect(labels(doc, rows)).toEqual(['H0', 'a1', '[s]', 'a2', 'a3', 'H1']);
    fold.setPart(b, true);
    rows.update(doc, fold);
    expect(labels(doc, rows)).toEqual(['H0', 'a1', '[s]', 'a2', 'a3', 'H1', 'b1', '[c]', 'b3']);
    fold.setSection(a, a.lines.sections[0]!, false);
    rows.update(doc, fold);
    expect(labels(doc, rows)).toEqual(['H0', 'a1', '[s]', 'a3', 'H1', 'b1', '[c]', 'b3']);
    // Revealing a hidden line unfolds what hides it.
    expect(rows.rowOfLine(doc.global(1, 2))).toBe(6); // hidden: the row before it
    expect(fold.reveal(doc, doc.global(1, 2))).toBe(true);
    rows.update(doc, fold);
    expect(labels(doc, rows)).toContain('b2');
    expect(rows.rowOfLine(doc.global(1, 2))).toBe(labels(doc, rows).indexOf('b2'));
    expect(rows.rowOfPart(1)).toBe(4);
  });

  it('extends the rows as lines stream into the last part, through an open folded section, then new parts', () => {
    const a = part(0, ['a1']);
    const doc1 = new LogDocument([a]);
    const fold = new FoldState();
    const rows = new RowList();
    expect(rows.update(doc1, fold)).toBe(true);
    a.lines.append(['a2', start('hidden', '[collapsed=true]'), 'x'], 'stdout', null);
    expect(rows.update(new LogDocument([a]), fold)).toBe(false); // continued, not rebuilt
    a.lines.append(['y', end('hidden'), 'a3'], 'stdout', null);
    rows.update(new LogDocument([a]), fold);
    const b = part(1, ['b1']);
    const doc = new LogDocument([a, b]);
    expect(rows.update(doc, fold)).toBe(false);
    expect(labels(doc, rows)).toEqual(['H0', 'a1', 'a2', '[hidden]', 'a3', 'H1', 'b1']);
    // Same as a fresh build.
    const fresh = new RowList();
    fresh.update(doc, new FoldState());
    expect(labels(doc, fresh)).toEqual(labels(doc, rows));
  });

  it('a million lines lay out in well under a frame budget of work per update', () => {
    const l = new LogLines();
    const batch = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    for (let i = 0; i < 1000; i++) l.append(batch, 'stdout', null);
    const p: LogPart = { key: 0, name: 'build', status: 'running', ms: null, startedAt: null, lines: l, expanded: true };
    const rows = new RowList();
    const t0 = performance.now();
    rows.update(new LogDocument([p]), new FoldState());
    const ms = performance.now() - t0;
    expect(rows.length).toBe(1_000_001);
    console.log(`RowList: 1,000,000 lines laid out in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(200);
  });
});

describe('RowLayout', () => {
  it('offsets and row lookups with a default height, measured rows, and growth', () => {
    const l = new RowLayout(18);
    l.reset(10);
    expect(l.total).toBe(180);
    expect(l.offset(3)).toBe(54);
    expect(l.rowAt(53.9)).toBe(2);
    expect(l.rowAt(54)).toBe(3);
    expect(l.setHeight(2, 40)).toBe(22);
    expect(l.offset(3)).toBe(76);
    expect(l.rowAt(75)).toBe(2);
    l.grow(3000);
    expect(l.count).toBe(3000);
    expect(l.total).toBe(3000 * 18 + 22);
    expect(l.offset(2999)).toBe(2999 * 18 + 22);
    expect(l.rowAt(1e9)).toBe(2999);
    for (let n = 1; n < 70; n++) {
      const g = new RowLayout(5);
      g.reset(1);
      g.grow(n, (i) => i + 1);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        expect(g.offset(i)).toBe(sum);
        expect(g.rowAt(sum)).toBe(i);
        sum += i === 0 ? 5 : i + 1;
      }
    }
  });
});
