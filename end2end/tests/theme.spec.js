// Store themes in a browser: techstore's owner changes the accent colour and the
// heading font, previews the draft (only their own session sees it), publishes it, and
// the storefront's computed styles follow; fashion's look never changes.
const { test, expect } = require('@playwright/test');
const { store, hydrated } = require('./helpers');
const { logInToStore, openThemeEditor, publishPreset, submit } = require('./theme-helpers');

const DEFAULT_ACCENT = 'rgb(47, 91, 234)'; // #2f5bea
const NEW_ACCENT = 'rgb(170, 51, 0)'; // #aa3300

/** The storefront's look as Chromium computed it: a product's button and the h1. */
async function look(page, schema) {
  await page.goto(store(schema));
  await hydrated(page);
  return page.evaluate(async () => {
    await document.fonts.ready;
    const button = document.querySelector('.product .add-to-cart button');
    const h1 = document.querySelector('h1');
    return {
      button: getComputedStyle(button).backgroundColor,
      heading: getComputedStyle(h1).fontFamily,
      // Self-hosted: the face exists only through the theme's @font-face, and loaded.
      playfairLoaded: [...document.fonts].some(
        (f) => f.family.includes('Playfair Display') && f.status === 'loaded',
      ),
    };
  });
}

test('an owner previews, then publishes, a new accent and heading font', async ({ page, browser }) => {
  await logInToStore(page, 'techstore');
  await openThemeEditor(page, 'techstore');
  await page.getByLabel('Accent', { exact: true }).fill('#aa3300');
  await page.getByLabel('Heading font').selectOption('playfair-display');
  await submit(page, 'Save draft', 'admin/store/theme/save');
  await expect(page.getByLabel('Accent', { exact: true })).toHaveValue('#aa3300');
  await submit(page, 'Preview draft', 'admin/store/theme/preview');
  await expect(page.getByText('Preview is on')).toBeVisible();

  // The owner's own session sees the draft on the storefront…
  const shop = await page.context().newPage();
  const previewed = await look(shop, 'techstore');
  expect(previewed.button).toBe(NEW_ACCENT);
  expect(previewed.heading).toContain('Playfair Display');
  expect(previewed.playfairLoaded).toBe(true);
  await expect(shop.getByText('Previewing the draft theme')).toBeVisible();

  // …a customer (a fresh browser context) still sees the published look.
  const customerContext = await browser.newContext();
  const customer = await customerContext.newPage();
  const before = await look(customer, 'techstore');
  expect(before.button).toBe(DEFAULT_ACCENT);
  expect(before.heading).not.toContain('Playfair Display');
  await expect(customer.getByText('Previewing the draft theme')).toHaveCount(0);

  await submit(page, 'Publish', 'admin/store/theme/publish');
  await expect(page.getByText('Published.')).toBeVisible();

  const after = await look(customer, 'techstore');
  expect(after.button).toBe(NEW_ACCENT);
  expect(after.heading).toContain('Playfair Display');
  const fashion = await look(customer, 'fashion');
  expect(fashion.button).toBe(DEFAULT_ACCENT);
  expect(fashion.heading).not.toContain('Playfair Display');
  await customerContext.close();

  // Back to the default look for whatever runs next on this server.
  await submit(page, 'Stop preview', 'admin/store/theme/preview');
  await publishPreset(page, 'classic');
});
