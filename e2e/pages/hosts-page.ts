import { expect, type Locator, type Page } from '@playwright/test';

/** The Hosts page: the list, the add/edit form, and per-host test results. */
export class HostsPage {
  readonly addButton: Locator;
  readonly form: Locator;

  constructor(readonly page: Page) {
    this.addButton = page.getByRole('button', { name: 'Add host' }).first();
    this.form = page.locator('form.host-form');
  }

  async goto(): Promise<void> {
    await this.page.goto('/hosts');
    await expect(this.page.getByRole('heading', { name: 'Hosts' })).toBeVisible();
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="host-row"][data-host="${name}"]`);
  }

  /** The test result shown under a host's row. */
  result(name: string): Locator {
    return this.row(name).locator('xpath=following-sibling::tr[1]').getByTestId('host-test-result');
  }

  async add(fields: { name: string; address: string; port?: number; user?: string; identityFile?: string }): Promise<void> {
    await this.addButton.click();
    await this.form.getByLabel(/^Name/).fill(fields.name);
    await this.form.getByLabel(/^Address/).fill(fields.address);
    if (fields.port !== undefined) await this.form.getByLabel(/^Port/).fill(String(fields.port));
    if (fields.user !== undefined) await this.form.getByLabel(/^User/).fill(fields.user);
    if (fields.identityFile !== undefined) await this.form.getByLabel(/^Identity file/).fill(fields.identityFile);
    await this.form.getByRole('button', { name: 'Add host' }).click();
  }

  async testConnection(name: string): Promise<void> {
    await this.row(name).getByRole('button', { name: 'Test connection' }).click();
  }
}
