// A scripted visit of the audit service's page in headless Chromium (Debian's), driven by
// playwright-core: what a supervisor sees, asserted, and a screenshot kept.
//   node visit.cjs BASE_URL SCREENSHOT.png
'use strict';
const { chromium } = require('playwright-core');
const assert = require('assert');

const [base, screenshot] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const elsewhere = [];
    page.on('request', (r) => { if (!r.url().startsWith(base)) elsewhere.push(r.url()); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const settled = () => page.waitForFunction(() => document.body.dataset.loading === 'false');

    await page.goto(`${base}/?district=xicheng&at=2019-09-01`);
    await settled();
    assert.match(await page.textContent('#standard-why'), /教督〔2017〕6号/);
    assert.match(await page.textContent('#verdict'), /达标/);
    const rows = await page.$$eval('#indicators tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => [c.textContent, c.className])));
    assert.strictEqual(rows.length, 8, 'seven indicators and the composite');
    for (const r of rows.slice(0, 7)) assert.ok(['pass', 'fail'].includes(r[4][1]), `a coloured verdict: ${r}`);
    assert.match(rows[0][0][0], /每百名学生拥有高于规定学历教师数/);
    const lines = await page.$$eval('#chart svg path', (ps) => ps.length);
    assert.ok(lines >= 5, `a line per indicator, got ${lines}`);
    const schools = await page.$$eval('#schools tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.ok(schools.some((s) => s.includes('西城区')), `the roster: ${schools}`);
    assert.ok((await page.$$('#events tbody tr')).length > 0, 'the event trail');
    assert.match(await page.getAttribute('#xlsx', 'href'), /indicators\.xlsx\?at=2019-09-01/);

    // The slider moves the date back before 2017: the 2012 standard, judged on the composite.
    await page.$eval('#slider', (s) => {
      s.value = String(Math.floor((Date.UTC(2015, 8, 1) - Date.UTC(2010, 0, 1)) / 86400000));
      s.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => document.getElementById('date').value === '2015-09-01');
    await page.waitForFunction(() => document.getElementById('standard-why').textContent.includes('教督〔2012〕3号'));
    await settled();
    assert.strictEqual((await page.$$('#indicators tbody tr')).length, 9, 'eight indicators and the composite');

    // The junior stage, and back to 2019 for the picture.
    await page.selectOption('#stage', 'junior');
    await page.fill('#date', '2019-09-01');
    await page.$eval('#date', (d) => d.dispatchEvent(new Event('change')));
    await page.waitForFunction(() => document.getElementById('standard-why').textContent.includes('教督〔2017〕6号'));
    await settled();
    assert.strictEqual((await page.$$('#indicators tbody tr')).length, 8, 'one table, however many refreshes ran');
    const junior = await page.$$eval('#schools tbody tr', (trs) => trs.filter((tr) => tr.textContent.includes('junior')).length);
    assert.ok(junior > 0, 'junior sections in the roster');
    await page.screenshot({ path: screenshot, fullPage: true });

    assert.deepStrictEqual(errors, [], 'no script errors');
    assert.deepStrictEqual(elsewhere, [], 'every request stays on the audit service');
    console.log(`visited ${base}: ${rows.length} indicator rows, ${schools.length} schools, ${lines} CV lines; screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
