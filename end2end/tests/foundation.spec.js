// The foundation: a store's home page is rendered on the server with that store's
// products, and hydrates (the product filter works without a reload).
const { test, expect } = require('@playwright/test');
const { store, publicSite, hydrated, port } = require('./helpers');

test('techstore home renders by SSR and hydrates', async ({ page }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  const response = await page.goto(store('techstore'));
  expect(response.status()).toBe(200);
  expect(response.headers()['x-tenant-schema']).toBe('techstore');
  await expect(page).toHaveTitle('TechStore');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('TechStore');
  // Other specs may add products to techstore: the seed's two are there, in order.
  const products = page.locator('.product h3');
  await expect(products.nth(0)).toHaveText('Laptop');
  await expect(products.nth(1)).toHaveText('Mouse');
  await expect(page.getByText('$999.99')).toBeVisible();

  await hydrated(page);
  // Mark the document: a reload would lose this property.
  await page.evaluate(() => { window.__noReload = true; });
  await page.getByLabel('Filter products').fill('mou');
  await expect(products).toHaveText(['Mouse']);
  await expect(page.getByText(/^1 of \d+ products$/)).toBeVisible();
  expect(await page.evaluate(() => window.__noReload)).toBe(true);
  expect(errors).toEqual([]);
});

test('a filter typed before the home page is interactive applies once it is', async ({ page }) => {
  // Hold the storefront's wasm back until the filter is typed into the server's page.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/pkg\/marketplace\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  // Not waiting for `load`: the held file may be what it waits for.
  await page.goto(store('techstore'), { waitUntil: 'domcontentloaded' });
  const filter = page.getByLabel('Filter products');
  await filter.fill('mou');
  release();
  await hydrated(page);
  await expect(filter).toHaveValue('mou');
  await expect(page.locator('.product h3')).toHaveText(['Mouse']);
  await expect(page.getByText(/^1 of \d+ products$/)).toBeVisible();
});

test('each store shows only its own products', async ({ page }) => {
  await page.goto(store('fashion'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fashion Boutique');
  await expect(page.locator('.product h3')).toHaveText(['T-Shirt', 'Jeans']);
  await expect(page.getByText('Laptop')).toHaveCount(0);
});

test('unknown hosts get a 404, the public host its JSON', async ({ request }) => {
  // Node does not resolve *.localhost: connect to 127.0.0.1 and name the host.
  const unknown = await request.get(`http://127.0.0.1:${port}/data/`, {
    headers: { Host: `nobody.localhost:${port}` },
  });
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error).toContain('No store is served at');
  const landing = await request.get(publicSite('/'));
  expect((await landing.json()).message).toBe('This is the public schema');
});
