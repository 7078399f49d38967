// Opens pages in Chromium (playwright-core, executablePath from CHROMIUM), as a reader would, and reports
// per page: axe-core's violations, the text of chosen elements, rows left by a filter, and a screenshot.
// Usage: node read_pages.js '<json>'  with  {"axe": "/path/axe.min.js", "pages": [{"url", "read": [css],
//        "filter": {"form": css, "field": name, "value": v, "rows": css}, "screenshot": path}]}
const { chromium } = require("playwright-core");
const fs = require("fs");

(async () => {
  const job = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  const out = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
    await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());  // nothing leaves the machine
    for (const spec of job.pages) {
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(spec.url, { waitUntil: "load", timeout: 240000 });
      const found = { url: spec.url, errors, read: {} };
      for (const css of spec.read || []) {
        found.read[css] = await page.locator(css).first().innerText({ timeout: 60000 });
      }
      if (spec.filter) {
        const f = spec.filter;
        found.filterVisible = await page.locator(f.form).first().isVisible();
        await page.locator(`${f.form} [name="${f.field}"]`).first().selectOption(f.value);
        found.rowsShown = await page.locator(`${f.rows}:visible`).count();
        found.rowsTotal = await page.locator(f.rows).count();
        found.output = await page.locator(`${f.form} output`).first().innerText();
        await page.locator(`${f.form} button[type=reset]`).first().click();
        // The form reapplies its filter after the reset event has run (a timer): wait for its count to change.
        await page.waitForFunction(([css, before]) => document.querySelector(css).textContent !== before,
          [`${f.form} output`, found.output], { timeout: 10000 }).catch(() => {});
        found.rowsAfterReset = await page.locator(`${f.rows}:visible`).count();
      }
      if (job.axe) {
        await page.addScriptTag({ content: fs.readFileSync(job.axe, "utf8") });
        const result = await page.evaluate(async () => await window.axe.run(document, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
          resultTypes: ["violations"] }));
        found.violations = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.length, sample: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + n.failureSummary) }));
      }
      if (spec.screenshot) {
        await page.screenshot({ path: spec.screenshot, fullPage: false });
      }
      out.push(found);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e && e.stack || String(e)); process.exit(2); });
