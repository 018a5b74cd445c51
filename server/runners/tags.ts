/**
 * What a runner can serve, from RUNNER_TAGS: absolute paths are repository
 * roots (a session's repository must lie under one), other words host names
 * (every host a session uses must be one). No roots or no hosts: any.
 */
export function canServe(tags: readonly string[], session: { repoPath: string; hosts: readonly string[] }): boolean {
  const roots = tags.filter((t) => t.startsWith('/')).map((t) => t.replace(/\/+$/, ''));
  const hosts = new Set(tags.filter((t) => !t.startsWith('/')));
  const rootOk = roots.length === 0 || roots.some((r) => session.repoPath === r || session.repoPath.startsWith(`${r}/`));
  const hostsOk = hosts.size === 0 || session.hosts.every((h) => h === 'local' || hosts.has(h));
  return rootOk && hostsOk;
}

/** Host names a stored session uses: its phases' `on` (roles resolved through every slot). */
export function sessionHosts(recipe: unknown, slots: unknown): string[] {
  const phases = (recipe as { phases?: Array<{ on?: unknown }> } | null)?.phases ?? [];
  const ons = phases.map((p) => (typeof p.on === 'string' ? p.on : 'local'));
  const maps = Array.isArray(slots) && slots.length > 0 ? (slots as Array<Record<string, string>>) : [{}];
  return [...new Set(maps.flatMap((m) => ons.map((on) => m[on] ?? on)))];
}
