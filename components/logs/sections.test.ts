import { describe, expect, it } from 'vitest';
import { LogLines } from './log-lines';
import { LINE_SECTION_END, LINE_SECTION_START, parseSectionMarker, SectionParser, sectionSeconds } from './sections';

const start = (t: number | string, name: string, title = '', opts = '') => `\x1b[0Ksection_start:${t}:${name}${opts}\r\x1b[0K${title}`;
const end = (t: number | string, name: string) => `\x1b[0Ksection_end:${t}:${name}\r\x1b[0K`;

describe('parseSectionMarker', () => {
  it('reads GitLab start and end markers, with options and a styled header', () => {
    expect(parseSectionMarker(start(1560896352, 'my_first_section', 'Header of the 1st collapsible section'))).toEqual({
      kind: 'start',
      time: 1560896352,
      name: 'my_first_section',
      collapsed: false,
      title: 'Header of the 1st collapsible section',
    });
    expect(parseSectionMarker(start('1700000000.25', 'build.x-1', '\x1b[1mBuild\x1b[0m', '[collapsed=true]'))).toMatchObject({
      time: 1700000000.25,
      name: 'build.x-1',
      collapsed: true,
      title: '\x1b[1mBuild\x1b[0m',
    });
    expect(parseSectionMarker(end(1560896353, 'my_first_section'))).toMatchObject({ kind: 'end', time: 1560896353, name: 'my_first_section' });
    // Without the escapes (a script that prints plain markers) and with an empty header (the name is used).
    expect(parseSectionMarker('section_start:5:deps')).toMatchObject({ kind: 'start', title: 'deps' });
  });

  it('ignores lines that only mention a marker', () => {
    expect(parseSectionMarker('echo section_start:1:x')).toBeNull();
    expect(parseSectionMarker('section_start:abc:x')).toBeNull();
    expect(parseSectionMarker('section_start:1:')).toBeNull();
    expect(parseSectionMarker('plain line')).toBeNull();
  });
});

describe('SectionParser', () => {
  function parse(lines: string[], chunk = lines.length) {
    const flags: number[] = [];
    const p = new SectionParser();
    for (let i = 0; i < lines.length; i += chunk) p.push(lines.slice(i, i + chunk), i, (k, f) => (flags[k] = (flags[k] ?? 0) | f));
    return { sections: p.sections, flags };
  }

  it('nests sections, closes by name, keeps an unclosed one open; the same in any batching', () => {
    const lines = [start(10, 'all', 'All'), 'a', start(11, 'inner', 'Inner'), 'b', end(13, 'inner'), start(14, 'open', 'Open'), 'c', end(20, 'all'), 'd', start(21, 'tail'), 'e'];
    for (const chunk of [1, 2, 3, lines.length]) {
      const { sections, flags } = parse(lines, chunk);
      expect(sections.map((s) => [s.name, s.start, s.end, s.depth, sectionSeconds(s)])).toEqual([
        ['all', 0, 7, 0, 10],
        ['inner', 2, 4, 1, 2],
        ['open', 5, 7, 1, 6], // closed by its parent's end
        ['tail', 9, null, 0, null],
      ]);
      expect(flags[0]).toBe(LINE_SECTION_START);
      expect(flags[4]).toBe(LINE_SECTION_END);
      expect(flags[1]).toBeUndefined();
    }
  });

  it('an end without a start is a plain line; durations are never negative', () => {
    const { sections, flags } = parse([end(5, 'x'), start(9, 'y'), end(3, 'y')]);
    expect(flags[0]).toBeUndefined();
    expect(sectionSeconds(sections[0]!)).toBe(0);
  });
});

describe('LogLines', () => {
  it('keeps stream and time per batch, sections per line, and re-parses after dropping old lines', () => {
    const log = new LogLines();
    log.append(['one', start(1, 's', 'S')], 'stdout', 1000);
    log.append(['err'], 'stderr', 2000);
    log.append(['x', end(2, 's'), 'after'], 'stdout', null);
    expect(log.count).toBe(6);
    expect([log.stream(0), log.stream(2), log.stream(3)]).toEqual(['stdout', 'stderr', 'stdout']);
    expect([log.time(1), log.time(2), log.time(5)]).toEqual([1000, 2000, null]);
    expect(log.sections.map((s) => [s.start, s.end])).toEqual([[1, 4]]);
    log.dropFront(2);
    expect(log.dropped).toBe(2);
    expect(log.count).toBe(4);
    expect(log.text(0)).toBe('err');
    expect(log.stream(0)).toBe('stderr');
    expect(log.time(0)).toBe(2000);
    expect(log.sections).toEqual([]); // its start was dropped; the end is now a plain line
  });
});
