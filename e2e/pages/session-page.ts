import { expect, type Locator, type Page } from '@playwright/test';

/** The live page of one bisect session. */
export class SessionPage {
  readonly view: Locator;
  readonly status: Locator;
  readonly timeline: Locator;
  readonly markers: Locator;
  readonly stepRows: Locator;
  readonly phaseLog: Locator;
  readonly culpritSubject: Locator;
  readonly bisectLog: Locator;

  constructor(readonly page: Page) {
    this.view = page.getByTestId('session-view');
    this.status = page.getByTestId('session-view');
    this.timeline = page.getByTestId('timeline');
    this.markers = page.getByTestId('timeline-marker');
    this.stepRows = page.getByTestId('step-row');
    this.phaseLog = page.getByTestId('phase-log');
    this.culpritSubject = page.getByTestId('culprit-subject');
    this.bisectLog = page.getByTestId('bisect-log');
  }

  id(): string {
    const m = /\/sessions\/([0-9a-f-]{36})/.exec(this.page.url());
    if (!m?.[1]) throw new Error(`not a session page: ${this.page.url()}`);
    return m[1];
  }

  async waitForStatus(status: 'running' | 'done' | 'failed' | 'cancelled', timeout = 90_000): Promise<void> {
    await expect(this.view).toHaveAttribute('data-status', status, { timeout });
  }

  /** Lines the browser holds for the shown phase, and lines the server stored for it. */
  async logCounts(): Promise<{ received: number; stored: number }> {
    const received = Number(await this.phaseLog.getAttribute('data-received-lines'));
    const stored = Number(await this.phaseLog.getAttribute('data-stored-lines'));
    return { received, stored };
  }
}
