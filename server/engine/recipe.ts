import { z } from 'zod';
import { remoteEnvNameProblem } from './ssh/remote-command';
import type { FailureMeaning, TimeoutMeaning } from './types';

/**
 * A recipe is plain JSON users save and keep in their repositories. Field names
 * here are a public contract: add fields, never rename or drop them.
 */
const phaseBase = {
  name: z.string().min(1).max(100),
  /** Where the phase runs: `local` (the session's worktree) or a host name. */
  on: z.string().min(1).max(100).default('local'),
  timeoutSec: z.number().int().positive().max(7 * 24 * 3600).default(3600),
  onFailure: z.enum(['exitcode', 'bad', 'skip', 'abort']).default('exitcode'),
  onTimeout: z.enum(['bad', 'skip', 'abort']).default('bad'),
  /**
   * `commit`: the phase prepares the commit (build, install, deploy) and is not
   * repeated when the same slot runs the same commit again; `run` (default):
   * part of every run of the reproducer. Matters when a commit is run many
   * times (flaky mode).
   */
  per: z.enum(['commit', 'run']).optional(),
};

export const scriptPhaseSchema = z.object({
  ...phaseBase,
  kind: z.literal('script'),
  run: z.string().min(1).max(100_000),
  /** Working directory: default the session's worktree locally, the login directory on a host. */
  cwd: z.string().min(1).max(4096).optional(),
});

/** `on`, timeout and failure meanings with defaults that suit a phase kind. */
function phaseFields(d: { timeoutSec: number; onFailure: FailureMeaning; onTimeout: TimeoutMeaning }) {
  return {
    ...phaseBase,
    timeoutSec: phaseBase.timeoutSec.removeDefault().default(d.timeoutSec),
    onFailure: phaseBase.onFailure.removeDefault().default(d.onFailure),
    onTimeout: phaseBase.onTimeout.removeDefault().default(d.onTimeout),
  };
}

/** A phase that watches a host go down and come back needs a host, not `local`. */
const remoteOn = (kind: string) =>
  z
    .string({ error: `a ${kind} phase needs "on": the name of a host` })
    .min(1, `a ${kind} phase needs "on": the name of a host`)
    .max(100)
    .refine((v) => v !== 'local', `a ${kind} phase runs against a host: set "on" to a host name, not "local"`);

/**
 * Brings the commit into a clone on the host: `git fetch FETCHFROM SHA` (only
 * when the clone lacks it; falls back to fetching all refs), then `git checkout
 * --detach -f SHA`. Untracked build output stays, so builds there are incremental.
 */
export const checkoutPhaseSchema = z.object({
  ...phaseFields({ timeoutSec: 1800, onFailure: 'abort', onTimeout: 'abort' }),
  kind: z.literal('checkout'),
  /** Path of the clone on the host. */
  repo: z.string().min(1).max(4096),
  /** Remote name or URL the host fetches from; default `origin`. */
  fetchFrom: z.string().min(1).max(4096).optional(),
});

/** Polls a host until it answers SSH (connect + `true`); `timeoutSec` bounds the whole wait. */
export const waitForSshPhaseSchema = z.object({
  ...phaseFields({ timeoutSec: 60, onFailure: 'skip', onTimeout: 'skip' }),
  kind: z.literal('wait-for-ssh'),
  on: remoteOn('wait-for-ssh'),
  intervalSec: z.number().positive().max(3600).default(1),
});

const ENV_REF = /^from-env:[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reboots a host (`command`), sees it go down, waits up to `timeoutSec` for it
 * to come back (else runs the host's power-cycle command once and waits again),
 * then checks the booted kernel against `expectKernel`.
 */
export const rebootPhaseSchema = z.object({
  ...phaseFields({ timeoutSec: 600, onFailure: 'abort', onTimeout: 'skip' }),
  kind: z.literal('reboot'),
  on: remoteOn('reboot'),
  /** Run on the host with bash; e.g. `sudo reboot`, `sudo systemctl kexec`. */
  command: z.string().min(1).max(10_000).default('reboot'),
  /**
   * Kernel release the host must boot: matches when `uname -r` equals it or
   * `/proc/version` contains it. `from-env:VAR` takes it from `$BISECT_ENV`
   * (e.g. KERNEL_RELEASE written by the build phase). Unset: not checked.
   */
  expectKernel: z
    .string()
    .min(1)
    .max(300)
    .refine((v) => !v.startsWith('from-env:') || ENV_REF.test(v), 'expectKernel: write from-env:VARIABLE_NAME')
    .optional(),
  /** What booting another kernel means. */
  onWrongKernel: z.enum(['skip', 'bad', 'abort']).default('skip'),
  /** Seconds between connection attempts while waiting. */
  intervalSec: z.number().positive().max(3600).default(2),
});

/**
 * Copies a payload to a host `copies` times over SSH, each copy into `sink`
 * there, sampling throughput as it goes. A copy that makes no progress for
 * `stallSec`, or takes longer than `copyTimeoutSec`, fails at once (later
 * copies are not attempted) and `onFailure` says what that means.
 */
export const transferPhaseSchema = z
  .object({
    ...phaseBase,
    kind: z.literal('transfer'),
    on: z
      .string({ error: 'a transfer phase needs "on": the name of the host to copy to' })
      .min(1)
      .max(100)
      .refine((v) => v !== 'local', 'a transfer phase copies to a host: set "on" to a host name, not "local"'),
    /** Bounds the whole phase; by default only the per-copy limits do. */
    timeoutSec: phaseBase.timeoutSec.removeDefault().default(7 * 24 * 3600),
    onFailure: phaseBase.onFailure.removeDefault().default('bad'),
    copies: z.number().int().min(1).max(1000).default(15),
    /** Generated payload of this many bytes (no file needed). */
    bytes: z.number().int().positive().max(2 ** 50).optional(),
    /** Or a local file (relative paths are taken from the session's worktree). */
    file: z.string().min(1).max(4096).optional(),
    /** Where each copy goes on the host: `/dev/null` or a file path (written with `cat > PATH`). */
    sink: z.string().min(1).max(4096).default('/dev/null'),
    copyTimeoutSec: z.number().positive().max(7 * 24 * 3600).default(180),
    stallSec: z.number().positive().max(24 * 3600).default(20),
    /**
     * Flaky mode: each copy is one run of the reproducer (an observation), so a
     * hang counts at once and a commit that looks good can stop before the last
     * copy when the strategy has learned enough from it.
     */
    copiesAreRuns: z.boolean().optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.bytes === undefined) === (p.file === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['bytes'],
        message: 'a transfer phase needs its payload: either "bytes" (generated, e.g. 2147483648) or "file" (a local path), not both',
      });
    }
  });

/** `CONFIG_NAME=value` or `# CONFIG_NAME is not set`, as .config files and fragments write them. */
export const KCONFIG_LINE = /^(CONFIG_[A-Za-z0-9_]+=(y|m|n|-?[0-9]+|0x[0-9A-Fa-f]+|"([^"\\]|\\.)*")|# CONFIG_[A-Za-z0-9_]+ is not set)$/;
/** A fragment item that starts like a config line is inline lines; anything else is a file. */
export const isInlineFragment = (item: string): boolean => /^(# )?CONFIG_/.test(item);
/** Targets a kconfig `base` may name (`make TARGET`); any other string is a file path. */
export const KCONFIG_TARGET = /^[A-Za-z0-9_]*(defconfig|noconfig|yesconfig|modconfig|tinyconfig|randconfig)$/;

/**
 * Makes the step's kernel configuration: `base` (a make target such as
 * `defconfig`, `{ olddefconfig: FILE }`, or a FILE copied to .config), then
 * `fragments` merged in order as scripts/kconfig/merge_config.sh does (later
 * values win; a file, or inline `CONFIG_X=y` lines), then `disable`d symbols
 * (`# CONFIG_X is not set`), then `make [O=buildDir] olddefconfig`. The
 * resulting .config is stored with the step. A missing fragment or a
 * malformed line aborts (a recipe error); a failing make is `onFailure`.
 */
export const kconfigPhaseSchema = z
  .object({
    ...phaseFields({ timeoutSec: 900, onFailure: 'skip', onTimeout: 'skip' }),
    kind: z.literal('kconfig'),
    base: z
      .union([z.string().min(1).max(4096), z.object({ olddefconfig: z.string().min(1).max(4096) }).strict()])
      .default('defconfig'),
    fragments: z.array(z.string().min(1).max(65_536)).max(100).default([]),
    disable: z
      .array(z.string().regex(/^(CONFIG_)?[A-Za-z0-9_]+$/, 'disable: write symbol names such as SECURITY_SELINUX'))
      .max(1000)
      .default([]),
    /** Build directory (make `O=`), relative to the source tree or absolute. */
    buildDir: z.string().min(1).max(4096).optional(),
    /** Variables for make, e.g. `ARCH=arm64`, `LLVM=1`. */
    makeArgs: z
      .array(z.string().max(4096).regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'makeArgs: write VARIABLE=value, e.g. ARCH=arm64'))
      .max(50)
      .default([]),
    /** The kernel source tree: default the session's worktree locally, the login directory on a host. */
    cwd: z.string().min(1).max(4096).optional(),
  })
  .superRefine((p, ctx) => {
    p.fragments.forEach((item, i) => {
      if (!isInlineFragment(item)) {
        if (/[\0\n]/.test(item)) ctx.addIssue({ code: 'custom', path: ['fragments', i], message: `fragments[${i}]: a file name cannot hold a newline` });
        return;
      }
      item.split('\n').forEach((line, n) => {
        const l = line.replace(/\r$/, '').trim();
        if (l !== '' && !KCONFIG_LINE.test(l)) {
          ctx.addIssue({
            code: 'custom',
            path: ['fragments', i],
            message: `fragments[${i}] line ${n + 1} is not a config line: "${l.slice(0, 80)}" (write CONFIG_NAME=y|m|n|number|"string" or # CONFIG_NAME is not set)`,
          });
        }
      });
    });
    for (const [field, v] of [['base', typeof p.base === 'string' ? p.base : p.base.olddefconfig], ['buildDir', p.buildDir ?? '']] as const) {
      if (/[\0\n]/.test(v)) ctx.addIssue({ code: 'custom', path: [field], message: `${field} cannot hold a newline` });
    }
  });

export const phaseSchema = z.discriminatedUnion('kind', [
  kconfigPhaseSchema,
  scriptPhaseSchema,
  checkoutPhaseSchema,
  waitForSshPhaseSchema,
  rebootPhaseSchema,
  transferPhaseSchema,
]);

/**
 * A recipe variable: a plain string, or a secret. A secret's `value` is given
 * once; the server stores only a `sealed` (encrypted) copy, redacts the value
 * from every stored output line, and never returns it.
 */
export const recipeVariableSchema = z.union([
  z.string().max(100_000),
  z.object({ secret: z.literal(true), value: z.string().min(1).max(100_000).optional(), sealed: z.string().max(200_000).optional() }),
]);

/**
 * A fix applied in the step's worktree before its phases (and undone after),
 * where the tested commit does not contain it already: a commit (`git
 * cherry-pick -n`) or a patch file (`git apply --3way`; a relative path is
 * taken from the repository).
 */
export const patchSchema = z.union([
  z.object({ commit: z.string().min(1).max(256) }).strict(),
  z.object({ file: z.string().min(1).max(4096) }).strict(),
]);

export const recipeSchema = z
  .object({
    phases: z.array(phaseSchema).min(1, 'a recipe needs at least one phase').max(50),
    /** Fixes every step needs to build or boot at all (ktest's PRE_BUILD, syzkaller's cherry-picks). */
    patches: z.array(patchSchema).max(50).optional(),
    /** What a step whose patch does not apply means (default skip). */
    onPatchFailure: z.enum(['skip', 'bad', 'abort']).default('skip'),
    /**
     * After the culprit is found, build and test the bad commit with the culprit
     * reverted and the culprit's parent again (default: on in exact mode, off in
     * flaky mode). `sessions.create`'s `verify` overrides it.
     */
    verify: z.boolean().optional(),
    /** Variables every phase receives in its environment. */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), recipeVariableSchema)
      .optional(),
  })
  .superRefine((r, ctx) => {
    // Scripts on hosts get the variables through the remote shell, which refuses some names.
    if (!r.phases.some((p) => p.kind === 'script' && (p.on ?? 'local') !== 'local')) return;
    for (const name of Object.keys(r.env ?? {})) {
      const problem = remoteEnvNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: ['env', name], message: problem });
    }
  });

export type RecipeVariable = z.infer<typeof recipeVariableSchema>;
export type PatchSpec = z.infer<typeof patchSchema>;

export type PhaseSpec = z.infer<typeof phaseSchema>;
export type ScriptPhaseSpec = z.infer<typeof scriptPhaseSchema>;
export type CheckoutPhaseSpec = z.infer<typeof checkoutPhaseSchema>;
export type WaitForSshPhaseSpec = z.infer<typeof waitForSshPhaseSchema>;
export type RebootPhaseSpec = z.infer<typeof rebootPhaseSchema>;
export type TransferPhaseSpec = z.infer<typeof transferPhaseSchema>;
export type KconfigPhaseSpec = z.infer<typeof kconfigPhaseSchema>;
export type Recipe = z.infer<typeof recipeSchema>;
/** Recipe as users write it (defaults not yet applied). */
export type RecipeInput = z.input<typeof recipeSchema>;
