// A scripted visit of the audit service's page in headless Chromium (Debian's), driven by
// playwright-core: what a supervisor sees, asserted (the indicators and guarantees, the record
// as recorded at a time and what changed since, a diff between two dates, a school's page, the
// print view, the exports, signing in and out), and screenshots kept beside SCREENSHOT.png.
//   node visit.cjs BASE_URL SCREENSHOT.png
// ANNALS_VISIT_TOKENS holds the tokens web_page_test.py made (JSON: city, xicheng, revoked,
// later, metrics, wrong); ANNALS_VISIT_REVOKE the command (JSON argv) that revokes one by name.
'use strict';
const { chromium } = require('playwright-core');
const assert = require('assert');
const { execFileSync } = require('child_process');
const fs = require('fs');

const [base, screenshot] = process.argv.slice(2);
const tokens = JSON.parse(process.env.ANNALS_VISIT_TOKENS);
const revoke = JSON.parse(process.env.ANNALS_VISIT_REVOKE);
const REFUSED = 'the token is not valid (unknown or revoked): sign in again';

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const elsewhere = [];
    const urls = [];
    const authorization = new Map();  // API path -> the Authorization header it was sent with
    page.on('request', (r) => {
      urls.push(r.url());
      if (!r.url().startsWith(base) && !r.url().startsWith(`blob:${base}/`)) elsewhere.push(r.url());
      if (new URL(r.url()).pathname.startsWith('/v1/')) authorization.set(r.url(), r.headers().authorization);
    });
    page.on('framenavigated', (f) => urls.push(f.url()));
    const consoleText = [];
    page.on('console', (m) => consoleText.push(m.text()));
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const settled = () => page.waitForFunction(() => document.body.dataset.loading === 'false');
    const visible = (selector) => page.waitForSelector(selector, { state: 'visible' });
    const signIn = async (token) => {
      await visible('#signin');
      await page.fill('#token', token);
      await page.click('#signin-button');
    };
    const refused = async () => {
      await page.waitForFunction((text) => !document.getElementById('signin-message').hidden &&
        document.getElementById('signin-message').textContent === text, REFUSED);
      assert.ok(await page.isHidden('#content'), 'nothing of the record once refused');
      assert.strictEqual(await page.inputValue('#token'), '', 'the field does not keep the token');
      assert.strictEqual(await page.evaluate(() => sessionStorage.length), 0, 'the refused token is forgotten');
    };

    // Signed out: the form, nothing else, and no API call.
    await page.goto(`${base}/?district=xicheng&at=2019-09-01`);
    await visible('#signin');
    assert.strictEqual(await page.getAttribute('#token', 'type'), 'password');
    assert.strictEqual(await page.getAttribute('#token', 'name'), null, 'a field without a name is never submitted');
    assert.ok(await page.isHidden('#content'));
    assert.ok(await page.isHidden('#controls'));
    assert.deepStrictEqual([...authorization.keys()], [], 'no API call before signing in');

    // An unknown token, then a revoked one: refused, and the form says so.
    await signIn(tokens.wrong);
    await refused();
    await signIn(tokens.revoked);
    await refused();

    // A reader of 西城区 only.
    await signIn(tokens.xicheng);
    await page.waitForFunction(() => document.body.dataset.signedIn === 'true');
    await settled();
    assert.match(await page.textContent('#who'), /xicheng-reader \(reader: xicheng\)/);
    assert.ok(await page.isVisible('#signout'));
    const districts = await page.$$eval('#district option', (os) => os.map((o) => o.value));
    assert.deepStrictEqual(districts, ['xicheng'], 'only its district is listed');
    assert.strictEqual(await page.evaluate(() => sessionStorage.getItem('annals.token')), tokens.xicheng, 'kept for the session');
    assert.strictEqual(await page.evaluate(() => localStorage.length), 0, 'nothing kept beyond the session');
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
    assert.ok((await page.$$('#events tbody tr')).length > 0, `the event trail: ${await page.textContent('#error')}`);
    assert.match(await page.getAttribute('#xlsx', 'data-href'), /indicators\.xlsx\?at=2019-09-01/);

    // The guarantees beside the indicators, each with a verdict or a dash.
    const guarantees = await page.$$eval('#guarantees tbody tr', (trs) => trs.map((tr) => [tr.dataset.guarantee, tr.cells[3].className, tr.cells[0].textContent]));
    assert.deepStrictEqual(guarantees.map((g) => g[0]),
      ['school_size', 'special_education_operating_funds', 'training_funds_share', 'migrant_public_share', 'rotation_share',
        'backbone_rotation_share', 'class_size_primary',
        'class_size_junior', 'nearby_admission_primary', 'nearby_admission_junior', 'senior_high_quota_share', 'disabled_enrolment_share',
        'appropriation_growth', 'per_pupil_appropriation_growth', 'per_pupil_operating_funds_growth'], `the guarantees: ${guarantees}`);
    assert.ok(guarantees.some((g) => ['pass', 'fail'].includes(g[1])), `a judged guarantee: ${guarantees}`);
    assert.match(guarantees[0][2], /学校规模/);

    // Both clocks: the record as it stood at a recorded time, and what changed since.
    const asked = (fragment) => [...authorization.keys()].filter((u) => u.includes(fragment)).length;
    await page.fill('#recorded', '2019-06-30');
    await page.$eval('#recorded', (d) => d.dispatchEvent(new Event('change')));
    await page.waitForFunction(() => !document.getElementById('since').hidden && document.getElementById('since-at').textContent === '2019-06-30');
    await settled();
    assert.ok(asked('/indicators?at=2019-09-01&recorded_at=2019-06-30') > 0, 'the indicators as recorded then');
    assert.ok(asked('/state?at=2019-09-01&recorded_at=2019-06-30') > 0, 'the roster as recorded then');
    assert.ok(asked('/diff?from=2019-09-01&from_recorded_at=2019-06-30&to=2019-09-01') > 0, 'what changed since');
    const since = await page.textContent('#since-summary');
    const sinceEvents = (await page.$$('#since-events tbody tr')).length;
    assert.match(since, /^\d+ events \(/, `the summary: ${since}`);
    assert.ok(Number(since.split(' ')[0]) > 0 && sinceEvents > 0, `a school year's start was recorded after June: ${since}`);
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-recorded.png'), fullPage: true });
    await page.fill('#recorded', '');
    await page.$eval('#recorded', (d) => d.dispatchEvent(new Event('change')));
    await page.waitForFunction(() => document.getElementById('since').hidden);
    await settled();

    // A diff between two dates, with its causing events.
    await page.fill('#compare', '2018-09-01');
    await page.$eval('#compare', (d) => d.dispatchEvent(new Event('change')));
    await page.waitForFunction(() => !document.getElementById('diff').hidden && document.getElementById('diff-span').textContent === '2018-09-01 → 2019-09-01');
    await settled();
    const totals = await page.$$eval('#diff-totals tbody tr', (trs) => trs.map((tr) => tr.cells[1].textContent));
    assert.ok(totals.includes('students'), `the totals' changes: ${totals}`);
    assert.ok((await page.$$('#diff-events tbody tr')).length > 0, 'the causing events');
    assert.match(await page.textContent('#diff-summary'), /\d+ events .*\d+ changed/);
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-diff.png'), fullPage: true });
    await page.fill('#compare', '');
    await page.$eval('#compare', (d) => d.dispatchEvent(new Event('change')));
    await page.waitForFunction(() => document.getElementById('diff').hidden);
    await settled();

    // A school's page: its record, its figures each year, its events.
    const clicked = await page.$eval('#schools tbody tr td.school-link', (td) => { td.click(); return td.textContent; });
    await page.waitForFunction(() => !document.getElementById('school').hidden);
    await settled();
    assert.strictEqual(await page.textContent('#school-name'), clicked);
    const years = await page.$$eval('#school-figures tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.deepStrictEqual(years, ['2012-09-01', '2013-09-01', '2014-09-01', '2015-09-01', '2016-09-01', '2017-09-01', '2018-09-01', '2019-09-01']);
    const figures = await page.$$eval('#school-figures tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(1).map((c) => Number(c.textContent))));
    for (const column of [0, 1, 4, 5]) assert.ok(figures.some((row) => row[column] > 0), `students, teachers, floor area and equipment shown: ${figures}`);
    assert.ok((await page.$$('#school-events tbody tr')).length > 0, 'the school\'s events');
    assert.match(await page.textContent('#school-lineage'), /opened \d{4}-\d{2}-\d{2}/);
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-school.png'), fullPage: true });
    await page.click('#school-close');
    assert.ok(await page.isHidden('#school'));

    // The print view: the official tables, no controls, no chart.
    await page.emulateMedia({ media: 'print' });
    assert.strictEqual(await page.$eval('header', (h) => getComputedStyle(h).display), 'none');
    assert.strictEqual(await page.$eval('#chart-section', (c) => getComputedStyle(c).display), 'none');
    assert.notStrictEqual(await page.$eval('#indicators', (t) => getComputedStyle(t).display), 'none');
    assert.notStrictEqual(await page.$eval('#guarantees', (t) => getComputedStyle(t).display), 'none');
    assert.match(await page.textContent('#print-caption'), /xicheng.*2019-09-01/, 'the printout names the district and the date');
    assert.strictEqual(await page.$eval('#print-caption', (c) => getComputedStyle(c).display), 'block');
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });

    // The exports are fetched with the token and saved from a Blob URL.
    for (const [id, name, starts] of [['#xlsx', /\.xlsx$/, 'PK'], ['#csv', /\.csv$/, null]]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
      assert.match(download.suggestedFilename(), name);
      assert.match(download.url(), /^blob:/, 'saved from a Blob URL');
      const bytes = fs.readFileSync(await download.path());
      if (starts) assert.strictEqual(bytes.subarray(0, 2).toString('latin1'), starts, 'an Excel workbook');
      else assert.match(bytes.toString('utf8'), /综合差异系数/, 'the official table');
    }

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

    // Another district answers as one that does not exist; the session survives a new page.
    await page.goto(`${base}/?district=chaoyang&at=2019-09-01`);
    await page.waitForFunction(() => document.body.dataset.signedIn === 'true');
    await settled();
    assert.match(await page.textContent('#verdict'), /no district 'chaoyang' in the record/);
    assert.deepStrictEqual(await page.$$eval('#district option', (os) => os.map((o) => o.value)), ['xicheng']);

    // Signing out forgets the token and what the page showed.
    await page.click('#signout');
    await visible('#signin');
    assert.ok(await page.isHidden('#signin-message'), 'a sign-out is no refusal');
    assert.strictEqual(await page.evaluate(() => sessionStorage.length), 0);
    assert.strictEqual((await page.$$('#indicators tbody tr')).length, 0);

    // A valid identity without the reader role: signed in, and the API's 403 shown.
    await signIn(tokens.metrics);
    await page.waitForFunction(() => !document.getElementById('error').hidden);
    assert.match(await page.textContent('#who'), /scraper \(metrics: every district\)/);
    assert.match(await page.textContent('#error'), /role/);
    await page.click('#signout');

    // A token revoked while the page is open: the next answer is refused.
    await signIn(tokens.later);
    await page.waitForFunction(() => document.body.dataset.signedIn === 'true');
    await settled();
    execFileSync(revoke[0], [...revoke.slice(1), 'later-revoked'], { stdio: 'inherit' });
    const deadline = Date.now() + 10000;
    for (let stage = 'junior'; ; stage = stage === 'primary' ? 'junior' : 'primary') {
      // Refused already (an answer the page asked for by itself, under load): signed out.
      if (await page.isVisible('#signin')) break;
      await page.selectOption('#stage', stage, { timeout: 3000 }).catch(() => {});  // hidden by then
      await settled();
      if (await page.isVisible('#signin')) break;
      assert.ok(Date.now() < deadline, 'a revoked token is refused within seconds');
      await page.waitForTimeout(300);
    }
    await refused();

    // The token is never in a URL nor in the console; every API call carried one.
    for (const token of Object.values(tokens)) {
      const secret = token.split('_').slice(2).join('_');
      for (const u of urls) assert.ok(!u.includes(secret), `a token in the URL ${u.slice(0, 60)}...`);
      for (const c of consoleText) assert.ok(!c.includes(secret), 'a token in the console');
    }
    assert.ok(!(await page.url()).includes('token'));
    for (const [u, header] of authorization) assert.match(header || '', /^Bearer annals_/, `no token sent to ${u}`);

    assert.deepStrictEqual(errors, [], 'no script errors');
    assert.deepStrictEqual(elsewhere, [], 'every request stays on the audit service');
    console.log(`visited ${base}: ${rows.length} indicator rows, ${schools.length} schools, ${lines} CV lines; ` +
      `${authorization.size} API calls, each with a token; screenshot ${screenshot}`);
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
