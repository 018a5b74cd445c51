'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/lib/trpc';
import type { HostView } from './types';
import { FieldError } from '@/components/ui/FieldError';
import { SubmitButton } from '@/components/ui/SubmitButton';

/**
 * Add or edit a host. The passphrase field is write-only: an edited host
 * shows whether it has one, leaving the field empty keeps it.
 */
export function HostForm({ host, others, onDone }: { host?: HostView; others: string[]; onDone: () => void }) {
  const trpc = useTRPC();
  const [name, setName] = useState(host?.name ?? '');
  const [address, setAddress] = useState(host?.address ?? '');
  const [port, setPort] = useState(host?.port ? String(host.port) : '');
  const [user, setUser] = useState(host?.user ?? '');
  const [identityFile, setIdentityFile] = useState(host?.identityFile ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [clearPassphrase, setClearPassphrase] = useState(false);
  const [useAgent, setUseAgent] = useState(host?.useAgent ?? false);
  const [hostKeyPolicy, setHostKeyPolicy] = useState<'strict' | 'accept-new'>(host?.hostKeyPolicy ?? 'strict');
  const [powerCycleOn, setPowerCycleOn] = useState(host?.powerCycle?.on ?? 'local');
  const [powerCycleRun, setPowerCycleRun] = useState(host?.powerCycle?.run ?? '');
  const [forgetKeys, setForgetKeys] = useState(false);
  const [localError, setLocalError] = useState<string | null>(null);

  const create = useMutation(trpc.hosts.create.mutationOptions({ onSuccess: onDone }));
  const update = useMutation(trpc.hosts.update.mutationOptions({ onSuccess: onDone }));
  const m = host ? update : create;
  const field = m.error?.data && 'field' in m.error.data ? (m.error.data.field as string | null) : null;
  const errorFor = (f: string) => (field === f ? <FieldError testId={`host-error-${f}`}>{m.error?.message}</FieldError> : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    const portNumber = port.trim() === '' ? null : Number(port);
    if (portNumber !== null && !Number.isInteger(portNumber)) {
      setLocalError('the port is a number, e.g. 22');
      return;
    }
    const fields = {
      name,
      address,
      port: portNumber,
      user: user.trim() || null,
      identityFile: identityFile.trim() || null,
      useAgent,
      hostKeyPolicy,
      powerCycle: powerCycleRun.trim() ? { on: powerCycleOn, run: powerCycleRun } : null,
    };
    if (host) {
      update.mutate({
        id: host.id,
        ...fields,
        ...(clearPassphrase ? { passphrase: null } : passphrase ? { passphrase } : {}),
        ...(forgetKeys ? { forgetPinnedKeys: true } : {}),
      });
    } else {
      create.mutate({ ...fields, ...(passphrase ? { passphrase } : {}) });
    }
  };

  return (
    <form className="form panel host-form" onSubmit={submit} aria-label={host ? `edit host ${host.name}` : 'add host'}>
      <h2>{host ? `Edit ${host.name}` : 'Add a host'}</h2>
      <div className="form-row">
        <label>
          Name <span className="muted">(recipes use it in &quot;on&quot;)</span>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="builder" required />
        </label>
        <label>
          Address <span className="muted">(host name, IP or ~/.ssh/config alias)</span>
          <input name="address" value={address} onChange={(e) => setAddress(e.target.value)} placeholder="10.0.0.5" required />
        </label>
      </div>
      {errorFor('name')}
      {errorFor('address')}
      <div className="form-row">
        <label>
          Port
          <input name="port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} placeholder="22 (or from ssh config)" />
        </label>
        <label>
          User
          <input name="user" value={user} onChange={(e) => setUser(e.target.value)} placeholder="from ssh config, else yours" />
        </label>
      </div>
      {errorFor('port')}
      {errorFor('user')}
      <fieldset>
        <legend>Authentication</legend>
        <label>
          Identity file <span className="muted">(private key on this machine)</span>
          <input name="identityFile" value={identityFile} onChange={(e) => setIdentityFile(e.target.value)} placeholder="~/.ssh/id_ed25519" />
        </label>
        {errorFor('identityFile')}
        <label>
          Passphrase{' '}
          <span className="muted">
            {host?.hasPassphrase ? '(one is stored: leave empty to keep it)' : '(if the key has one; stored, never shown again)'}
          </span>
          <input
            name="passphrase"
            type="password"
            autoComplete="new-password"
            value={passphrase}
            disabled={clearPassphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
        </label>
        {host?.hasPassphrase && (
          <label className="checkbox">
            <input type="checkbox" checked={clearPassphrase} onChange={(e) => setClearPassphrase(e.target.checked)} /> Remove the stored
            passphrase
          </label>
        )}
        {errorFor('passphrase')}
        <label className="checkbox">
          <input name="useAgent" type="checkbox" checked={useAgent} onChange={(e) => setUseAgent(e.target.checked)} /> Use ssh-agent
          (the server&apos;s SSH_AUTH_SOCK) first
        </label>
      </fieldset>
      <label>
        Unknown host keys
        <select name="hostKeyPolicy" value={hostKeyPolicy} onChange={(e) => setHostKeyPolicy(e.target.value as 'strict' | 'accept-new')}>
          <option value="strict">strict: show the fingerprint, I accept it here</option>
          <option value="accept-new">accept-new: pin a new host&apos;s key on first contact (changed keys are always refused)</option>
        </select>
      </label>
      <fieldset>
        <legend>Power cycle</legend>
        <p className="muted">Run once when a rebooted host does not come back in time, e.g. virsh reset NAME on its hypervisor, or an IPMI call.</p>
        <div className="form-row">
          <label style={{ flex: '0 1 200px' }}>
            Run on
            <select name="powerCycleOn" value={powerCycleOn} onChange={(e) => setPowerCycleOn(e.target.value)}>
              <option value="local">local (this machine)</option>
              {others.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label>
            Command
            <input name="powerCycle" value={powerCycleRun} onChange={(e) => setPowerCycleRun(e.target.value)} placeholder="sudo virsh reset test-vm" />
          </label>
        </div>
        {errorFor('powerCycle')}
      </fieldset>
      {host && host.pinnedKeys.length > 0 && (
        <label className="checkbox">
          <input type="checkbox" checked={forgetKeys} onChange={(e) => setForgetKeys(e.target.checked)} /> Forget the {host.pinnedKeys.length}{' '}
          pinned host key(s) (after a reinstall)
        </label>
      )}
      {localError && <FieldError>{localError}</FieldError>}
      {m.error && !field && <FieldError testId="host-form-error">{m.error.message}</FieldError>}
      <div className="form-row">
        <SubmitButton pending={m.isPending} busy="Saving…">
          {host ? 'Save' : 'Add host'}
        </SubmitButton>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
