// The REST API in a browser and over HTTP: a store superuser creates an API key in the
// admin (shown once), an integration uses it on the store's host, and once the key is
// revoked in the admin the very next request with it is refused.
const { test, expect } = require('@playwright/test');
const { store, hydrated, port } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';

/** GET `path` of the API on techstore's host with `key`, as an integration sends it. */
function apiGet(request, path, key) {
  return request.get(`http://127.0.0.1:${port}${path}`, {
    headers: { Host: `techstore.localhost:${port}`, Authorization: `Bearer ${key}` },
  });
}

test('an API key is created in the admin, works on its store, and stops when revoked', async ({ page, request }) => {
  await page.goto(store('techstore', '/admin'));
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();

  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('heading', { name: 'API keys', level: 1 })).toBeVisible();
  await hydrated(page);
  const name = `Accounting ${Date.now() % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.locator('#scope-read_products').check();
  await page.getByRole('button', { name: 'Create API key' }).click();

  // Shown once, in full; the list shows only its prefix.
  const secret = page.locator('.api-key-secret');
  await expect(secret).toHaveText(/^mk_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
  const key = (await secret.textContent()).trim();
  const row = page.locator('tr', { hasText: name });
  await expect(row).toContainText('read_products');
  await expect(row).toContainText(key.slice(0, 15));
  await expect(row).not.toContainText(key.slice(16));

  const products = await apiGet(request, '/api/v1/products', key);
  expect(products.status()).toBe(200);
  const body = await products.json();
  expect(body.items.map((p) => p.name)).toContain('Laptop');
  // The key has no order scope.
  const orders = await apiGet(request, '/api/v1/orders', key);
  expect(orders.status()).toBe(403);
  expect(orders.headers()['content-type']).toBe('application/problem+json');

  await page.reload();
  await hydrated(page);
  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.locator('tr', { hasText: name })).toContainText('Revoked');
  const refused = await apiGet(request, '/api/v1/products', key);
  expect(refused.status()).toBe(401);
  expect((await refused.json()).field).toBe('Authorization');
});
