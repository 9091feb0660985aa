// Plans and billing (issue 16): a store owner sees the store's usage against its plan,
// is refused what the plan does not allow (with the limit named and the way up), upgrades
// on the Plan page, and can then do it. TechStore is comped on Scale by create-test-data;
// the test moves it to Starter and back up to Scale (unlimited), so the specs after it
// find it as they always did. Specs run one at a time (workers: 1).
const { test, expect } = require('@playwright/test');
const { store, hydrated } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';

test('a store owner sees usage, upgrades, and can then add what the old plan refused', async ({ page }) => {
  await page.goto(store('techstore', '/admin/plan'));
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByRole('heading', { name: 'Plan', level: 1 })).toBeVisible();

  // Usage against the limits, one bar each.
  for (const label of ['Products', 'Staff accounts', 'Orders this month', 'Domains']) {
    await expect(page.locator(`tr[data-usage="${label}"] progress`)).toBeAttached();
  }

  // Down to Starter: one domain, the store's own name.
  await page.getByRole('button', { name: 'Switch to Starter' }).click();
  await expect(page.locator('.plan-name')).toHaveText('Starter');
  await expect(page.locator('tr[data-usage="Domains"] .usage')).toHaveText(/^\d+ of 1$/);

  // The plan refuses another domain, naming the limit and the way up.
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Domains' }).click();
  await expect(page.getByRole('heading', { name: 'Domains', level: 1 })).toBeVisible();
  const host = `billing${Date.now() % 100000}.example.com`;
  await page.getByLabel('New domain', { exact: true }).fill(host);
  await page.getByRole('button', { name: 'Add domain' }).click();
  const refusal = page.locator('p.notice.error[role="alert"]');
  await expect(refusal).toContainText('Starter plan allows 1 domain');
  await expect(refusal).toContainText('Admin → Plan');
  await expect(page.locator(`tr[data-domain="${host}"]`)).toHaveCount(0);

  // Upgrade on the Plan page (the proration is shown beside each plan).
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Plan' }).click();
  await expect(page.locator('tr[data-plan="scale"]')).toContainText(/No charge now|Charged|Credited/);
  await page.getByRole('button', { name: 'Switch to Scale' }).click();
  await expect(page.locator('.plan-name')).toHaveText('Scale');
  await expect(page.locator('tr[data-usage="Domains"] .usage')).toContainText('unlimited');

  // Now the same domain is accepted.
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Domains' }).click();
  await page.getByLabel('New domain', { exact: true }).fill(host);
  await page.getByRole('button', { name: 'Add domain' }).click();
  const row = page.locator(`tr[data-domain="${host}"]`);
  await expect(row.locator('.status')).toHaveText('pending');

  // Tidy up: the domain goes, the store stays on Scale.
  await row.getByRole('button', { name: `Remove: ${host}` }).click();
  await expect(row).toHaveCount(0);
});
