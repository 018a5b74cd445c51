import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { z } from 'zod';
import { FileReadError, MAX_KEY_FILE_BYTES, readRegularFile } from '../engine/ssh/files';
import { UserInputError, type PowerCycleSpec } from '../engine/types';

/**
 * What users type for a host, and the rules it must follow. The service checks
 * input with these and turns the first problem into a UserInputError naming
 * the field, so the form can show it next to the field.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Host name, IPv4/IPv6 address or ssh config alias: no spaces, no user@, no shell characters. */
const ADDRESS = /^[A-Za-z0-9_.:%-]+$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((v) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim()));

export const hostNameSchema = z
  .string()
  .trim()
  .min(1, 'give the host a name (recipes refer to it in "on")')
  .max(64, 'at most 64 characters')
  .regex(NAME, 'use letters, digits, ".", "_" and "-" (starting with a letter or digit)')
  .refine((v) => v !== 'local', '"local" is reserved for this machine: choose another name');

export const addressSchema = z
  .string()
  .trim()
  .min(1, 'give a host name, an IP address or an alias from ~/.ssh/config')
  .max(255)
  .refine((v) => !v.includes('@'), 'put the user name in the User field, not in the address')
  .refine((v) => !/^[^:]+:\d+$/.test(v), 'put the port in the Port field, not in the address')
  .refine((v) => ADDRESS.test(v) && !v.startsWith('-'), 'not a host name, IP address or ssh config alias (no spaces or special characters)');

export const powerCycleInput = z.union([
  z.string().trim().min(1).max(10_000),
  z.object({ on: z.string().trim().min(1).max(64).optional(), run: z.string().trim().min(1, 'the power-cycle command is empty').max(10_000) }),
]);

export const hostFieldsSchema = z.object({
  name: hostNameSchema,
  address: addressSchema,
  port: z.number().int('the port is a whole number').min(1).max(65535).nullish(),
  user: optionalText(64).refine((v) => v == null || USER.test(v), 'not a valid user name'),
  identityFile: optionalText(4096).refine((v) => v == null || v.startsWith('/') || v.startsWith('~/'), 'give an absolute path (or ~/…) of a private key file'),
  passphrase: z.string().max(1024).nullish(),
  useAgent: z.boolean().optional(),
  hostKeyPolicy: z.enum(['strict', 'accept-new']).optional(),
  powerCycle: powerCycleInput.nullish(),
});

export type HostFieldsInput = z.input<typeof hostFieldsSchema>;

/** The first problem of a zod error as a UserInputError on its field. */
export function firstIssue(error: z.ZodError): UserInputError {
  const issue = error.issues[0];
  const field = issue?.path[0] !== undefined ? String(issue.path[0]) : undefined;
  const label = field ? `${field}: ` : '';
  return new UserInputError(`${label}${issue?.message ?? 'invalid input'}`, field);
}

export function parseFields<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw firstIssue(parsed.error);
  return parsed.data;
}

export function normalizePowerCycle(v: z.output<typeof powerCycleInput> | null | undefined): PowerCycleSpec | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  return typeof v === 'string' ? { on: 'local', run: v } : { on: v.on ?? 'local', run: v.run };
}

export function expandHome(file: string): string {
  return file === '~' ? os.homedir() : file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

/**
 * Checks that the identity file can be read and, with the passphrase, parsed,
 * so a typo shows up in the form rather than at 3 a.m. in a bisect. Read
 * asynchronously; a FIFO, a device or a file over 64 KiB is refused at once.
 */
export async function checkIdentityFile(file: string, passphrase: string | null | undefined): Promise<void> {
  let data: Buffer;
  try {
    data = await readRegularFile(expandHome(file), MAX_KEY_FILE_BYTES);
  } catch (err) {
    const why = err instanceof FileReadError ? err.detail : (err as Error).message;
    throw new UserInputError(`cannot read identity file ${file} on the dashboard's machine: ${why}`, 'identityFile');
  }
  const parsed = ssh2.utils.parseKey(data, passphrase ?? undefined);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || key === undefined) {
    const msg = key instanceof Error ? key.message : 'no key found';
    if (/encrypted|passphrase/i.test(msg)) {
      throw new UserInputError(
        passphrase ? `the passphrase does not unlock ${file}` : `${file} is protected by a passphrase: give it, or use ssh-agent`,
        'passphrase',
      );
    }
    throw new UserInputError(`${file} is not a private key ssh can use: ${msg}`, 'identityFile');
  }
  if (key.isPrivateKey && !key.isPrivateKey()) {
    throw new UserInputError(`${file} is a public key: give the private key file (without .pub)`, 'identityFile');
  }
}
