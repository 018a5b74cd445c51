import { UserInputError } from '../types';

/**
 * POSIX shell quoting for strings sent to a remote login shell.
 *
 * Contract: for any string without NUL, `sh -c 'printf %s ' + quotePosix(s)`
 * prints exactly `s`. Everything is wrapped in single quotes (inside which a
 * POSIX shell interprets nothing); an embedded `'` becomes `'\''` (close the
 * quote, an escaped quote, reopen). NUL cannot travel in an argv and is refused.
 */
export function quotePosix(value: string): string {
  if (value.includes('\0')) {
    throw new UserInputError('an argument contains a NUL byte, which cannot be passed to a command');
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes every element and joins them with spaces: a safe `argv` for `sh -c`. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quotePosix).join(' ');
}
