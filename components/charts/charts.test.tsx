import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CopyBarsChart } from './CopyBarsChart';
import { SessionRatesChart } from './SessionRatesChart';
import { ThroughputChart } from './ThroughputChart';
import type { ChartCopy } from './transfer-data';

// Server rendering only (no DOM here): the figure, its caption and the data
// attributes the e2e test reads. The drawing itself is checked in Chromium.

const GiB = 1024 ** 3;
const s = (t: number, bytes: number, rateMBps: number) => ({ t, bytes, rateMBps });

function copy(over: Partial<ChartCopy> & { copy: number }): ChartCopy {
  return { copies: 15, payloadBytes: 2 * GiB, stallSec: 20, copyTimeoutSec: 180, outcome: 'ok', detail: '', meanMBps: 72.9, ms: 28_100, samples: [], ...over };
}

describe('transfer charts', () => {
  it('the live chart follows the running copy and says where it is', () => {
    const html = renderToStaticMarkup(
      <ThroughputChart
        copies={[
          copy({ copy: 1, samples: [s(0.25, 1e7, 40), s(28.1, 2 * GiB, 75)] }),
          copy({ copy: 2, outcome: 'running', meanMBps: null, ms: null, samples: [s(0.25, 2e7, 80), s(0.5, 4e7, 80), s(0.75, 6e7, 80)] }),
        ]}
      />,
    );
    expect(html).toContain('data-testid="throughput-chart"');
    expect(html).toContain('data-copy="2"');
    expect(html).toContain('data-points="3"');
    expect(html).toContain('data-state="running"');
    expect(html).toContain('copy 2/15');
    expect(html).toContain('80.0 MB/s now');
    expect(html).toContain('stall window 20 s');
  });

  it('a stalled copy is shown as stalled with its detail', () => {
    const html = renderToStaticMarkup(
      <ThroughputChart
        copies={[copy({ copy: 4, outcome: 'stalled', meanMBps: 30, ms: 41_000, detail: 'stalled at 1.2 GiB after 20 s without progress', samples: [s(20, 1.2 * GiB, 60), s(41, 1.2 * GiB, 0)] })]}
      />,
    );
    expect(html).toContain('data-state="stalled"');
    expect(html).toContain('stalled at 1.2 GiB after 20 s without progress');
    expect(html).toContain('color:var(--bad)');
  });

  it('with nothing yet it says so', () => {
    expect(renderToStaticMarkup(<ThroughputChart copies={[]} />)).toContain('No copy has started yet.');
  });

  it('the bars count finished copies and list the outcomes seen in the legend', () => {
    const html = renderToStaticMarkup(<CopyBarsChart copies={[copy({ copy: 1 }), copy({ copy: 2, outcome: 'stalled', meanMBps: 3 })]} />);
    expect(html).toContain('data-bars="2"');
    expect(html).toMatch(/background:var\(--good\)"><\/span>ok/);
    expect(html).toMatch(/background:var\(--bad\)"><\/span>stalled/);
    expect(html).toMatch(/<\/span>not run/);
  });

  it('the session chart has a point per finished copy, with the terms in the legend', () => {
    const html = renderToStaticMarkup(
      <SessionRatesChart
        rangeSize={100}
        terms={{ old: 'good', new: 'bad' }}
        steps={[
          { step: 1, position: 50, sha: 'a'.repeat(40), subject: 's', verdict: 'good', copies: [{ index: 1, bytes: 1, ms: 1, meanMBps: 70, outcome: 'ok' }] },
          { step: 2, position: 75, sha: 'b'.repeat(40), subject: 't', verdict: 'bad', copies: [{ index: 1, bytes: 1, ms: 1, meanMBps: 0.5, outcome: 'stalled' }] },
        ]}
      />,
    );
    expect(html).toContain('data-testid="session-rates"');
    expect(html).toContain('data-points="2"');
    expect(html).toContain('good');
    expect(html).toContain('failed copy');
  });
});
