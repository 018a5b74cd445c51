import type { Locator, Page } from '@playwright/test';

/** The transfer graphs of a session page. */
export class TransferCharts {
  readonly live: Locator;
  readonly bars: Locator;
  readonly session: Locator;

  constructor(readonly page: Page) {
    this.live = page.getByTestId('throughput-chart');
    this.bars = page.getByTestId('copy-bars');
    this.session = page.getByTestId('session-rates');
  }

  /** Samples the live graph holds for the copy it follows, and which copy that is. */
  async livePoints(): Promise<{ copy: number; points: number; state: string }> {
    const [copy, points, state] = await Promise.all([
      this.live.getAttribute('data-copy'),
      this.live.getAttribute('data-points'),
      this.live.getAttribute('data-state'),
    ]);
    return { copy: Number(copy), points: Number(points), state: state ?? '' };
  }

  /** Lines drawn in the live graph (one per copy that has samples). */
  liveLines(): Locator {
    return this.live.locator('.recharts-line-curve');
  }
}
