import { describe, expect, it } from 'vitest';
import { formatLineAnchor, parseLineAnchor, phaseAnchorName, resolveAnchorPhase } from './permalink';

describe('line permalinks', () => {
  it('parse #s3-build-L1204, ranges, phase names with dashes and the index form', () => {
    expect(parseLineAnchor('#s3-build-L1204')).toEqual({ step: 3, phase: 'build', line: 1204, endLine: null });
    expect(parseLineAnchor('s3-build-L1204-L1210')).toEqual({ step: 3, phase: 'build', line: 1204, endLine: 1210 });
    expect(parseLineAnchor('#s12-wait-for-ssh-L7')).toEqual({ step: 12, phase: 'wait-for-ssh', line: 7, endLine: null });
    expect(parseLineAnchor('#s1-p2-L9')).toEqual({ step: 1, phase: { index: 2 }, line: 9, endLine: null });
    expect(parseLineAnchor('#s1-make%20all-L9')?.phase).toBe('make all');
    expect(parseLineAnchor('#s1-x-L9-L3')?.endLine).toBeNull(); // a backwards range is one line
  });

  it('reject what is not an anchor', () => {
    for (const h of ['', '#', '#top', '#s-build-L1', '#s1-build-L0', '#s1-build-Lx', '#s1--L1', '#s1-%E0%A4%A-L1']) expect(parseLineAnchor(h)).toBeNull();
  });

  it('round-trip, naming duplicate or odd phase names by index', () => {
    const names = ['build', 'test', 'test', 'p1', 'make all'];
    expect(phaseAnchorName(names, 0)).toBe('build');
    expect(phaseAnchorName(names, 1)).toBe('p1');
    expect(phaseAnchorName(names, 3)).toBe('p3');
    expect(phaseAnchorName(names, 4)).toBe('make%20all');
    for (let i = 0; i < names.length; i++) {
      const a = parseLineAnchor(`#${formatLineAnchor(5, phaseAnchorName(names, i), 42)}`);
      expect(a && resolveAnchorPhase(a, names)).toBe(i);
    }
    expect(formatLineAnchor(2, 'build', 10, 12)).toBe('s2-build-L10-L12');
    expect(resolveAnchorPhase(parseLineAnchor('#s1-nope-L1')!, names)).toBeNull();
  });
});
