// Checks the report pages of a running `verdict serve` in a real headless
// Chromium (playwright-core driving the system's /usr/bin/chromium; no
// browser download). Driven by tests/integration/report_pages_browser_test.cpp,
// which starts the daemon, a Prometheus and the runs, then writes a spec:
//
//   node check_pages.mjs SPEC.json
//
//   {"base_url": "http://127.0.0.1:PORT", "chromium": "/usr/bin/chromium",
//    "screenshot_dir": DIR,
//    "index": {"badges": {"ns/name": "pass", ...}},
//    "runs": [{"ns", "name", "verdict", "metrics": [names], "charts": "values" | "empty",
//              "fail_dot_metric"?: name, "texts"?: [literal text the page must show],
//              "screenshot": "run-x.png"}],
//    "not_found": "/runs/x/y"}
//
// Every page must load with no console error, no page error, no failed
// request and no response >= 400 (except the not-found page's own 404), and
// hold no <script>. Charts: one svg.chart per metric with a non-zero size;
// "values" charts have a non-empty line path and dots, "empty" ones say so;
// the traffic chart has a line. The last dot of each chart, mapped back
// through the SVG's data-* axes, must equal the estimate the JSON API gives
// (within a pixel). Screenshots (PNG, full page) go to screenshot_dir.
// Exits 0 when every check passed, else 1 with one line per failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const failures = [];
const fail = (where, what) => failures.push(`${where}: ${what}`);

// Flags that keep Chromium off the (closed) network and quick to start.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function api(p) {
  const r = await fetch(spec.base_url + p);
  if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
  return r.json();
}

// Opens `p` in a fresh page and records every console error, page error,
// failed request and error response. Returns {page, response, problems}.
async function open(context, p, expectedStatus = 200) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium reports the page's own expected status (the 404 page) as an error.
    const own = m.location().url === spec.base_url + p && expectedStatus >= 400 &&
      m.text().includes(`status of ${expectedStatus}`);
    if (!own) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    const main = r.url() === spec.base_url + p;
    if (r.status() >= 400 && !(main && r.status() === expectedStatus)) {
      problems.push(`response ${r.status()} for ${r.url()}`);
    }
  });
  const response = await page.goto(spec.base_url + p, { waitUntil: 'load' });
  if (!response) problems.push('no response');
  else {
    if (response.status() !== expectedStatus) problems.push(`status ${response.status()}, want ${expectedStatus}`);
    const type = response.headers()['content-type'];
    if (type !== 'text/html; charset=utf-8') problems.push(`content-type ${type}`);
  }
  const scripts = await page.evaluate(() => document.scripts.length);
  if (scripts !== 0) problems.push(`${scripts} <script> elements`);
  return { page, response, problems };
}

// Facts about every chart of the page, read in the browser.
function readCharts(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll('svg.chart')).map((svg) => {
    const box = svg.getBoundingClientRect();
    const line = svg.querySelector('path.line.estimate');
    const dots = Array.from(svg.querySelectorAll('circle.dot.estimate'));
    const plot = svg.dataset.plot.split(' ').map(Number);
    return {
      metric: svg.dataset.metric ?? null,
      chart: svg.dataset.chart ?? null,
      width: box.width, height: box.height,
      line: line ? line.getAttribute('d') : '',
      lineLength: line ? line.getTotalLength() : 0,
      dots: dots.map((c) => ({ cy: Number(c.getAttribute('cy')), cls: c.getAttribute('class') })),
      empty: svg.querySelector('text.empty')?.textContent ?? null,
      yMin: Number(svg.dataset.yMin), yMax: Number(svg.dataset.yMax),
      top: plot[1], height_px: plot[3],
    };
  }));
}

// The value a dot's cy stands for, through the chart's axes.
const valueAt = (c, cy) => c.yMax - ((cy - c.top) / c.height_px) * (c.yMax - c.yMin);

async function checkIndex(context) {
  const where = 'index';
  const { page, problems } = await open(context, '/');
  problems.forEach((p) => fail(where, p));
  const badges = await page.evaluate(() => Object.fromEntries(
    Array.from(document.querySelectorAll('table.runs tr[data-run]')).map((tr) => [
      tr.dataset.run, tr.querySelector('.badge').dataset.verdict])));
  for (const [run, want] of Object.entries(spec.index.badges)) {
    if (badges[run] !== want) fail(where, `badge of ${run} is ${badges[run]}, want ${want}`);
  }
  const order = await page.evaluate(() => Array.from(document.querySelectorAll('table.runs tr[data-run] .state'))
    .map((s) => s.dataset.state));
  const firstEnded = order.findIndex((s) => s !== 'active');
  if (firstEnded >= 0 && order.slice(firstEnded).includes('active')) fail(where, `active runs not first: ${order}`);
  // Each link leads to its run's page.
  for (const run of Object.keys(spec.index.badges)) {
    const href = await page.getAttribute(`tr[data-run="${run}"] a`, 'href');
    if (href !== `/runs/${run}`) fail(where, `link of ${run} is ${href}`);
  }
  await page.screenshot({ path: path.join(spec.screenshot_dir, 'index.png'), fullPage: true });
  console.log(`index: ${Object.keys(badges).length} runs, badges ${JSON.stringify(badges)}`);
  await page.close();
}

async function checkRun(context, run) {
  const where = `${run.ns}/${run.name}`;
  const detail = await api(`/api/v1/runs/${run.ns}/${run.name}`);
  const { page, problems } = await open(context, `/runs/${run.ns}/${run.name}`);
  problems.forEach((p) => fail(where, p));
  const verdict = await page.getAttribute('.verdict-box .badge', 'data-verdict');
  if (verdict !== run.verdict) fail(where, `verdict badge ${verdict}, want ${run.verdict}`);
  const charts = await readCharts(page);
  const metricCharts = charts.filter((c) => c.metric !== null);
  if (metricCharts.length !== run.metrics.length) {
    fail(where, `${metricCharts.length} metric charts, want ${run.metrics.length}`);
  }
  const estimates = Object.fromEntries((detail.result?.metrics ?? []).map((m) => [m.name, m.estimate]));
  for (const name of run.metrics) {
    const c = metricCharts.filter((x) => x.metric === name);
    if (c.length !== 1) { fail(where, `${c.length} charts for metric ${name}`); continue; }
    const chart = c[0];
    if (!(chart.width > 100 && chart.height > 30)) fail(where, `${name}: chart not rendered (${chart.width}x${chart.height})`);
    if (run.charts === 'values') {
      if (!/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+/.test(chart.line) || !(chart.lineLength > 0)) {
        fail(where, `${name}: estimate line empty or one point: "${chart.line.slice(0, 60)}"`);
      }
      if (chart.dots.length < 2) fail(where, `${name}: ${chart.dots.length} dots`);
      const est = estimates[name];
      if (typeof est === 'number' && chart.dots.length > 0) {
        const got = valueAt(chart, chart.dots[chart.dots.length - 1].cy);
        const pixel = (chart.yMax - chart.yMin) / chart.height_px;
        if (Math.abs(got - est) > pixel) fail(where, `${name}: last dot at ${got}, API estimate ${est}`);
      }
    } else if (chart.empty === null || chart.line !== '') {
      fail(where, `${name}: expected an empty chart, got line "${chart.line.slice(0, 40)}"`);
    }
  }
  if (run.fail_dot_metric) {
    const c = metricCharts.find((x) => x.metric === run.fail_dot_metric);
    if (!c || !c.dots.some((d) => d.cls.includes('outcome-fail'))) fail(where, `${run.fail_dot_metric}: no fail dot`);
    const pvalue = await page.evaluate((m) => {
      const svg = Array.from(document.querySelectorAll('svg.chart[data-pvalue]')).find((x) => x.dataset.pvalue === m);
      return svg ? { line: svg.querySelector('path.line.pvalue')?.getAttribute('d') ?? '',
        fails: svg.querySelectorAll('circle.dot.outcome-fail').length } : null;
    }, run.fail_dot_metric);
    if (!pvalue || !pvalue.line.startsWith('M') || pvalue.fails === 0) {
      fail(where, `${run.fail_dot_metric}: no p-value chart with a fail dot (${JSON.stringify(pvalue)})`);
    }
    // A close-up of the chart that explains the verdict.
    await page.locator(`figure.metric-chart[data-metric="${run.fail_dot_metric}"]`).screenshot({
      path: path.join(spec.screenshot_dir, run.screenshot.replace(/\.png$/, `-${run.fail_dot_metric}.png`)),
    });
  }
  const traffic = charts.filter((c) => c.chart === 'traffic');
  if (traffic.length !== 1) fail(where, `${traffic.length} traffic charts`);
  else if (!traffic[0].line.startsWith('M') || !(traffic[0].width > 100)) fail(where, 'traffic chart has no line');
  const text = await page.evaluate(() => document.body.innerText);
  for (const t of run.texts ?? []) {
    if (!text.includes(t)) fail(where, `text not shown literally: ${t}`);
  }
  const webhooks = await page.locator('table.webhooks tbody tr').count();
  if (webhooks !== detail.webhooks.length) fail(where, `${webhooks} webhook rows, API has ${detail.webhooks.length}`);
  const actions = await page.locator('table.actions tbody tr').count();
  if (actions !== detail.actions.length) fail(where, `${actions} action rows, API has ${detail.actions.length}`);
  await page.screenshot({ path: path.join(spec.screenshot_dir, run.screenshot), fullPage: true });
  console.log(`${where}: verdict ${verdict}, ${metricCharts.length} metric charts, ` +
    `${metricCharts.map((c) => c.dots.length).join('/')} dots, ${webhooks} webhooks, ${actions} actions`);
  await page.close();
}

async function checkNotFound(context) {
  const { page, problems } = await open(context, spec.not_found, 404);
  problems.forEach((p) => fail('not found page', p));
  const h1 = await page.textContent('h1');
  if (h1 !== 'Not found') fail('not found page', `heading "${h1}"`);
  await page.close();
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'verdict-chromium-'));
let context;
try {
  fs.mkdirSync(spec.screenshot_dir, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: spec.chromium, headless: true, args: ARGS,
    viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
  });
  await checkIndex(context);
  for (const run of spec.runs) await checkRun(context, run);
  await checkNotFound(context);
} catch (e) {
  fail('driver', e.stack ?? String(e));
} finally {
  if (context) await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
for (const f of failures) console.log(`FAIL ${f}`);
console.log(failures.length === 0 ? 'all page checks passed' : `${failures.length} page checks failed`);
process.exit(failures.length === 0 ? 0 : 1);
