// Shared by theme.spec.js and scripts/screenshots: logging in to a store's admin and
// giving a store a look through its theme editor, as a store owner does.
const { expect } = require('@playwright/test');
const { store, hydrated } = require('./helpers');

const STORE_PASSWORD = process.env.E2E_ADMIN_PASSWORD || 'e2e-admin-password';

/** Logs `page` in to `schema`'s admin as its seeded `admin`. */
async function logInToStore(page, schema) {
  await page.goto(store(schema, '/admin'));
  await hydrated(page);
  await page.getByLabel('Username', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(STORE_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Signed in as admin')).toBeVisible();
}

/** Opens the theme editor of the store `page` is logged in to. */
async function openThemeEditor(page, schema) {
  await page.goto(store(schema, '/admin/theme'));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Theme', level: 1 })).toBeVisible();
}

/** Clicks the button named `name` and waits for the answer of server function
 *  `endpoint` (e.g. 'admin/store/theme/save') and for the editor to load again. */
async function submit(page, name, endpoint) {
  const answered = page.waitForResponse((r) => r.url().endsWith(`/api/${endpoint}`));
  const reloaded = page.waitForResponse((r) => r.url().endsWith('/api/admin/store/theme'));
  await page.getByRole('button', { name, exact: true }).click();
  const answer = await answered;
  expect(answer.ok(), `${endpoint}: ${answer.status()} ${await answer.text()}`).toBeTruthy();
  await reloaded;
}

/** Puts preset `id` in the draft and publishes it (the page is on the editor). */
async function publishPreset(page, id) {
  await page.locator('#field-preset').selectOption(id);
  await submit(page, 'Apply to draft', 'admin/store/theme/preset');
  await submit(page, 'Publish', 'admin/store/theme/publish');
  await expect(page.getByText('Published.')).toBeVisible();
}

module.exports = { logInToStore, openThemeEditor, publishPreset, submit };
