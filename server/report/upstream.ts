/**
 * The plain-text report a kernel developer mails upstream after a bisect:
 * the regression in one line, the first bad commit as kernel mail writes it
 * (`8d622d21d248 ("virtio: fix up virtio_disable_cb")`), good and bad
 * versions, the environment, the reproducer, the full bisect log, the
 * `#regzbot introduced:` line and a link to the shared session. Pure.
 */
import type { SessionDetail } from '../../db/queries/sessions';
import type { CommitInfo, CulpritVerification } from '../engine/events';
import type { ChainLink } from '../../db/queries/sessions';
import { makeRedactor, redactJson } from '../shares/redact';

export interface ReportOptions {
  /** A share link to the session (`https://…/s/<token>`); without one the report says how to make one. */
  shareUrl?: string | null | undefined;
  /** What is known about the machines phases ran on, by phase `on` value (e.g. `local` → `Linux 6.1.0-18-amd64 x86_64`). */
  hosts?: Record<string, string> | undefined;
  /** Linked sessions: the one this continues and those continuing it (guest side ↔ host side). */
  chain?: { parent: ChainLink | null; children: ChainLink[] } | undefined;
}

/** 12 hex digits, as kernel mail and `Fixes:` tags write commit ids. */
export function kernelSha(sha: string): string {
  return sha.slice(0, 12);
}

/** `8d622d21d248 ("virtio: fix up virtio_disable_cb")` */
export function commitReference(c: Pick<CommitInfo, 'sha' | 'subject'>): string {
  return c.subject ? `${kernelSha(c.sha)} ("${c.subject}")` : kernelSha(c.sha);
}

interface RecipePhaseLike {
  name?: unknown;
  kind?: unknown;
  on?: unknown;
  run?: unknown;
  onFailure?: unknown;
  [k: string]: unknown;
}

const NOT_ENVIRONMENT = new Set(['name', 'kind', 'on', 'run', 'timeoutSec', 'onFailure', 'onTimeout']);

export function upstreamReport(d: SessionDetail, o: ReportOptions = {}): string {
  const s = d.session;
  const terms = { old: s.termOld, new: s.termNew };
  const regression = terms.new === 'bad' || terms.new === 'new';
  const phases = recipePhases(s.recipe);
  const repro = [...phases].reverse().find((p) => p.kind === 'script' && typeof p.run === 'string');
  const goodRefs = s.good.map((g, i) => versionRef(g, s.goodShas[i] ?? ''));
  const badRef = versionRef(s.bad, s.badSha);
  const goodNames = s.good.join(', ');
  const out: string[] = [];

  // One line: what regressed, between which versions, and where it bisects to.
  const what = repro && typeof repro.name === 'string' ? `\`${repro.name}\` ` : '';
  const found =
    s.result?.kind === 'culprit'
      ? `bisected to ${commitReference(s.result.commit)}`
      : s.result?.kind === 'candidates'
        ? `bisected to one of ${s.result.commits.length} commits (skipped commits hide the exact one)`
        : s.result?.kind === 'undecided'
          ? `no single commit reached ${s.result.confidence} within the run budget`
          : s.result?.kind === 'noCulprit'
            ? 'the failures look like flakes, not a regression in the range'
            : `bisect not finished (${d.steps.length} step${d.steps.length === 1 ? '' : 's'} so far)`;
  out.push(
    regression
      ? `Regression: ${what}${repro ? 'fails' : 'behaves differently'} on ${s.bad} but not on ${goodNames}; ${found}.`
      : `Change: ${what}is '${terms.new}' on ${s.bad} and '${terms.old}' on ${goodNames}; ${found.replace('bisected to', `first '${terms.new}' commit`)}.`,
    '',
  );

  if (s.result?.kind === 'culprit') {
    const c = s.result.commit;
    out.push(regression ? 'The first bad commit is:' : `The first '${terms.new}' commit is:`, '', `  ${commitReference(c)}`);
    if (c.author) out.push(`  Author: ${c.author}${c.authorEmail ? ` <${c.authorEmail}>` : ''}`);
    if (c.date) out.push(`  Date:   ${c.date}`);
    if (s.result.probability !== undefined) {
      out.push(`  Confidence: ${(s.result.probability * 100).toFixed(1)}% (flaky reproducer, ${flakyRuns(d)} runs weighed with Bayes)`);
    }
    if (s.result.verification) out.push('', ...verificationLines(s.result.verification));
    out.push('');
  } else if (s.result?.kind === 'candidates') {
    out.push(`Only skipped commits are left to test; the first ${terms.new} commit is one of:`, '');
    for (const c of s.result.commits) out.push(`  ${commitReference(c)}`);
    out.push('');
  } else if (s.result?.kind === 'undecided') {
    out.push(`No single commit reached ${(s.result.confidence * 100).toFixed(0)}% within the run budget; the likeliest first ${terms.new} commits:`, '');
    for (const c of s.result.commits) out.push(`  ${commitReference(c)}  ${(c.probability * 100).toFixed(1)}%`);
    out.push('');
  } else if (s.result?.kind === 'noCulprit') {
    out.push(`The runs fail no more often than ${terms.old} commits do: no ${terms.new} commit in the range (${(s.result.probability * 100).toFixed(1)}%).`, '');
  } else {
    out.push(`The bisect has not named a first ${terms.new} commit yet (status: ${s.status}${s.error ? `: ${s.error}` : ''}).`, '');
  }

  const label = (t: string) => `${t[0]?.toUpperCase() ?? ''}${t.slice(1)}:`;
  const width = Math.max(label(terms.old).length, label(terms.new).length);
  out.push(`${label(terms.old).padEnd(width)} ${goodRefs.join(', ')}`);
  out.push(`${label(terms.new).padEnd(width)} ${badRef}`);
  if (s.firstParent || s.paths.length > 0) {
    out.push(`Bisected with${s.firstParent ? ' --first-parent' : ''}${s.paths.length > 0 ? ` -- ${s.paths.join(' ')}` : ''}`);
  }
  out.push('');

  out.push('Environment:');
  const env = environmentLines(phases, o.hosts ?? {});
  out.push(...(env.length > 0 ? env : ['  (not recorded)']), '');

  if (repro) {
    const on = typeof repro.on === 'string' ? repro.on : 'local';
    out.push(`Reproducer (phase "${String(repro.name)}", run in the kernel tree${on === 'local' ? '' : ` on ${on}`}; ${failureMeaning(repro.onFailure)}):`, '');
    out.push(...indent(String(repro.run)), '');
  } else {
    out.push(
      (s as { origin?: string }).origin === 'import'
        ? 'Reproducer: not recorded (this bisect was imported from a `git bisect log`).'
        : 'Reproducer: not recorded.',
      '',
    );
  }

  out.push(...chainLines(o.chain));
  if (s.bisectLog.trim()) out.push('Bisect log:', '', s.bisectLog.trimEnd(), '');

  if (regression) {
    const introduced =
      s.result?.kind === 'culprit' ? kernelSha(s.result.commit.sha) : `${s.good[0] ?? kernelSha(s.goodShas[0] ?? '')}..${s.bad}`;
    out.push(`#regzbot introduced: ${introduced}`);
  } else {
    out.push(`(This bisect looked for the first '${terms.new}' commit, not a regression, so there is no #regzbot line.)`);
  }
  out.push('');
  out.push(
    o.shareUrl
      ? `The whole bisect (timeline, every step and its logs): ${o.shareUrl}`
      : 'Link: (no share link yet: press "Share" on the session page to create one, then paste it here)',
  );
  return `${out.join('\n')}\n`;
}

/** `v5.10 (2c85ebc57b3e)`; a ref that is itself the sha is written once. */
function versionRef(ref: string, sha: string): string {
  if (!sha || ref.toLowerCase() === sha.toLowerCase() || sha.toLowerCase().startsWith(ref.toLowerCase())) return kernelSha(sha || ref);
  return `${ref} (${kernelSha(sha)})`;
}

function recipePhases(recipe: unknown): RecipePhaseLike[] {
  const phases = (recipe as { phases?: unknown } | null)?.phases;
  return Array.isArray(phases) ? phases.filter((p): p is RecipePhaseLike => Boolean(p) && typeof p === 'object') : [];
}

function failureMeaning(onFailure: unknown): string {
  switch (onFailure) {
    case 'bad':
      return 'any failure means bad';
    case 'skip':
      return 'a failure means the commit cannot be tested';
    case 'abort':
      return 'a failure stops the bisect';
    default:
      return 'exit 0 = good, 125 = skip, 1-127 = bad';
  }
}

/** Hosts with what is known of them, then each phase with its settings (no credentials). */
function environmentLines(phases: RecipePhaseLike[], hosts: Record<string, string>): string[] {
  const lines: string[] = [];
  const used = [...new Set(phases.map((p) => (typeof p.on === 'string' ? p.on : 'local')))];
  for (const h of used.length > 0 ? used : Object.keys(hosts)) {
    const about = hosts[h];
    lines.push(`  ${h === 'local' ? 'Host (local)' : `Host ${h}`}: ${about ?? 'kernel not recorded'}`);
  }
  const clean = redactJson(phases, makeRedactor({ hideHosts: false, hostNames: [] }));
  for (const p of clean) {
    const extras = Object.entries(p)
      .filter(([k, v]) => !NOT_ENVIRONMENT.has(k) && v !== undefined && v !== null && typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`);
    const on = typeof p.on === 'string' && p.on !== 'local' ? ` on ${p.on}` : '';
    lines.push(`  Phase ${String(p.name)} (${String(p.kind)}${on})${extras.length > 0 ? `: ${extras.join(', ')}` : ''}`);
  }
  return lines;
}

function indent(text: string): string[] {
  return text.replace(/\s+$/, '').split('\n').map((l) => (l ? `  ${l}` : ''));
}

/** Runs that count in a session (each is one observation in flaky mode). */
function flakyRuns(d: SessionDetail): number {
  return d.steps.filter((s) => s.state === 'done' && !s.superseded && s.verdict !== null).length;
}

/** The culprit's verification, as KernelCI reports state it. */
function verificationLines(v: CulpritVerification): string[] {
  const lines = [`Culprit ${v.summary}`];
  const run = (what: string, r: CulpritVerification['revert']) => {
    if (r.outcome !== 'notRun') lines.push(`  ${what} ${kernelSha(r.sha)}: ${r.outcome} (${r.reason})`);
  };
  run('bad commit with the culprit reverted', v.revert);
  run("culprit's parent", v.parent);
  return lines;
}

/** The linked bisects, each with its culprit, so one mail names both sides. */
function chainLines(chain: ReportOptions['chain']): string[] {
  if (!chain || (!chain.parent && chain.children.length === 0)) return [];
  const line = (l: ChainLink) => `  ${l.title}: ${l.culprit ? commitReference(l.culprit) : `no single commit yet (${l.status})`}`;
  const out = ['Linked bisects:'];
  if (chain.parent) out.push('This bisect continues:', line(chain.parent));
  if (chain.children.length > 0) out.push('Continued by:', ...chain.children.map(line));
  return [...out, ''];
}
