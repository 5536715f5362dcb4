import { HOUR } from '../src/common/testing/time';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { Api, bearer, createUserWithToken } from './support/auth';
import { collectProblems, launchBrowser } from './support/browser';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

/** Set by `npm run screenshots`: where docs/viewer.md's pictures of the viewer are written. */
const SCREENSHOTS = process.env.VIEWER_SCREENSHOTS_DIR;
const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'temp', type: 'number', unit: '°C' },
];
const T0 = Date.parse('2026-11-01T00:00:00Z');

/** Two weeks of hourly points: a daily cycle, and a temperature. */
function csv(hours: number, offset = 0): string {
  const rows = Array.from({ length: hours }, (_, i) => {
    const hour = i + offset;
    return `${T0 + hour * HOUR},${(50 + 40 * Math.sin((hour / 24) * 2 * Math.PI) + (hour % 7)).toFixed(2)},${(12 + 6 * Math.sin((hour / 24) * 2 * Math.PI - 1)).toFixed(2)}`;
  });
  return `timestamp,kw,temp\n${rows.join('\n')}\n`;
}

describe('The dataset viewer in a real browser (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  let browser: BrowserContext;
  let ada: { id: string; token: string };
  let windId: string;
  let secretId: string;
  let bobId: string;
  let digest: string;
  const problems: string[] = [];

  beforeAll(async () => {
    admin = testApp.api();
    ada = await createUserWithToken(admin, { name: 'Ada Lovelace' });
    const bob = await createUserWithToken(admin, { name: 'Bob' });
    bobId = bob.id;
    const asAda = (method: 'post' | 'put', url: string): request.Test =>
      request(testApp.url)[method](url).set('Authorization', bearer(ada.token));
    windId = (
      await asAda('post', '/datasets')
        .send({ name: 'wind-farm-north', description: 'Turbine output', tags: ['energy', 'wind'], frequency: '1h', fields: FIELDS })
        .expect(201)
    ).body.id;
    await asAda('post', '/datasets')
      .send({ name: 'solar-roof', tags: ['energy'], fields: FIELDS })
      .expect(201);
    await asAda('post', `/datasets/${windId}/records`)
      .set('Content-Type', 'text/csv')
      .send(csv(24 * 14))
      .expect(200);
    digest = (await asAda('post', `/datasets/${windId}/versions`).send({}).expect(201)).body.digest;
    await asAda('put', `/datasets/${windId}/tags/train`).send({ version: 1 }).expect(201);
    await asAda('post', `/datasets/${windId}/records`)
      .set('Content-Type', 'text/csv')
      .send(csv(24 * 7, 24 * 14))
      .expect(200);
    secretId = (
      await request(testApp.url)
        .post('/datasets')
        .set('Authorization', bearer(bob.token))
        .send({ name: 'bob-secret', fields: FIELDS })
        .expect(201)
    ).body.id;
    const launched = await launchBrowser();
    browser = launched.browser;
    testApp.beforeClose(launched.close);
  });

  /** A page whose console errors, uncaught exceptions and failed requests are collected in `problems`. */
  async function newPage(width = 1280, height = 800): Promise<Page> {
    problems.length = 0;
    const page = await browser.newPage();
    await page.setViewportSize({ width, height });
    collectProblems(page, problems);
    return page;
  }

  async function signedIn(page: Page, token = ada.token): Promise<void> {
    await page.goto(`${testApp.url}/ui`);
    await page.fill('#token', token);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#results table');
  }

  const chartSvg = (page: Page): Promise<string> => page.locator('#chart > svg').evaluate((svg) => svg.outerHTML);

  it('serves the page under a strict CSP, without inline scripts', async () => {
    const response = await request(testApp.url).get('/ui').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(response.text).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/);
    await request(testApp.url)
      .get('/ui/viewer.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    await request(testApp.url).get('/ui/nope.js').expect(404);
  });

  it('signs in with a token, lists and searches datasets by keyboard, and shows no one else’s private dataset', async () => {
    const page = await newPage();
    await page.goto(`${testApp.url}/ui`);
    await page.fill('#token', 'dsr_not_a_real_token');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.signin [role=alert]');
    problems.length = 0; // the refused token's 401 is the point of that step

    await signedIn(page);
    await expect(page.textContent('#whoami')).resolves.toBe('Ada Lovelace');
    const names = (): Promise<string[]> => page.locator('#results tbody tr td:first-child').allTextContents();
    expect((await names()).sort()).toEqual(['solar-roof', 'wind-farm-north']);
    if (SCREENSHOTS) await page.screenshot({ path: screenshotPath('viewer-list.png') });

    await page.focus('#q');
    await page.keyboard.type('wind');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.locator('#results tbody tr').count()) === 1, { what: 'one search result' });
    expect(await names()).toEqual(['wind-farm-north']);

    // By owner: Bob's id finds nothing Ada may read.
    await page.fill('#q', '');
    await page.fill('#owner', bobId);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#results >> text=No datasets match.');
    await page.fill('#owner', '');

    await page.fill('#q', 'bob');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#results >> text=No datasets match.');
    await page.goto(`${testApp.url}/ui#/datasets/${secretId}`);
    await page.waitForSelector('[role=alert] >> text=No such dataset');
    await page.close();
    expect(problems.filter((problem) => !problem.includes('404'))).toEqual([]);
    problems.length = 0; // the 404 of the private dataset is the point
  });

  it('opens a dataset: chart, range, field toggles, version pinning, statistics, events arriving live', async () => {
    const page = await newPage();
    await signedIn(page);
    await page.locator('#results a', { hasText: 'wind-farm-north' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#chart > svg');
    await expect(page.textContent('#dataset-name')).resolves.toBe('wind-farm-north');
    await expect(page.textContent('#owner')).resolves.toBe('Ada Lovelace');
    await page.waitForSelector('#stats >> text=504 points');
    await page.waitForSelector('#events[data-live=true]');
    expect(await page.locator('#chart > svg title').first().textContent()).toBe('wind-farm-north — live points');
    if (SCREENSHOTS) await page.screenshot({ path: screenshotPath('viewer-dataset.png') });

    // The range: the chart follows it.
    const whole = await chartSvg(page);
    await page.fill('#from', '2026-11-02T00:00:00');
    await page.fill('#to', '2026-11-03T00:00:00');
    await page.click('#apply');
    await waitFor(async () => (await page.locator('#chart > svg').count()) === 1 && (await chartSvg(page)) !== whole, {
      what: 'a new chart',
    });
    expect(await page.locator('#chart g.chart-band').count()).toBe(0); // a day of hours: a pixel holds one point at most

    // A field toggled off leaves the chart.
    const lines = (): Promise<string[]> => page.locator('#chart g.chart-line path title').allTextContents();
    expect(await lines()).toEqual(['kw', 'temp']);
    await page.uncheck('input[data-field=temp]');
    await waitFor(async () => (await page.locator('#chart g.chart-line path').count()) === 1, { what: 'one line' });
    expect(await lines()).toEqual(['kw']);
    await page.check('input[data-field=temp]');

    // Pinning a version: its digest shows, the chart says which version it is.
    await page.fill('#from', '');
    await page.fill('#to', '');
    await page.selectOption('#pin', 'version=1');
    await page.waitForSelector('#digest');
    await expect(page.textContent('#digest')).resolves.toBe(digest);
    expect(await page.locator('#chart > svg title').first().textContent()).toMatch(/version 1/);
    await page.waitForSelector('#stats >> text=336 points');
    await expect(page.textContent('#python')).resolves.toContain(`/datasets/${windId}/records?format=csv&version=1`);

    // A write through the API arrives in the event list, live.
    await request(testApp.url)
      .post(`/datasets/${windId}/records`)
      .set('Authorization', bearer(ada.token))
      .set('Content-Type', 'text/csv')
      .send(csv(1, 24 * 30))
      .expect(200);
    await page.waitForSelector('#events li[data-type="dataset.records.appended"] >> text=live', { timeout: 15_000 });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('fits a phone-width screen', async () => {
    const page = await newPage(390, 844);
    await signedIn(page);
    await page.locator('#results a', { hasText: 'wind-farm-north' }).click();
    await page.waitForSelector('#chart > svg');
    const { scrollWidth, innerWidth, chartWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number; chartWidth: number }>(
      "({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, chartWidth: document.querySelector('#chart > svg').getBoundingClientRect().width })",
    );
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    expect(chartWidth).toBeGreaterThan(300);
    await page.close();
    expect(problems).toEqual([]);
  });
});

function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS as string, { recursive: true });
  return path.join(SCREENSHOTS as string, name);
}
