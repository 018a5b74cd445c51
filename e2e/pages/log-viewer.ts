import { expect, type Locator, type Page } from '@playwright/test';

/** The log viewer of a session page's selected step. */
export class LogViewer {
  readonly root: Locator;
  readonly scroller: Locator;
  readonly search: Locator;
  readonly count: Locator;
  readonly currentMatch: Locator;
  readonly follow: Locator;
  readonly firstError: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('log-view');
    this.scroller = page.getByTestId('log-scroller');
    this.search = page.getByTestId('log-search');
    this.count = page.getByTestId('log-search-count');
    this.currentMatch = page.getByTestId('log-match-current');
    this.follow = page.getByTestId('log-follow');
    this.firstError = page.getByTestId('log-first-error');
  }

  /** The row of line `n` (1-based, as in the raw log) if it is drawn. */
  line(n: number): Locator {
    return this.root.locator(`[data-line="${n}"]`);
  }

  section(name: string): Locator {
    return this.root.locator(`[data-section="${name}"]`);
  }

  part(name: string): Locator {
    return this.root.locator(`[data-part="${name}"]`);
  }

  /** Waits until the viewer holds `lines` lines in all (the log has arrived). */
  async waitForLines(lines: number, timeout = 120_000): Promise<void> {
    await expect(this.root).toHaveAttribute('data-lines', String(lines), { timeout });
  }

  async scrollState(): Promise<{ top: number; height: number; client: number }> {
    return this.scroller.evaluate((el) => ({ top: el.scrollTop, height: el.scrollHeight, client: el.clientHeight }));
  }

  /** Line numbers of the rows drawn inside the visible part of the scroller. */
  async visibleLines(): Promise<number[]> {
    return this.scroller.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return Array.from(el.querySelectorAll<HTMLElement>('[data-line]'))
        .filter((r) => {
          const b = r.getBoundingClientRect();
          return b.bottom > box.top && b.top < box.bottom;
        })
        .map((r) => Number(r.dataset.line));
    });
  }
}
