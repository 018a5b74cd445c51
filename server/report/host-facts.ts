import os from 'node:os';

/**
 * What the server knows about the machines phases run on, for the report's
 * environment section: the local machine's kernel. Remote hosts are described
 * by whoever knows them (a hosts registry) and merged in by the caller.
 */
export function hostFacts(): Record<string, string> {
  return { local: `${os.type()} ${os.release()} ${os.machine?.() ?? os.arch()}` };
}
