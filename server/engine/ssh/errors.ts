import { InfraError } from '../types';

/**
 * Why an SSH operation failed. Stable strings: the UI maps them to messages
 * and actions (e.g. HOST_KEY_UNKNOWN offers "accept and pin this key").
 */
export type SshErrorCode =
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  /** The key is listed `@revoked` in known_hosts. */
  | 'HOST_KEY_REVOKED'
  | 'AUTH_FAILED'
  | 'UNREACHABLE'
  /** Connecting (TCP + handshake + auth) took longer than readyTimeoutMs. */
  | 'TIMEOUT'
  /** An established connection died (keepalive timeout, reset, closed by the host). */
  | 'CONNECTION_LOST';

export interface SshErrorDetails {
  cause?: unknown;
  /** host:port the error is about (a jump host when the jump failed). */
  host?: string;
  /** SHA256 fingerprint of the key the server presented. */
  fingerprint?: string;
  /** For HOST_KEY_CHANGED: fingerprints of the keys we expected. */
  expectedFingerprints?: string[];
}

/** An SSH infrastructure failure: never a verdict about the commit under test. */
export class SshError extends InfraError {
  readonly host: string | undefined;
  readonly fingerprint: string | undefined;
  readonly expectedFingerprints: string[] | undefined;

  constructor(
    readonly code: SshErrorCode,
    message: string,
    details: SshErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.host = details.host;
    this.fingerprint = details.fingerprint;
    this.expectedFingerprints = details.expectedFingerprints;
  }
}

export class HostKeyUnknownError extends SshError {
  constructor(message: string, details: SshErrorDetails & { fingerprint: string }) {
    super('HOST_KEY_UNKNOWN', message, details);
  }
}

export class HostKeyChangedError extends SshError {
  constructor(message: string, details: SshErrorDetails & { fingerprint: string; expectedFingerprints: string[] }) {
    super('HOST_KEY_CHANGED', message, details);
  }
}

export class HostKeyRevokedError extends SshError {
  constructor(message: string, details: SshErrorDetails & { fingerprint: string }) {
    super('HOST_KEY_REVOKED', message, details);
  }
}

export function isSshError(err: unknown, code?: SshErrorCode): err is SshError {
  return err instanceof SshError && (code === undefined || err.code === code);
}

export type Ssh2Error = Error & { level?: string; code?: string | number };

/** Maps an ssh2 error during connection setup to an SshError. */
export function setupError(err: Ssh2Error, label: string): SshError {
  const level = err.level;
  if (level === 'client-authentication') {
    return new SshError('AUTH_FAILED', `authentication to ${label} failed: ${err.message}`, { cause: err, host: label });
  }
  if (level === 'client-timeout') {
    return new SshError('TIMEOUT', `timed out connecting to ${label}: ${err.message}`, { cause: err, host: label });
  }
  return new SshError('UNREACHABLE', `cannot connect to ${label}: ${err.message}`, { cause: err, host: label });
}

/** Maps an ssh2 error on an established connection to CONNECTION_LOST. */
export function lostError(err: Ssh2Error, label: string): SshError {
  const what = err.level === 'client-timeout' ? 'no answer to keepalives' : err.message;
  return new SshError('CONNECTION_LOST', `connection to ${label} lost: ${what}`, { cause: err, host: label });
}
