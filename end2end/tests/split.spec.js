// The split WebAssembly (issue 12): a store's home page loads only the main bundle and
// is a working app on it; the admin and the request-flow page load their own chunks when
// the browser first goes there — by a client-side navigation too — and work; leaving
// them and coming back works. No page logs an error or throws.
const { test, expect } = require('@playwright/test');
const { store, hydrated, port } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';

// Lazily loaded chunks are written as split___<route>_view_<hash>.wasm (one per lazy page) and
// chunk_<n>.wasm (code the lazy pages share) next to the main marketplace.wasm.
const CHUNK = /\/pkg\/(split_|chunk_)[^/]*\.wasm$/;

/** Records the page's errors and the wasm files it requests, from now on. */
function watch(page) {
  const seen = { errors: [], wasm: [] };
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(`console: ${m.text()}`); });
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.wasm')) seen.wasm.push(path);
  });
  return seen;
}

/** Navigates inside the app, as a click on a link would, without reloading the page. */
async function clientNavigate(page, path) {
  await page.evaluate((href) => {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = 'go';
    document.body.appendChild(link);
    link.click();
    link.remove();
  }, path);
}

/** Marks the document: a full reload would lose the mark. */
async function markDocument(page) {
  await page.evaluate(() => { window.__noReload = true; });
}

async function stillTheSameDocument(page) {
  expect(await page.evaluate(() => window.__noReload)).toBe(true);
}

test('the store home hydrates on the main bundle alone and adds to cart', async ({ page }) => {
  const seen = watch(page);
  await page.goto(store('techstore'));
  await hydrated(page);
  await markDocument(page);
  const cart = page.getByRole('link', { name: /^Cart/ });
  await expect(cart).toHaveAccessibleName('Cart, 0 items');
  // The add's own answer carries the cart's new size: one request, no header reload.
  const calls = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) calls.push(new URL(r.url()).pathname); });
  await page.getByRole('button', { name: 'Add Mouse to cart' }).click();
  await expect(page.getByText('Added Mouse to your cart.')).toBeVisible();
  await expect(cart).toHaveAccessibleName('Cart, 1 item');
  await page.getByRole('button', { name: 'Add Mouse to cart' }).click();
  await expect(cart).toHaveAccessibleName('Cart, 2 items');
  expect(calls, 'server functions the two adds called').toEqual(['/api/cart/add', '/api/cart/add']);
  await stillTheSameDocument(page);
  expect(seen.wasm, 'wasm files the store home loaded').toEqual(['/pkg/marketplace.wasm']);
  expect(seen.errors).toEqual([]);
});

test('store → admin loads the admin chunk, logs in, and back to the store works', async ({ page }) => {
  const seen = watch(page);
  await page.goto(store('techstore'));
  await hydrated(page);
  await markDocument(page);
  expect(seen.wasm.filter((p) => CHUNK.test(p))).toEqual([]);

  const adminChunk = page.waitForRequest((r) => /\/pkg\/split_+admin_home_route_view_[^/]*\.wasm$/.test(new URL(r.url()).pathname));
  await clientNavigate(page, '/admin');
  await adminChunk;
  await expect(page).toHaveURL(store('techstore', '/admin'));
  await expect(page).toHaveTitle('Log in · TechStore admin');
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  // Before the login the dashboard's own data was refused (401), as the admin means it
  // to be; Chromium logs every refused request. Errors count from here on.
  expect(seen.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  seen.errors.length = 0;

  // Another admin page: its own chunk, still no reload.
  await page.getByRole('link', { name: 'Products', exact: true }).click();
  await expect(page).toHaveURL(store('techstore', '/admin/products'));
  await expect(page.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible();
  expect(seen.wasm.some((p) => /\/pkg\/split_+products_route_view_[^/]*\.wasm$/.test(p)), seen.wasm.join(' ')).toBe(true);

  // Back to the store by the admin's own link, then history back into the admin.
  await page.getByRole('link', { name: 'View store', exact: true }).click();
  await expect(page).toHaveURL(store('techstore', '/'));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('TechStore');
  await page.getByRole('button', { name: 'Add Laptop to cart' }).click();
  await expect(page.getByText('Added Laptop to your cart.')).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(store('techstore', '/admin/products'));
  await expect(page.getByRole('heading', { level: 1, name: 'Products' })).toBeVisible();
  await stillTheSameDocument(page);
  // Every chunk was fetched at most once: a loaded page stays loaded.
  const chunks = seen.wasm.filter((p) => CHUNK.test(p));
  expect(new Set(chunks).size, chunks.join(' ')).toBe(chunks.length);
  expect(seen.errors).toEqual([]);
});

test('a lazy page loaded directly fetches its chunk and hydrates', async ({ page }) => {
  const seen = watch(page);
  const response = await page.goto(store('techstore', '/admin'));
  expect(response.status()).toBe(200);
  await hydrated(page);
  expect(seen.wasm.some((p) => /\/pkg\/split_+admin_home_route_view_[^/]*\.wasm$/.test(p)), seen.wasm.join(' ')).toBe(true);
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
  expect(seen.errors).toEqual([]);
});

test('store → request-flow page loads its chunk and draws this store\'s request', async ({ page }) => {
  const seen = watch(page);
  await page.goto(store('techstore'));
  await hydrated(page);
  await markDocument(page);
  const flowChunk = page.waitForRequest((r) => /\/pkg\/split_+flow_route_view_[^/]*\.wasm$/.test(new URL(r.url()).pathname));
  await clientNavigate(page, '/flow');
  await flowChunk;
  await expect(page).toHaveTitle('Request flow');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Request flow');
  const current = page.locator('[data-trace="current"]');
  await expect(current.locator('[data-fact="host"]')).toHaveText(`techstore.localhost:${port}`);
  await expect(current.locator('[data-fact="schema"]')).toHaveText('techstore');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('TechStore');
  await stillTheSameDocument(page);
  expect(seen.errors).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the lazily loaded pages are whole pages from the server', async ({ page }) => {
    await page.goto(store('techstore', '/admin'));
    await expect(page.getByRole('button', { name: 'Log in' })).toBeVisible();
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByText('Signed in as admin')).toBeVisible();
    await page.goto(store('techstore', '/flow'));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Request flow');
    await expect(page.locator('[data-trace="current"] [data-fact="schema"]')).toHaveText('techstore');
  });
});
