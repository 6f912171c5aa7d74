// Opens the inventory's HTML report in headless Chromium (playwright-core, Debian's chromium)
// and checks that the graph is drawn: the SVG has the expected job nodes and edges, the hazard
// edges are red, the jobs table is sorted by score, and a screenshot of the graph is not blank
// (its pixels are decoded in the browser: enough non-white pixels, several colours).
// Usage: node inventory_report.js REPORT.html NODES EDGES HAZARD_EDGES SHOT.png
const { chromium } = require('playwright-core');
const path = require('path');
const fs = require('fs');

const [report, nodes, edges, hazardEdges, shot] = process.argv.slice(2);
function fail(msg) { console.error('FAIL ' + msg); process.exit(1); }

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto('file://' + path.resolve(report));
    const n = await page.locator('#graph svg g.node').count();
    const e = await page.locator('#graph svg g.edge').count();
    const red = await page.locator('#graph svg g.edge path[stroke="red"]').count();
    if (n !== +nodes) fail(`graph has ${n} nodes, expected ${nodes}`);
    if (e !== +edges) fail(`graph has ${e} edges, expected ${edges}`);
    if (red !== +hazardEdges) fail(`${red} red (hazard) edges, expected ${hazardEdges}`);
    if (requests.length) fail('the report loads external resources: ' + requests.join(' '));
    const scores = await page.$$eval('#jobs tr td:first-child', (tds) => tds.map((t) => +t.textContent));
    if (scores.length !== +nodes) fail(`jobs table has ${scores.length} rows`);
    for (let i = 1; i < scores.length; i++)
      if (scores[i] > scores[i - 1]) fail('jobs table not sorted by score: ' + scores.join(','));
    const hz = await page.locator('#hazards .hazard').count();
    const box = await page.locator('#graph svg').boundingBox();
    if (!box || box.width < 200 || box.height < 100) fail('graph too small: ' + JSON.stringify(box));
    const png = await page.locator('#graph').screenshot({ path: shot });
    // decode the screenshot in the browser: count non-white pixels and distinct colours
    const stats = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let ink = 0; const colours = new Set();
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
        colours.add((d[i] >> 4) << 8 | (d[i + 1] >> 4) << 4 | (d[i + 2] >> 4));
      }
      return { w: c.width, h: c.height, ink, colours: colours.size };
    }, png.toString('base64'));
    const frac = stats.ink / (stats.w * stats.h);
    if (frac < 0.02) fail(`screenshot nearly blank: ${(frac * 100).toFixed(2)}% ink`);
    if (stats.colours < 4) fail(`screenshot has ${stats.colours} colours`);
    console.log(`ok: ${n} nodes, ${e} edges (${red} red), ${hz} hazards, ` +
      `screenshot ${stats.w}x${stats.h}, ${(frac * 100).toFixed(1)}% ink, ${stats.colours} colours`);
  } finally {
    await browser.close();
  }
})().catch((err) => fail(String(err && err.stack || err)));
