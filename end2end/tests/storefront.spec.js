// Buying from a store: browse, add to cart (the indicator updates without a reload once
// hydrated), checkout, confirmation — then the same with JavaScript disabled. The other
// store's catalogue, cart and data stay untouched throughout.
const { test, expect } = require('@playwright/test');
const { store, hydrated, port } = require('./helpers');

async function fashionData(request) {
  const reply = await request.get(`http://127.0.0.1:${port}/data/`, { headers: { Host: `fashion.localhost:${port}` } });
  return reply.json();
}

async function buyTheMouse(page, { js }) {
  await page.goto(store('techstore'));
  if (js) {
    await hydrated(page);
    await page.evaluate(() => { window.__noReload = true; });
  }
  const cart = page.getByRole('link', { name: /^Cart/ });
  await expect(cart).toHaveAccessibleName('Cart, 0 items');
  await page.getByRole('button', { name: 'Add Mouse to cart' }).click();
  await expect(cart).toHaveAccessibleName('Cart, 1 item');
  if (js) {
    await expect(page.getByText('Added Mouse to your cart.')).toBeVisible();
    expect(await page.evaluate(() => window.__noReload)).toBe(true);
  }

  await cart.click();
  await expect(page).toHaveURL(/\/cart$/);
  const row = page.getByRole('row', { name: /Mouse/ });
  await expect(row).toContainText('$29.99');
  await page.getByLabel('Quantity of Mouse', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Update quantity of Mouse' }).click();
  await expect(page.locator('.subtotal')).toHaveText('$59.98');
  await expect(cart).toHaveAccessibleName('Cart, 2 items');
  await page.getByRole('link', { name: 'Checkout' }).click();

  await expect(page).toHaveURL(/\/checkout$/);
  // Validation errors appear beside their field.
  await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
  await page.getByLabel('Email', { exact: true }).fill('ada-at-example.com');
  await page.getByLabel('Address', { exact: true }).fill('12 Analytical Row\nLondon');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#field-email-error')).toHaveText('An email address needs an @.');
  if (!js) {
    // Without JavaScript the page was reloaded: fill the form again.
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Address', { exact: true }).fill('12 Analytical Row\nLondon');
  }
  await page.getByLabel('Email', { exact: true }).fill('ada@example.com');
  await page.getByRole('button', { name: 'Place order' }).click();

  await expect(page).toHaveURL(/\/orders\/TECH\d{3}$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/Order TECH\d{3}/);
  await expect(page.getByText('Your order is confirmed.')).toBeVisible();
  await expect(page.locator('.status')).toHaveText('pending');
  await expect(page.locator('.total')).toHaveText('$59.98');
  await expect(cart).toHaveAccessibleName('Cart, 0 items');
  return page.url().split('/').pop();
}

for (const js of [true, false]) {
  test.describe(js ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: js });

    test('buy the Mouse on techstore; fashion is untouched', async ({ page, request }) => {
      const fashionBefore = await fashionData(request);
      const number = await buyTheMouse(page, { js });

      // The order is in techstore's /data/ ...
      const tech = await request.get(`http://127.0.0.1:${port}/data/`, { headers: { Host: `techstore.localhost:${port}` } });
      const data = await tech.json();
      expect(data.orders.map((o) => o.order_number)).toContain(number);
      expect(data.orders.find((o) => o.order_number === number).total).toBe('59.98');
      // ... and nowhere in fashion's.
      expect(await fashionData(request)).toEqual(fashionBefore);

      // Fashion's catalogue and (empty) cart are its own.
      await page.goto(store('fashion'));
      await expect(page.locator('.product h3')).toHaveText(['T-Shirt', 'Jeans']);
      await expect(page.getByRole('link', { name: /^Cart/ })).toHaveAccessibleName('Cart, 0 items');
      await page.goto(store('fashion', '/cart'));
      await expect(page.getByText('Your cart is empty.')).toBeVisible();
      // The confirmation is not visible from the other store.
      const elsewhere = await page.goto(store('fashion', `/orders/${number}`));
      expect(elsewhere.status()).toBe(404);
    });
  });
}

test('a customer registers, and sees their order history', async ({ page }) => {
  const email = `grace${Date.now()}@example.com`;
  await page.goto(store('techstore', '/account/register'));
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#field-password-error')).toHaveText('Use at least 8 characters.');
  await page.getByLabel('Password', { exact: true }).fill('a much longer password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/account\/orders$/);
  await expect(page.getByText('Hi, Grace Hopper')).toBeVisible();
  await expect(page.getByText('No orders yet.')).toBeVisible();

  // The account exists on techstore only: logging in on fashion fails.
  await page.goto(store('fashion', '/account/login'));
  await hydrated(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill('a much longer password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('The email or password is incorrect.')).toBeVisible();
});
