// The admins in a browser: a store's staff creates a product and sees it in the store,
// moves an order through its statuses; platform staff creates a store whose domain
// then serves its own storefront.
const { test, expect } = require('@playwright/test');
const { store, publicSite, hydrated } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';
const PLATFORM_PASSWORD = process.env.E2E_PLATFORM_PASSWORD || 'e2e-platform-password';

async function logIn(page, url, username, password) {
  await page.goto(url);
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(`Signed in as ${username}`)).toBeVisible();
}

test('store staff create a product and it is in the store at once', async ({ page }) => {
  await logIn(page, store('techstore', '/admin'), 'admin', STORE_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'New product' }).click();
  await hydrated(page);

  const name = `Webcam ${Date.now() % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description', { exact: true }).fill('1080p, with a privacy shutter.');
  await page.getByLabel('Price', { exact: true }).fill('-5');
  await page.getByLabel('Stock', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#field-price-error')).toHaveText('A price cannot be negative.');
  await page.getByLabel('Price', { exact: true }).fill('59.90');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/admin\/products$/);
  await expect(page.getByRole('link', { name })).toBeVisible();

  await page.goto(store('techstore'));
  const card = page.locator('.product', { hasText: name });
  await expect(card).toContainText('$59.90');
  await expect(card).toContainText('Only 3 left');
  // Not in the other store.
  await page.goto(store('fashion'));
  await expect(page.getByText(name)).toHaveCount(0);
});

test('an order moves pending → paid → shipped → delivered', async ({ page }) => {
  await logIn(page, store('techstore', '/admin'), 'admin', STORE_PASSWORD);
  await page.goto(store('techstore', '/admin/orders/TECH001'));
  await hydrated(page);
  const status = page.locator('.order-facts .status');
  await expect(status).toHaveText('pending');
  for (const [button, next] of [['Mark paid', 'paid'], ['Mark shipped', 'shipped'], ['Mark delivered', 'delivered']]) {
    await page.getByRole('button', { name: button }).click();
    await expect(status).toHaveText(next);
  }
  await expect(page.getByRole('button', { name: 'Cancel order' })).toHaveCount(0);
  await page.goto(store('techstore', '/admin/orders?status=delivered'));
  await expect(page.getByRole('link', { name: 'TECH001' })).toBeVisible();
});

test('platform staff create a store that serves its own storefront', async ({ page }) => {
  await logIn(page, publicSite('/admin'), 'root', PLATFORM_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Stores' })).toBeVisible();
  await expect(page.locator('tr[data-schema="techstore"]')).toContainText('techstore.localhost');

  const suffix = String(Date.now() % 100000);
  const schema = `gadgets${suffix}`;
  await page.getByRole('link', { name: 'New store' }).first().click();
  await hydrated(page);
  await page.getByLabel('Store name').fill('Gadget Garage');
  await page.getByLabel('Owner email').fill('owner@gadgets.example');
  await page.getByLabel('Schema').fill('public');
  await page.getByLabel('Domain').fill(`${schema}.localhost`);
  await page.getByRole('button', { name: 'Create store' }).click();
  await expect(page.locator('#field-schema-error')).toContainText('reserved');
  await page.getByLabel('Schema').fill(schema);
  await page.getByRole('button', { name: 'Create store' }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/stores/${schema}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gadget Garage');

  await page.goto(store(schema));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gadget Garage');
  await expect(page.getByText('0 products')).toBeVisible();
  // The platform session does not open the new store's admin.
  await page.goto(store(schema, '/admin'));
  await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
});
