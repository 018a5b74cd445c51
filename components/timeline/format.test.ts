import { describe, expect, it } from 'vitest';
import { verdictKey, verdictTerm } from './format';

describe('verdictTerm / verdictKey', () => {
  const terms = { old: 'broken', new: 'fixed' };
  it.each([
    ['good', 'broken', 'good'],
    ['bad', 'fixed', 'bad'],
    ['skip', 'skip', 'skip'],
    [null, 'testing', 'testing'],
  ] as const)('%s → %s', (verdict, term, key) => {
    expect(verdictTerm(verdict, terms)).toBe(term);
    expect(verdictKey(verdict)).toBe(key);
  });
});
