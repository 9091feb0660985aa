// Shared helpers: store URLs on the test server, and waiting for hydration.
const port = process.env.E2E_PORT || '8100';

/** The URL of `path` on a store's host, e.g. store('techstore', '/'). Chromium resolves
 *  *.localhost to 127.0.0.1 by itself. */
function store(schema, path = '/') {
  return `http://${schema}.localhost:${port}${path}`;
}

function publicSite(path = '/') {
  return `http://localhost:${port}${path}`;
}

/** Waits until the WebAssembly app has taken over the server-rendered page. */
async function hydrated(page) {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

module.exports = { store, publicSite, hydrated, port };
