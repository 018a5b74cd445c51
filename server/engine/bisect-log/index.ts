/** `git bisect log` text: parsed from what users paste, formatted for `git bisect replay`. */
export * from './types';
export { parseBisectLog } from './parse';
export { formatBisectLog } from './format';
export { splitShellWords, sqQuote } from './shell-words';
