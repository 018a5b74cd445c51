import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../runtime';
import { generateRepo, type GeneratedRepo } from '../engine/testing/repo';
import { makeTempDir, removeDir } from '../engine/testing/scripts';
import { listEventsAfter } from '../../db/queries/events';
import { SecretBox, redact } from './box';
import { MIN_FRAGMENT_CHARS, Redactor } from './redactor';
import { LineSplitter, MAX_LINE_LENGTH, RAW_LINE_LIMIT } from '../engine/util/line-splitter';
import { outputLines, settledSession } from '../../test/sessions';

const SECRET = 'hunter2-s3cr3t-Zq9';
/** The example: echoed by a phase, it arrives as two output lines. */
const MULTI = 'line1-SECRETPART-A\nline2-SECRETPART-B';
/** Found in the stored text only if a secret (or a long part of one) was stored. */
const LEAKS = ['hunter2', 's3cr3t', 'SECRETPART', 'LONGSECRET'];

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(p);
    else if (e.isFile()) yield p;
  }
}

describe('secret recipe variables', () => {
  let tmp: string;
  let repo: GeneratedRepo;
  let rt: Runtime;
  beforeAll(async () => {
    tmp = await makeTempDir('secrets-');
    repo = await generateRepo({ dir: path.join(tmp, 'repo'), commits: 40, culprit: 25, tags: { v1: 0 } });
    rt = await createRuntime({ config: { port: 0, host: '127.0.0.1', dataDir: path.join(tmp, 'data'), databaseUrl: undefined } });
  });
  afterAll(async () => removeDir(tmp));

  it('multi-line secrets and secrets across the line cut leave no part of themselves in the log', async () => {
    const long = `LONGSECRET-${'k'.repeat(40)}`;
    const { id } = await rt.sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v1'],
      recipe: {
        env: { CERT: { secret: true, value: MULTI }, KEY: { secret: true, value: long } },
        phases: [
          {
            name: 't',
            kind: 'script',
            // 1: the repro; 2: indented; 3: a secret across the stored-line cut;
            // 4: a secret inside a line longer than executors keep; 5: a secret at the executor's cut.
            run: [
              'echo "cert=$CERT"',
              'printf "%s\\n" "$CERT" | sed "s/^/    /"',
              `head -c ${MAX_LINE_LENGTH - 20} /dev/zero | tr '\\0' A; printf '%s' "$KEY"; echo`,
              `head -c ${MAX_LINE_LENGTH - 5} /dev/zero | tr '\\0' B; printf '%s' "$KEY"; head -c ${RAW_LINE_LIMIT + 1000} /dev/zero | tr '\\0' C; echo`,
              `head -c ${RAW_LINE_LIMIT - 20} /dev/zero | tr '\\0' D; printf '%s' "$KEY"; echo; echo after`,
              'test ! -e BUG',
            ].join('\n'),
          },
        ],
      },
    });
    const detail = await settledSession(rt.db.db, id);
    expect(detail?.session.status).toBe('done');
    const events = await listEventsAfter(rt.db.db, id, 0, 10_000);
    const lines = events.flatMap((e) => (e.payload.type === 'output' && e.payload.step === 1 ? e.payload.lines : []));
    expect(lines.slice(0, 4)).toEqual(['cert=[secret]', '[secret]', '    [secret]', '    [secret]']);
    const cutA = lines.find((l) => l.startsWith('AAAA'));
    expect(cutA).toBe(`${'A'.repeat(MAX_LINE_LENGTH - 20)}[secret]`); // redacted first, so it is short enough to keep whole
    const cutB = lines.find((l) => l.startsWith('BBBB'));
    expect(cutB).toBe(`${'B'.repeat(MAX_LINE_LENGTH - 5)}[secret]${'C'.repeat(5 - '[secret]'.length + 8)}`.slice(0, MAX_LINE_LENGTH) + ` … [line cut at ${MAX_LINE_LENGTH} characters]`);
    const cutD = lines.find((l) => l.startsWith('DDDD'));
    expect(cutD?.endsWith(' characters]')).toBe(true);
    expect(lines).toContain('after');
    const all = JSON.stringify(events);
    for (const leak of LEAKS) expect(all, leak).not.toContain(leak);
    // No prefix of the long secret longer than 3 characters next to the cut.
    for (const l of lines) expect(l).not.toMatch(/LONG|[AD]LON|kkkk/);
  });

  it('reach the phases but no stored byte, API answer or log line', async () => {
    const { id } = await rt.sessions.create({
      repoPath: repo.dir,
      bad: 'main',
      good: ['v1'],
      recipe: {
        env: { API_KEY: { secret: true, value: SECRET }, PLAIN: 'visible' },
        phases: [{ name: 't', kind: 'script', run: 'echo "key=$API_KEY plain=$PLAIN"; echo "$API_KEY" >&2; test -n "$API_KEY" && test ! -e BUG' }],
      },
    });
    const detail = await settledSession(rt.db.db, id);
    expect(detail?.session.status).toBe('done'); // the phases saw a non-empty API_KEY: the test would fail otherwise
    expect(JSON.stringify(detail)).not.toContain(SECRET);
    expect(detail?.session.recipe.env?.API_KEY).toEqual({ secret: true });
    const events = await listEventsAfter(rt.db.db, id, 0, 10_000);
    const lines = outputLines(events);
    expect(lines).toContain('key=[secret] plain=visible');
    expect(lines).toContain('[secret]');
    expect(JSON.stringify(events)).not.toContain(SECRET);

    await rt.shutdown();
    let scanned = 0;
    for await (const f of filesUnder(path.join(tmp, 'data'))) {
      const bytes = await readFile(f);
      expect(bytes.includes(Buffer.from(SECRET)), `${f} holds the secret`).toBe(false);
      scanned++;
    }
    expect(scanned).toBeGreaterThan(10);
    expect((await stat(path.join(tmp, 'data', 'secret.key'))).mode & 0o777).toBe(0o600);
  });
});

describe('SecretBox and redact', () => {
  it('seals and opens; tampering fails', () => {
    const box = SecretBox.forKey(Buffer.alloc(32, 7));
    const sealed = box.seal('abc');
    expect(sealed).not.toContain('abc');
    expect(box.unseal(sealed)).toBe('abc');
    const broken = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'B' : 'A') + '=';
    expect(() => box.unseal(broken)).toThrow();
  });
  it('redacts every occurrence', () => {
    expect(redact('a s3 b s3', ['s3'])).toBe('a [secret] b [secret]');
    expect(redact('nothing', [''])).toBe('nothing');
  });

  it('redacts each line of a multi-line secret, but not its lines under MIN_FRAGMENT_CHARS characters', () => {
    const r = new Redactor(['{\r\n  "key": "abcd1234"\r\n}\r\nZQ=\n']);
    expect(MIN_FRAGMENT_CHARS).toBe(4);
    expect(r.text('got "key": "abcd1234", done')).toBe('got [secret], done');
    // `{`, `}` and `ZQ=` alone are not redacted: that would mark every brace of the log (and tell which short strings the secret holds).
    expect(r.text('int main() {')).toBe('int main() {');
    expect(r.text('ZQ=')).toBe('ZQ=');
    expect(new Redactor([MULTI]).text(`x=${MULTI}.`)).toBe('x=[secret].');
    expect(new Redactor([MULTI]).text('line2-SECRETPART-B and line1-SECRETPART-A')).toBe('[secret] and [secret]');
    // A single-line secret is redacted whatever its length.
    expect(new Redactor(['ab']).text('cab')).toBe('c[secret]');
  });

  it('redacts every string of a structured event, at any depth', () => {
    const r = new Redactor([MULTI]);
    const e = { type: 'phaseFinished', message: `failed: ${MULTI}`, nested: [{ why: 'line2-SECRETPART-B' }], n: 3 };
    expect(r.deep(e)).toEqual({ type: 'phaseFinished', message: 'failed: [secret]', nested: [{ why: '[secret]' }], n: 3 });
  });

  it('redacts a line before cutting it (the one splitter of local and remote executors)', () => {
    const secret = 'S3CRET-across-the-cut-0123456789';
    const r = new Redactor([secret]);
    const text = `${'a'.repeat(MAX_LINE_LENGTH - 10)}${secret}${'b'.repeat(MAX_LINE_LENGTH)}\n`;
    for (const lines of [new LineSplitter().push(Buffer.from(text))]) {
      expect(lines).toHaveLength(1);
      const stored = r.line(lines[0] ?? '');
      expect(stored.startsWith(`${'a'.repeat(MAX_LINE_LENGTH - 10)}[secret]bb`)).toBe(true);
      expect(stored).not.toContain('S3CR');
    }
    // The executor cut inside the secret (its rest was dropped): the start of it is removed too.
    const atCut = `${'c'.repeat(RAW_LINE_LIMIT - 10)}${secret}\n`;
    const [kept] = new LineSplitter().push(Buffer.from(atCut));
    expect(kept).toHaveLength(RAW_LINE_LIMIT);
    expect(r.line(kept ?? '')).not.toContain('S3CR');
    const shrunk = new Redactor([secret, 'c'.repeat(1000)]).line(kept ?? '');
    expect(shrunk.length).toBeLessThan(MAX_LINE_LENGTH);
    expect(shrunk).not.toMatch(/S3C|c$/);
    expect(shrunk.endsWith(' … [line cut]')).toBe(true);
  });
});
