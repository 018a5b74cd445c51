'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/lib/trpc';
import type { HostTestView, HostView } from './types';

/**
 * What "Test connection" found: reachable (fingerprint, uname -r, time), an
 * unknown key to compare and accept, a changed key (refused, both
 * fingerprints), or why it failed.
 */
export function HostTestResult({
  host,
  result,
  onAccepted,
  onForgot,
}: {
  host: HostView;
  result: HostTestView;
  onAccepted: () => void;
  onForgot: () => void;
}) {
  const trpc = useTRPC();
  const accept = useMutation(trpc.hosts.acceptKey.mutationOptions({ onSuccess: onAccepted }));
  const forget = useMutation(trpc.hosts.update.mutationOptions({ onSuccess: onForgot }));

  if (result.ok) {
    return (
      <div className="host-test host-test-ok" data-testid="host-test-result" data-ok="true" role="status">
        <strong>Reachable</strong> · key <code data-testid="host-fingerprint">{result.fingerprint}</code> · <code>uname -r</code>{' '}
        <code data-testid="host-kernel">{result.kernel}</code> · <span data-testid="host-ms">{result.ms} ms</span>
        {result.pinned && <span className="muted"> · new host key pinned (accept-new)</span>}
      </div>
    );
  }

  if (result.code === 'HOST_KEY_UNKNOWN' && result.fingerprint) {
    return (
      <div className="host-test host-test-warn" data-testid="host-test-result" data-ok="false" data-code={result.code} role="alert">
        <p>
          <strong>Unknown host key.</strong> {host.name} presents <code data-testid="host-fingerprint">{result.fingerprint}</code>. Compare it
          with <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> run on the host itself, then accept it to pin it.
        </p>
        <p className="muted">{result.error}</p>
        <button
          type="button"
          className="btn btn-small"
          data-testid="accept-key"
          disabled={accept.isPending}
          onClick={() => accept.mutate({ id: host.id, fingerprint: result.fingerprint ?? '' })}
        >
          {accept.isPending ? 'Accepting…' : `Accept and pin ${result.fingerprint}`}
        </button>
        {accept.error && <p className="error-text">{accept.error.message}</p>}
      </div>
    );
  }

  if (result.code === 'HOST_KEY_CHANGED') {
    return (
      <div className="host-test host-test-bad" data-testid="host-test-result" data-ok="false" data-code={result.code} role="alert">
        <p>
          <strong>Host key changed: connection refused.</strong> Someone may be intercepting the connection, or the host was reinstalled.
        </p>
        <dl className="host-facts">
          <dt>presented now</dt>
          <dd>
            <code data-testid="host-fingerprint">{result.fingerprint}</code>
          </dd>
          <dt>expected</dt>
          <dd>
            {(result.expectedFingerprints ?? []).map((f) => (
              <code key={f} data-testid="host-expected-fingerprint">
                {f}{' '}
              </code>
            ))}
          </dd>
        </dl>
        {host.pinnedKeys.length > 0 ? (
          <p>
            If you know the host was reinstalled:{' '}
            <button
              type="button"
              className="btn btn-small btn-danger"
              disabled={forget.isPending}
              onClick={() => forget.mutate({ id: host.id, forgetPinnedKeys: true })}
            >
              Forget its pinned keys
            </button>{' '}
            then test again and compare the new fingerprint.
          </p>
        ) : (
          <p className="muted">The expected key comes from known_hosts: if the host was reinstalled, remove its old line there (ssh-keygen -R).</p>
        )}
        {forget.error && <p className="error-text">{forget.error.message}</p>}
      </div>
    );
  }

  return (
    <div className="host-test host-test-bad" data-testid="host-test-result" data-ok="false" data-code={result.code ?? ''} role="alert">
      <strong>Not reachable</strong> ({result.ms} ms): {result.error}
      {result.fingerprint && (
        <>
          {' '}
          · key <code data-testid="host-fingerprint">{result.fingerprint}</code>
        </>
      )}
    </div>
  );
}
