// The request-flow page: the live diagram of this request on techstore, the replay of
// another host without a reload (found, not entered: a store's page reads only that
// store), and — for platform staff — the database routing of two stores side by side.
const { test, expect } = require('@playwright/test');
const { store, publicSite, hydrated, port } = require('./helpers');

const PLATFORM_PASSWORD = process.env.E2E_PLATFORM_PASSWORD || 'e2e-platform-password';

const STAGES = [
  'Request Received',
  'Tenant middleware',
  'Domain Lookup',
  'Tenant Found',
  'Schema Switch',
  'Query',
  'Response',
];

function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

test('techstore /flow/ draws this request, replays fashion without a reload', async ({ page }) => {
  const errors = watchErrors(page);
  const response = await page.goto(store('techstore', '/flow/'));
  expect(response.status()).toBe(200);
  expect(page.url()).toBe(store('techstore', '/flow'));
  await expect(page).toHaveTitle('Request flow');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Request flow');

  const current = page.locator('[data-trace="current"]');
  await expect(current.locator('[data-fact="host"]')).toHaveText(`techstore.localhost:${port}`);
  await expect(current.locator('[data-fact="tenant"]')).toHaveText('TechStore');
  await expect(current.locator('[data-fact="schema"]')).toHaveText('techstore');
  await expect(current.locator('[data-fact="search-path"]')).toHaveText('techstore, public');
  await expect(current.locator('.flow-stage h3')).toHaveText(STAGES);
  // Every stage shows its measured duration.
  const durations = current.locator('.flow-duration');
  await expect(durations).toHaveCount(STAGES.length);
  for (const text of await durations.allTextContents()) {
    expect(text).toMatch(/^\d{1,3}(,\d{3})* µs$/);
  }
  await expect(current.locator('[data-stage="schema_switch"] .flow-sql'))
    .toContainText('set local search_path to "techstore", public');
  await expect(current.locator('[data-stage="query"] .flow-sql li')).toHaveCount(2);

  await hydrated(page);
  await page.evaluate(() => { window.__noReload = true; });
  await page.getByLabel('Store', { exact: true }).selectOption(`fashion.localhost:${port}`);
  await expect(page.getByLabel('Host', { exact: true })).toHaveValue(`fashion.localhost:${port}`);
  await page.getByRole('button', { name: 'Replay' }).click();

  const replay = page.locator('[data-trace="replay"]');
  await expect(replay.locator('[data-fact="schema"]')).toHaveText('fashion');
  await expect(replay.locator('[data-fact="tenant"]')).toHaveText('Fashion Boutique');
  // Found, but not entered from techstore's page: fashion's rows are not read here.
  await expect(replay.locator('[data-fact="search-path"]')).toHaveText('never set: no schema was entered');
  await expect(replay.locator('.flow-stage h3')).toHaveText(STAGES.slice(0, 4));
  // This request's own diagram is still techstore's, and the page never reloaded.
  await expect(current.locator('[data-fact="schema"]')).toHaveText('techstore');
  expect(await page.evaluate(() => window.__noReload)).toBe(true);

  await page.screenshot({ path: '../target/e2e-results/flow-techstore.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('replaying an unknown host ends in 404, bad text gets a message', async ({ page }) => {
  await page.goto(store('techstore', '/flow'));
  await hydrated(page);
  // The page itself is a lazily loaded chunk: it hydrates after the main bundle.
  await expect(page.locator('form.flow-form')).toHaveAttribute('data-interactive', 'true');
  const host = page.getByLabel('Host', { exact: true });
  await host.fill('nobody.localhost');
  await page.getByRole('button', { name: 'Replay' }).click();
  const replay = page.locator('[data-trace="replay"]');
  await expect(replay.locator('[data-fact="status"]')).toHaveText('404 Not Found');
  await expect(replay.locator('.flow-stage h3'))
    .toHaveText(['Request Received', 'Tenant middleware', 'Domain Lookup', 'No Store', 'Response']);

  await host.fill('not a host');
  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(page.locator('#flow-replay-error')).toContainText('is not a host name');
});

test('a host typed before the page is interactive is kept when it becomes so', async ({ page }) => {
  // Hold the page's chunk back until the host is typed into the server-rendered field.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/pkg\/split_+flow_route_view_[^/]*\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  // Not waiting for `load`: the held chunk may be what it waits for.
  await page.goto(store('techstore', '/flow'), { waitUntil: 'domcontentloaded' });
  const host = page.getByLabel('Host', { exact: true });
  await host.fill('nobody.localhost');
  await expect(page.locator('form.flow-form')).toHaveAttribute('data-interactive', 'false');
  release();
  await expect(page.locator('form.flow-form')).toHaveAttribute('data-interactive', 'true');
  await expect(host).toHaveValue('nobody.localhost');
  await page.getByRole('button', { name: 'Replay' }).click();
  const replay = page.locator('[data-trace="replay"]');
  await expect(replay.locator('[data-fact="status"]')).toHaveText('404 Not Found');
});

test('database routing shows the same SQL reading each store\'s own rows', async ({ page }) => {
  // A store's visitors cannot compare stores: that would read another store's data.
  await page.goto(store('techstore', '/flow'));
  await expect(page.locator('.flow-routing')).toContainText('it is for platform staff');
  await expect(page.locator('.flow-store')).toHaveCount(0);
  // Platform staff can, on the platform's own address.
  await page.goto(publicSite('/admin'));
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill('root');
  await page.getByLabel('Password', { exact: true }).fill(PLATFORM_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as root')).toBeVisible();
  await page.goto(publicSite('/flow'));
  const left = page.locator('.flow-store[data-side="left"]');
  const right = page.locator('.flow-store[data-side="right"]');
  await expect(left.locator('[data-fact="search-path"]')).toHaveText('techstore, public');
  await expect(right.locator('[data-fact="search-path"]')).toHaveText('fashion, public');
  // Other specs may add products to these stores: check whose rows come back, not how many.
  const products = (side) => side.locator('table').first().locator('tbody td:nth-child(2)');
  await expect(products(left)).toContainText(['Laptop', 'Mouse']);
  await expect(products(right)).toContainText(['T-Shirt', 'Jeans']);
  await expect(products(left).filter({ hasText: /^(T-Shirt|Jeans)$/ })).toHaveCount(0);
  await expect(products(right).filter({ hasText: /^(Laptop|Mouse)$/ })).toHaveCount(0);
  await expect(page.locator('.flow-verdict')).toHaveAttribute('data-same-sql', 'true');

  await hydrated(page);
  await page.getByLabel('First store').selectOption('fashion');
  await expect(left.locator('[data-fact="schema"]')).toHaveText('fashion');
  await expect(left.locator('[data-fact="search-path"]')).toHaveText('fashion, public');
  await expect(products(left)).toContainText(['T-Shirt', 'Jeans']);
  await expect(products(left).filter({ hasText: /^(Laptop|Mouse)$/ })).toHaveCount(0);
});
