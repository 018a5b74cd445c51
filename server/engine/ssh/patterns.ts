/**
 * OpenSSH-style host patterns, shared by known_hosts and ssh_config:
 * `*` matches any run of characters, `?` exactly one; matching is
 * case-insensitive (OpenSSH lowercases host names before matching).
 */
export function matchPattern(name: string, pattern: string): boolean {
  const s = name.toLowerCase();
  const p = pattern.toLowerCase();
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star !== -1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A list of patterns, some negated with `!`. Matches when at least one plain
 * pattern matches and no negated one does: a matching negation vetoes the whole
 * list, whatever else matches (OpenSSH semantics).
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    if (raw.startsWith('!')) {
      if (matchPattern(name, raw.slice(1))) return false;
    } else if (matchPattern(name, raw)) {
      matched = true;
    }
  }
  return matched;
}
