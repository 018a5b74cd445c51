/**
 * Bisect terms: the one home of what a term may be (the same rule for a new
 * session and an imported log) and of the word a verdict is written as.
 */

export interface BisectTerms {
  /** The term of the known-good side (`good`, or e.g. `broken` when looking for a fix). */
  old: string;
  /** The term of the side being looked for (`bad`, or e.g. `fixed`). */
  new: string;
}

/** git bisect subcommands, which git refuses as terms. */
const RESERVED_TERMS = new Set(['help', 'start', 'skip', 'next', 'reset', 'visualize', 'view', 'replay', 'log', 'run', 'terms']);

/** Longest term accepted (git has no limit; a term is shown in every view and URL). */
export const MAX_TERM_LENGTH = 64;

/** Whether `word` is a git bisect subcommand (so never a term). */
export function isReservedTerm(word: string): boolean {
  return RESERVED_TERMS.has(word);
}

/**
 * Why `term` cannot be the `role` term, or null when it can: git's own rules
 * (`check_refname_format("refs/bisect/<term>")`, no builtin command, good/bad
 * and old/new keep their meaning) plus a length cap.
 */
export function termProblem(term: string, role: 'old' | 'new'): string | null {
  if (term === '') return 'empty term';
  if (term.length > MAX_TERM_LENGTH) return `a term has at most ${MAX_TERM_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s~^:?*[\\\x00-\x1f\x7f]/.test(term) || term.includes('..') || term.includes('@{') ||
      term.startsWith('.') || term.startsWith('/') || term.endsWith('/') || term.endsWith('.') ||
      term.endsWith('.lock') || term.includes('//') || term === '@' || term.startsWith('-')) {
    return `'${term}' is not a valid term`;
  }
  if (RESERVED_TERMS.has(term)) return `can't use the builtin command '${term}' as a term`;
  if (role === 'old' && (term === 'bad' || term === 'new')) return `can't change the meaning of the term '${term}'`;
  if (role === 'new' && (term === 'good' || term === 'old')) return `can't change the meaning of the term '${term}'`;
  return null;
}

/** Why a pair of terms cannot be used together, or null. */
export function termsProblem(terms: BisectTerms): string | null {
  const problem = termProblem(terms.old, 'old') ?? termProblem(terms.new, 'new');
  if (problem) return problem;
  if (terms.old === terms.new) return `the two terms must differ (both are '${terms.old}')`;
  return null;
}

/** The word git writes for a verdict in this bisect: its old/new term, or `skip`. */
export function termFor(verdict: 'good' | 'bad' | 'skip', terms: BisectTerms): string {
  return verdict === 'skip' ? 'skip' : verdict === 'good' ? terms.old : terms.new;
}
