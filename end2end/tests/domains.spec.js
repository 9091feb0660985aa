// A store owner adds a custom domain in the store admin and sees it pending, with the
// TXT record to create (issue 14). Nothing answers for the domain in DNS here, so it
// stays pending; the verification itself is tested in server/tests/api/domains.
const { test, expect } = require('@playwright/test');
const { store, hydrated } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';

test('a store owner adds a domain and sees it pending with its TXT record', async ({ page }) => {
  await page.goto(store('techstore', '/admin/domains'));
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
  // Logging in lands on the dashboard; the nav leads on.
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Domains' }).click();
  await expect(page.getByRole('heading', { name: 'Domains', level: 1 })).toBeVisible();

  const host = `shop${Date.now() % 100000}.example.com`;
  await page.getByLabel('New domain', { exact: true }).fill(host);
  await page.getByRole('button', { name: 'Add domain' }).click();

  const row = page.locator(`tr[data-domain="${host}"]`);
  await expect(row.locator('.status')).toHaveText('pending');
  const records = page.getByRole('table', { name: `DNS records for ${host}` });
  await expect(records).toContainText(`_marketplace-verify.${host}`);
  await expect(records).toContainText('CNAME');
  await expect(records.locator('tr', { hasText: 'TXT' }).locator('code').nth(1)).toHaveText(/^[a-z0-9]{32}$/);

  // The platform's own names are refused.
  await page.getByLabel('New domain', { exact: true }).fill('other.localhost');
  await page.getByRole('button', { name: 'Add domain' }).click();
  await expect(page.locator('#field-domain-error')).toContainText('reserved');
});
