import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CommitTimeline, markerLabel, TimelineTooltip, type TimelineStep } from './CommitTimeline';
import { StepList } from './StepList';

// Server rendering only (the test environment has no DOM): checks structure,
// attributes and escaping; interaction is covered by the app's e2e tests.

const terms = { old: 'good', new: 'bad' };
const steps: TimelineStep[] = [
  { step: 1, sha: '1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d', subject: 'mm: fix <b>leak</b> & "oops"', position: 500, verdict: 'good', suspect: [[501, 1000]] },
  { step: 2, sha: 'b'.repeat(40), subject: 'net: two', position: 750, verdict: 'bad', suspect: [[501, 751]] },
  { step: 3, sha: 'c'.repeat(40), subject: 'three', position: 625, verdict: 'skip', suspect: [[501, 751]] },
  { step: 4, sha: 'd'.repeat(40), subject: 'four', position: 626, verdict: null, suspect: null },
];

function render(props: Partial<Parameters<typeof CommitTimeline>[0]> = {}): string {
  return renderToStaticMarkup(
    <CommitTimeline size={1000} initialSuspect={[[0, 1000]]} steps={steps} terms={terms} {...props} />,
  );
}

function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

describe('CommitTimeline (server render)', () => {
  it('renders the root, one marker per step with step and verdict data', () => {
    const html = render();
    expect(html).toContain('data-testid="timeline"');
    expect(count(html, 'data-testid="timeline-marker"')).toBe(4);
    for (const [step, verdict] of [[1, 'good'], [2, 'bad'], [3, 'skip'], [4, 'testing']] as const) {
      expect(html).toMatch(new RegExp(`data-testid="timeline-marker" data-step="${step}" data-verdict="${verdict}"`));
    }
    expect(html).not.toContain('data-testid="timeline-culprit"');
    expect(html).toContain('oldest');
    expect(html).toContain('newest');
  });

  it('labels markers with step, verdict term, short sha and subject, escaping the subject', () => {
    const html = render();
    expect(html).toContain('aria-label="step 1 good 1a2b3c4d5e6f mm: fix &lt;b&gt;leak&lt;/b&gt; &amp; &quot;oops&quot;"');
    expect(html).not.toContain('<b>leak');
    expect(markerLabel(steps[1]!, { old: 'broken', new: 'fixed' })).toBe('step 2 fixed bbbbbbbbbbbb net: two');
  });

  it('makes markers focusable buttons only when selectable', () => {
    expect(count(render(), 'tabindex="0"')).toBe(4);
    expect(render()).not.toContain('role="button"');
    const html = render({ onSelectStep: () => {}, selectedStep: 2 });
    expect(count(html, 'role="button"')).toBe(4);
    expect(count(html, 'aria-pressed="true"')).toBe(1);
    expect(html).toContain('is-selected');
    expect(html).toContain('timeline__band-selected');
  });

  it('marks the culprit with the bisect terms', () => {
    const html = render({ culpritPosition: 750, terms: { old: 'broken', new: 'fixed' } });
    expect(count(html, 'data-testid="timeline-culprit"')).toBe(1);
    expect(html).toContain('first fixed');
    expect(html).toContain('is-culprit');
  });

  it('draws one band path per snapshot and pulses only the step being tested', () => {
    const html = render();
    expect(count(html, 'data-band-step=')).toBe(4); // start + 3 finished steps
    expect(count(html, 'timeline__band--current')).toBe(1);
    expect(count(html, 'timeline-marker__pulse')).toBe(1);
  });

  it('renders a fragmented 60,000-commit range with a bounded number of elements', () => {
    const size = 60_000;
    const suspect: Array<[number, number]> = [];
    for (let p = 0; p < size; p += 2) suspect.push([p, p + 1]);
    const big: TimelineStep[] = Array.from({ length: 40 }, (_, i) => ({
      step: i + 1,
      sha: 'e'.repeat(40),
      subject: `s${i}`,
      position: 100 + i,
      verdict: 'skip' as const,
      suspect,
    }));
    const html = renderToStaticMarkup(
      <CommitTimeline size={size} initialSuspect={[[0, size]]} steps={big} terms={terms} culpritPosition={120} />,
    );
    expect(count(html, '<path')).toBe(43); // track + 41 bands + the overview strip's suspect range
    expect(count(html, '<g')).toBeLessThan(60);
    expect(html.length).toBeLessThan(2_000_000);
  });

  it('renders an empty bisect', () => {
    const html = renderToStaticMarkup(<CommitTimeline size={0} initialSuspect={[]} steps={[]} terms={terms} />);
    expect(html).toContain('data-testid="timeline"');
    expect(html).not.toContain('data-testid="timeline-marker"');
  });
});

describe('StepList (server render)', () => {
  const items = steps.map((s, i) => ({ ...s, ms: s.verdict === null ? null : 1000 * (i + 1) + 234 }));

  it('renders one row per step with sha, escaped subject, verdict term and duration', () => {
    const html = renderToStaticMarkup(<StepList steps={items} terms={{ old: 'broken', new: 'fixed' }} />);
    expect(count(html, 'data-testid="step-row"')).toBe(4);
    expect(html).toContain('data-step="3" data-verdict="skip"');
    expect(html).toContain('1a2b3c4d5e6f');
    expect(html).toContain('mm: fix &lt;b&gt;leak&lt;/b&gt; &amp; &quot;oops&quot;');
    expect(html).not.toContain('<b>leak');
    expect(html).toContain('>broken<');
    expect(html).toContain('>fixed<');
    expect(html).toContain('1.2s');
    expect(html).toContain('running…');
    expect(html).not.toContain('<button');
  });

  it('adds select buttons and marks the selected row when selectable', () => {
    const html = renderToStaticMarkup(
      <StepList steps={items} terms={terms} selectedStep={2} onSelectStep={() => {}} />,
    );
    expect(count(html, '<button')).toBe(4);
    expect(count(html, 'aria-current="true"')).toBe(1);
    expect(html).toMatch(/data-step="2"[^>]*aria-current="true"/);
  });

  it('says so when there are no steps', () => {
    expect(renderToStaticMarkup(<StepList steps={[]} terms={terms} />)).toContain('No steps yet.');
  });
});

describe('step list and timeline tooltip agree', () => {
  it('show the same subject text for every step, odd whitespace included', () => {
    const odd: TimelineStep[] = [...steps, { step: 5, sha: 'e'.repeat(40), subject: '  virtio:\tfix up\n virtio_disable_cb ', position: 10, verdict: 'bad', suspect: [[0, 11]] }];
    const list = renderToStaticMarkup(<StepList steps={odd.map((s) => ({ ...s, ms: 1000 }))} terms={terms} />);
    const listSubjects = [...list.matchAll(/data-testid="step-subject">([^<]*)</g)].map((m) => m[1]);
    const marker = { step: 0, x: 100, y: 40, lane: 0, verdict: null };
    const tooltipSubjects = odd.map((s) => {
      const html = renderToStaticMarkup(<TimelineTooltip id="t" step={s} marker={{ ...marker, step: s.step } as never} width={720} term="x" />);
      return /data-testid="timeline-tooltip-subject">([^<]*)</.exec(html)?.[1];
    });
    expect(listSubjects).toEqual(tooltipSubjects);
    expect(listSubjects.at(-1)).toBe('virtio: fix up virtio_disable_cb');
    expect(markerLabel(odd.at(-1)!, terms)).toBe('step 5 bad eeeeeeeeeeee virtio: fix up virtio_disable_cb');
  });

  it('keeps notes out of the verdict column (under the subject), so the badge is never cut', () => {
    const html = renderToStaticMarkup(<StepList steps={[{ ...steps[0]!, ms: 1, notes: ['check good', 'slot 2'] }]} terms={terms} />);
    const verdictCell = /<td class="step-list__verdict">(.*?)<\/td>/.exec(html)?.[1] ?? '';
    expect(verdictCell).not.toContain('step-note');
    expect(html).toMatch(/step-list__subject[^]*step-note[^]*check good/);
  });
});
