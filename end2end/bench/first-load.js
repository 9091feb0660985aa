// First load of a store's home page, as a phone would see it: Chromium with its CPU slowed
// down and its network shaped through the DevTools protocol, a fresh browser context (an
// empty cache) for every load. Two builds are measured turn about, so a noisy machine
// weighs on both alike:
//
//   node bench/first-load.js <label>=<store home url> <label>=<store home url> …
//
// Each load records, from navigation start (the page's own clock, performance.now()):
//   hydrated     the app took over the server's HTML (body[data-hydrated], set by an Effect);
//   interactive  "Add Mouse to cart" was clicked as soon as the app was hydrated and the
//                hydrated app answered: the cart link in the header counts one more item.
// Prints every load, then the medians per build and their ratios to the first build.
// FIRST_LOAD_RUNS (default 5) loads per build, FIRST_LOAD_CPU (default 4) the CPU
// slow-down, FIRST_LOAD_KBPS (default 1600) / FIRST_LOAD_RTT_MS (default 150) the network.
const { chromium } = require('@playwright/test');

const runs = Number(process.env.FIRST_LOAD_RUNS || 5);
const cpu = Number(process.env.FIRST_LOAD_CPU || 4);
const kbps = Number(process.env.FIRST_LOAD_KBPS || 1600);
const rtt = Number(process.env.FIRST_LOAD_RTT_MS || 150);

const builds = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  if (at < 1) throw new Error(`expected <label>=<url>, got '${arg}'`);
  return { label: arg.slice(0, at), url: arg.slice(at + 1), loads: [] };
});
if (builds.length === 0) {
  console.error('usage: node bench/first-load.js <label>=<url> [<label>=<url> …]');
  process.exit(2);
}

// Runs in the page before any of its scripts: notes when hydration marks the body.
function recordHydration() {
  const mark = () => {
    if (document.body && document.body.dataset.hydrated === 'true' && window.__hydratedAt === undefined) {
      window.__hydratedAt = performance.now();
    }
  };
  new MutationObserver(mark).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
}

async function load(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: rtt,
    downloadThroughput: (kbps * 1000) / 8,
    uploadThroughput: (kbps * 1000) / 16,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  await page.addInitScript(recordHydration);
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });

  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 120_000, polling: 50 });
  const cart = page.getByRole('link', { name: /^Cart/ });
  const before = await cart.getAttribute('aria-label');
  await page.getByRole('button', { name: 'Add Mouse to cart' }).click();
  const interactive = await page.waitForFunction(
    (label) => {
      const link = [...document.querySelectorAll('a')].find((a) => (a.getAttribute('aria-label') || '').startsWith('Cart'));
      return link && link.getAttribute('aria-label') !== label && performance.now();
    },
    before,
    { timeout: 120_000, polling: 'raf' },
  );
  const result = {
    hydrated: await page.evaluate(() => window.__hydratedAt),
    interactive: await interactive.jsonValue(),
    bytes,
  };
  await context.close();
  if (errors.length) throw new Error(`${url}: page errors: ${errors.join('; ')}`);
  return result;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  console.log(`first load: ${runs} loads per build, CPU ÷${cpu}, ${kbps} kbit/s, ${rtt} ms RTT`);
  for (let run = 0; run < runs; run++) {
    // Turn about, and the first build not always first.
    const order = run % 2 ? [...builds].reverse() : builds;
    for (const build of order) {
      const r = await load(browser, build.url);
      build.loads.push(r);
      console.log(`  ${build.label.padEnd(10)} hydrated ${r.hydrated.toFixed(0).padStart(6)} ms  interactive ${r.interactive.toFixed(0).padStart(6)} ms  ${(r.bytes / 1024).toFixed(0)} KiB over the wire`);
    }
  }
  await browser.close();
  const base = builds[0];
  const baseInteractive = median(base.loads.map((l) => l.interactive));
  console.log('medians:');
  for (const build of builds) {
    const h = median(build.loads.map((l) => l.hydrated));
    const i = median(build.loads.map((l) => l.interactive));
    const kib = median(build.loads.map((l) => l.bytes)) / 1024;
    console.log(`  ${build.label.padEnd(10)} hydrated ${h.toFixed(0).padStart(6)} ms  interactive ${i.toFixed(0).padStart(6)} ms  ${kib.toFixed(0)} KiB  (${(baseInteractive / i).toFixed(2)}× ${base.label})`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
