import { cwdFailedMarker, envFailedMarker, parseProcessGroupLine, type ProcessGroupInfo } from './remote-command';

/**
 * Reads the remote wrapper's marker lines (see buildRemoteCommand) out of a
 * command's stderr: the process-group line, and the markers for a missing
 * `cwd` or an environment that did not arrive. Other lines (login scripts',
 * the command's) pass through in order.
 */
export class WrapperStderr {
  /** The remote process group, once its line was seen. */
  group: ProcessGroupInfo | undefined;
  /** Why the wrapper could not start the command, if its marker was seen. */
  setupFailed: 'cwd' | 'env' | undefined;
  private readonly seen: Promise<void>;
  private markSeen!: () => void;

  constructor(
    private readonly nonce: string,
    /** Whether setup markers can appear at all (a cwd or an environment was sent). */
    private readonly hasSetup: boolean,
    /** Told the group as soon as it is known (for crash-recovery leases). */
    private readonly onGroup?: (info: ProcessGroupInfo) => void,
  ) {
    this.seen = new Promise((resolve) => (this.markSeen = resolve));
  }

  /** `lines` without the wrapper's markers. */
  filter(lines: string[]): string[] {
    if (this.group && !this.hasSetup) return lines;
    const cwdMarker = cwdFailedMarker(this.nonce);
    const envMarker = envFailedMarker(this.nonce);
    return lines.filter((line) => {
      if (!this.group) {
        const info = parseProcessGroupLine(line, this.nonce);
        if (info) {
          this.group = info;
          this.onGroup?.(info);
          this.markSeen();
          return false;
        }
      }
      if (line === cwdMarker || line === envMarker) {
        this.setupFailed = line === cwdMarker ? 'cwd' : 'env';
        return false;
      }
      return true;
    });
  }

  /** The group, waiting for its line at most `ms` (or until `gone` resolves: the channel closed). */
  async groupWithin(ms: number, gone: Promise<void>): Promise<ProcessGroupInfo | undefined> {
    if (this.group) return this.group;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([this.seen, timeout, gone]);
    clearTimeout(timer);
    return this.group;
  }
}
