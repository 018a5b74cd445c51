import { randomBytes } from 'node:crypto';
import { isInlineFragment, KCONFIG_TARGET, type KconfigPhaseSpec } from '../recipe';
import type { ExecEvent } from '../types';
import { phaseEnvironment, type PhaseContext } from './context';
import { KCONFIG_SCRIPT } from './kconfig-script';

/** Largest .config stored with a step (a distribution kernel's is ~250 KB); longer ones are cut. */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;

/** What the phase hands the script (see kconfig-script.ts), all through the environment. */
export function kconfigEnvironment(phase: KconfigPhaseSpec, mark: string): Record<string, string> {
  const base = typeof phase.base === 'string' ? phase.base : phase.base.olddefconfig;
  const target = typeof phase.base === 'string' && KCONFIG_TARGET.test(phase.base) && !phase.base.includes('/');
  const fragments = phase.fragments.flatMap((item) =>
    isInlineFragment(item)
      ? item.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => `i\t${l}`)
      : [`f\t${item}`],
  );
  return {
    KCONFIG_BASE_KIND: target ? 'target' : 'file',
    KCONFIG_BASE: base,
    KCONFIG_FRAGMENTS: fragments.join('\n'),
    KCONFIG_DISABLE: phase.disable.map((s) => s.replace(/^CONFIG_/, '')).join('\n'),
    KCONFIG_O: phase.buildDir ?? '',
    KCONFIG_MAKE_ARGS: phase.makeArgs.join('\n'),
    KCONFIG_MARK: mark,
  };
}

/**
 * Runs the kconfig script where the phase runs (locally in the worktree, or on
 * a host) and emits the resulting .config as a `stepConfig` event: its lines
 * are taken out of the output after the script's marker, so the log holds
 * make's output and the merge messages, not 10,000 config lines.
 */
export async function* runKconfigPhase(phase: KconfigPhaseSpec, ctx: PhaseContext): AsyncGenerator<ExecEvent, void, undefined> {
  const mark = randomBytes(12).toString('hex');
  const { BISECT_WORKTREE: _local, ...remoteEnv } = phaseEnvironment(ctx);
  const env = { ...(ctx.executor.remote ? remoteEnv : phaseEnvironment(ctx)), ...kconfigEnvironment(phase, mark) };
  const cwd = phase.cwd ?? (ctx.executor.remote ? undefined : ctx.worktree);
  const config = new ConfigCollector(`::kconfig-config ${mark} `);
  let inputError: string | null = null;
  for await (const ev of ctx.executor.run(
    {
      argv: ['bash', '-c', KCONFIG_SCRIPT, 'kconfig'],
      ...(cwd ? { cwd } : {}),
      env,
      timeoutMs: phase.timeoutSec * 1000,
      leaseFile: ctx.leaseFile,
      ...(ctx.onRemoteLease ? { onRemoteLease: ctx.onRemoteLease } : {}),
    },
    ctx.signal,
  )) {
    if (ev.type === 'output') {
      const lines = ev.stream === 'stdout' ? config.take(ev.lines) : ev.lines;
      inputError ??= lines.find((l) => l.startsWith('kconfig: error: '))?.slice('kconfig: '.length) ?? null;
      if (lines.length > 0) yield { ...ev, lines };
      continue;
    }
    if (ev.status.kind === 'exited' && ev.status.code === 0 && config.started) {
      const { text, bytes, truncated } = config.result();
      await ctx.emit?.({ type: 'stepConfig', step: ctx.step, phase: ctx.phase ?? 0, name: phase.name, text, bytes, ...(truncated ? { truncated } : {}) });
      yield { type: 'output', stream: 'stdout', lines: [`kconfig: stored the resulting .config (${configSummary(text, bytes)})${truncated ? `, cut to ${MAX_CONFIG_BYTES} bytes` : ''}`] };
    }
    if (ev.status.kind === 'exited' && ev.status.code === 2 && inputError) {
      // A recipe error (missing file, malformed line) is the same at every commit: stop and say so.
      yield { ...ev, decision: { outcome: 'abort', reason: `${inputError}: fix the recipe` } };
      continue;
    }
    yield ev;
  }
}

/** Collects the lines after the marker (the .config), at most MAX_CONFIG_BYTES of them. */
class ConfigCollector {
  started = false;
  private bytes = 0;
  private kept = 0;
  private truncated = false;
  private readonly lines: string[] = [];

  constructor(private readonly marker: string) {}

  /** Returns the lines that are output, not config. */
  take(lines: string[]): string[] {
    if (this.started) {
      for (const l of lines) this.keep(l);
      return [];
    }
    const at = lines.findIndex((l) => l.startsWith(this.marker));
    if (at < 0) return lines;
    this.started = true;
    this.bytes = Number(lines[at]?.slice(this.marker.length)) || 0;
    for (const l of lines.slice(at + 1)) this.keep(l);
    // The script prints an empty line before its marker, so the marker starts a line even after make's last output.
    return lines.slice(0, at).filter((l, i, a) => !(i === a.length - 1 && l === ''));
  }

  private keep(line: string): void {
    if (this.truncated) return;
    if (this.kept + line.length + 1 > MAX_CONFIG_BYTES) {
      this.truncated = true;
      return;
    }
    this.kept += line.length + 1;
    this.lines.push(line);
  }

  result(): { text: string; bytes: number; truncated: boolean } {
    const text = this.lines.length > 0 ? `${this.lines.join('\n')}\n` : '';
    return { text, bytes: this.bytes || text.length, truncated: this.truncated };
  }
}

/** `1234 symbols set, 245 KB`. */
export function configSummary(text: string, bytes: number): string {
  const set = text.split('\n').filter((l) => /^CONFIG_[A-Za-z0-9_]+=/.test(l)).length;
  return `${set} symbols set, ${bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`}`;
}
