/**
 * Differences between two kernel .configs, as the kernel's scripts/diffconfig
 * prints them: symbols only in the old one (`-NAME value`), only in the new one
 * (`+NAME value`), and changed (`NAME old -> new`). `# CONFIG_X is not set` is
 * the value `n`. Pure; used by the API and the page.
 */
export interface ConfigDiff {
  removed: Array<{ name: string; value: string }>;
  added: Array<{ name: string; value: string }>;
  changed: Array<{ name: string; from: string; to: string }>;
}

/** NAME → value of a .config's settings (NAME without CONFIG_). */
export function parseConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) out.set(set[1] as string, set[2] as string);
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) out.set(unset[1] as string, 'n');
  }
  return out;
}

export function diffConfigs(oldText: string, newText: string): ConfigDiff {
  const a = parseConfig(oldText);
  const b = parseConfig(newText);
  const diff: ConfigDiff = { removed: [], added: [], changed: [] };
  for (const [name, value] of a) {
    const to = b.get(name);
    if (to === undefined) diff.removed.push({ name, value });
    else if (to !== value) diff.changed.push({ name, from: value, to });
  }
  for (const [name, value] of b) if (!a.has(name)) diff.added.push({ name, value });
  const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  diff.removed.sort(byName);
  diff.added.sort(byName);
  diff.changed.sort(byName);
  return diff;
}

/** The diff as scripts/diffconfig writes it, one line per symbol. */
export function formatConfigDiff(d: ConfigDiff): string {
  return [
    ...d.removed.map((x) => `-${x.name} ${x.value}`),
    ...d.added.map((x) => `+${x.name} ${x.value}`),
    ...d.changed.map((x) => ` ${x.name} ${x.from} -> ${x.to}`),
  ].join('\n');
}
