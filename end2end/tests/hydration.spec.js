// Every page hydrates, every time. A hydration mismatch (the server's HTML and the
// browser's first render disagree) panics the WebAssembly app: the page stops being an
// app and its links no longer move the view. Mismatches depend on timing, so each page
// is loaded many times — scripts/test serves with every server function slowed down
// (MARKETPLACE_DEBUG_SERVER_FN_DELAY_MS), which is when they used to show — and any
// page error or console error fails the test.
const { test, expect } = require('@playwright/test');
const { store, publicSite } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';
const PLATFORM_PASSWORD = process.env.E2E_PLATFORM_PASSWORD || 'e2e-platform-password';
const LOADS = Number(process.env.E2E_HYDRATION_LOADS || 20);

/** Records the page's errors (panics, failed hydration, console errors) from now on. */
function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/** Waits for hydration to finish; a panicked app never gets there. */
async function hydratedOrError(page, errors) {
  try {
    await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 10_000 });
  } catch (e) {
    errors.push(`never hydrated: ${page.url()}`);
  }
}

/** Loads each path `LOADS` times; returns the failures seen, one line each. */
async function loadRepeatedly(page, urls) {
  const failures = [];
  let loads = 0;
  for (const url of urls) {
    for (let i = 0; i < LOADS; i++) {
      const errors = watchErrors(page);
      const response = await page.goto(url);
      expect(response.status(), url).toBe(200);
      await hydratedOrError(page, errors);
      page.removeAllListeners('pageerror');
      page.removeAllListeners('console');
      loads += 1;
      if (errors.length) failures.push(`${url} (load ${i + 1}): ${errors.join(' | ')}`);
    }
  }
  console.log(`hydration: ${loads} loads, ${failures.length} with errors`);
  return failures;
}

async function logIn(page, url, username, password) {
  const errors = watchErrors(page);
  await page.goto(url);
  await hydratedOrError(page, errors);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(`Signed in as ${username}`)).toBeVisible();
  page.removeAllListeners('pageerror');
  page.removeAllListeners('console');
  expect(errors, 'errors while logging in').toEqual([]);
}

/** Follows `nav` links by clicking (client-side navigation) and checks that the view
 *  follows the URL each time, right after a fresh load. */
async function clickThrough(page, start, steps) {
  for (const [link, path, heading] of steps) {
    const errors = watchErrors(page);
    await page.goto(start);
    // No waiting for hydration: the click lands during or right after it.
    await page.getByRole('link', { name: link, exact: true }).first().click();
    await expect(page).toHaveURL(new RegExp(`${path.replace(/[/?]/g, '\\$&')}$`));
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    page.removeAllListeners('pageerror');
    page.removeAllListeners('console');
    expect(errors, `navigating to ${path}`).toEqual([]);
  }
}

test.describe.configure({ timeout: 900_000 });

test('store pages hydrate on every load', async ({ page }) => {
  const failures = await loadRepeatedly(page, [
    store('techstore', '/'),
    store('techstore', '/products/1'),
    store('techstore', '/cart'),
    store('techstore', '/checkout'),
    store('techstore', '/account/login'),
    store('techstore', '/account/register'),
    store('techstore', '/flow'),
  ]);
  expect(failures).toEqual([]);
});

test('store admin pages hydrate on every load, after login and after client-side navigation', async ({ page }) => {
  await logIn(page, store('techstore', '/admin'), 'admin', STORE_PASSWORD);
  const failures = await loadRepeatedly(page, [
    store('techstore', '/admin'),
    store('techstore', '/admin/products'),
    store('techstore', '/admin/products/new'),
    store('techstore', '/admin/products/1'),
    store('techstore', '/admin/orders'),
    store('techstore', '/admin/orders?status=pending'),
    store('techstore', '/admin/orders/TECH001'),
    store('techstore', '/admin/users'),
    store('techstore', '/admin/api-keys'),
    store('techstore', '/admin/settings'),
  ]);
  expect(failures).toEqual([]);
  await clickThrough(page, store('techstore', '/admin'), [
    ['Products', '/admin/products', 'Products'],
    ['Orders', '/admin/orders', 'Orders'],
    ['Users', '/admin/users', 'Users'],
    ['API keys', '/admin/api-keys', 'API keys'],
    ['Settings', '/admin/settings', 'Store settings'],
  ]);
  await clickThrough(page, store('techstore', '/admin/products'), [
    ['New product', '/admin/products/new', 'New product'],
  ]);
});

test('platform admin pages hydrate on every load, after login and after client-side navigation', async ({ page }) => {
  await logIn(page, publicSite('/admin'), 'root', PLATFORM_PASSWORD);
  const failures = await loadRepeatedly(page, [
    publicSite('/admin'),
    publicSite('/admin/stores/new'),
    publicSite('/admin/stores/techstore'),
  ]);
  expect(failures).toEqual([]);
  await clickThrough(page, publicSite('/admin'), [
    ['New store', '/admin/stores/new', 'New store'],
  ]);
  await clickThrough(page, publicSite('/admin/stores/new'), [
    ['Stores', '/admin', 'Stores'],
  ]);
});
