// Gives techstore and fashion different themes through their admins (presets
// "midnight" and "boutique"), then saves both home pages as PNGs in docs/screenshots/.
// Run by scripts/screenshots against a server on E2E_PORT (scripts/e2e-server).
const path = require('path');
const { chromium } = require('@playwright/test');
const { store, hydrated } = require('../tests/helpers');
const { logInToStore, openThemeEditor, publishPreset } = require('../tests/theme-helpers');

const out = path.resolve(__dirname, '../../docs/screenshots');
const looks = [
  ['techstore', 'midnight'],
  ['fashion', 'boutique'],
];

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    for (const [schema, preset] of looks) {
      const owner = await browser.newContext();
      const page = await owner.newPage();
      await logInToStore(page, schema);
      await openThemeEditor(page, schema);
      await publishPreset(page, preset);
      await owner.close();

      const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const home = await visitor.newPage();
      await home.goto(store(schema));
      await hydrated(home);
      await home.evaluate(() => document.fonts.ready);
      const file = path.join(out, `theme-${schema}.png`);
      await home.screenshot({ path: file });
      console.log(`saved ${path.relative(process.cwd(), file)} (${schema}, preset ${preset})`);
      await visitor.close();
    }
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
