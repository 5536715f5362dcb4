import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { authedApi } from './support/auth';
import { collectProblems, launchBrowser } from './support/browser';
import { AUDIENCE, ISSUER, TestIdentityProvider, VIEWER_CLIENT_ID } from './support/identity-provider';
import { startTestApp, TestApp } from './support/test-app';

/** Olga has no registry user until her first token is seen (just-in-time provisioning, by subject). */
const OLGA = { sub: 'olga-sub', claims: { email: 'olga@example.com', email_verified: true, name: 'Olga Oidc' } };

describe('The viewer’s OIDC login in a real browser (e2e)', () => {
  const idp = new TestIdentityProvider();
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  const problems: string[] = [];
  const oidcEnv = (): NodeJS.ProcessEnv => ({
    OIDC_ISSUER: ISSUER,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_JWKS_URL: idp.jwksUrl,
    OIDC_USER_CLAIM: 'sub',
    OIDC_JIT_PROVISIONING: 'true',
  });

  beforeAll(async () => {
    await idp.start();
    ({ browser, close: closeBrowser } = await launchBrowser());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await idp.stop();
  });

  async function newPage(): Promise<Page> {
    problems.length = 0;
    const page = await browser.newPage();
    collectProblems(page, problems);
    return page;
  }

  const sessionToken = (page: Page): Promise<string | null> => page.evaluate("sessionStorage.getItem('registry-token')");

  describe('with OIDC_VIEWER_CLIENT_ID', () => {
    let testApp: TestApp;
    let olgaDatasetId: string;

    beforeAll(async () => {
      testApp = await startTestApp({
        ...oidcEnv(),
        OIDC_VIEWER_CLIENT_ID: VIEWER_CLIENT_ID,
        OIDC_AUTHORIZATION_URL: idp.authorizationUrl,
        OIDC_TOKEN_URL: idp.tokenUrl,
        OIDC_VIEWER_SCOPE: 'openid registry:write',
      });
      idp.registerClient(VIEWER_CLIENT_ID, `${testApp.url}/ui`);
      idp.signedIn = OLGA;
      const olga = authedApi(testApp.url, await idp.token(OLGA.sub, OLGA.claims));
      olgaDatasetId = (
        await olga
          .post('/datasets')
          .send({ name: 'olga-sensors', tags: ['oidc'] })
          .expect(201)
      ).body.id;
      await testApp.api().post('/datasets').send({ name: 'admin-private' }).expect(201);
    });

    afterAll(async () => {
      await testApp?.close();
    });

    it('tells the page about the login (no secret), and lets it fetch the token endpoint’s origin', async () => {
      const response = await request(testApp.url).get('/ui/config.json').expect(200);
      expect(response.body).toEqual({
        oidc: {
          clientId: VIEWER_CLIENT_ID,
          authorizationUrl: idp.authorizationUrl,
          tokenUrl: idp.tokenUrl,
          scope: 'openid registry:write',
        },
      });
      const csp = (await request(testApp.url).get('/ui').expect(200)).headers['content-security-policy'];
      expect(csp.split(';')).toContain(`connect-src 'self' ${new URL(idp.tokenUrl).origin}`);
      expect(csp).toMatch(/script-src 'self'/);
    });

    it('signs in with OIDC: the code flow with PKCE lands back at /ui, signed in as the OIDC user, with her datasets', async () => {
      const page = await newPage();
      const exchanges = idp.tokenRequests;
      await page.goto(`${testApp.url}/ui`);
      await page.click('#oidc-sign-in');
      await page.waitForSelector('#results table');
      await expect(page.textContent('#whoami')).resolves.toBe('Olga Oidc');
      expect(await page.locator('#results tbody tr td:first-child').allTextContents()).toEqual(['olga-sensors']);
      expect(page.url()).toBe(`${testApp.url}/ui`); // no code or state left in the address
      expect(idp.tokenRequests).toBe(exchanges + 1);
      const token = await sessionToken(page);
      expect(JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString())).toMatchObject({ sub: OLGA.sub, aud: AUDIENCE });
      await page.close();
      expect(problems).toEqual([]);
    });

    it('comes back to the page the login started from', async () => {
      const page = await newPage();
      await page.goto(`${testApp.url}/ui#/datasets/${olgaDatasetId}`);
      await page.click('#oidc-sign-in');
      await page.waitForSelector('#dataset-name >> text=olga-sensors');
      expect(page.url()).toBe(`${testApp.url}/ui#/datasets/${olgaDatasetId}`);
      await page.close();
      expect(problems).toEqual([]);
    });

    it.each([
      ['an answer with another state', { state: 'forged-state' }, 'state mismatch', false],
      [
        'the identity provider’s error',
        { error: 'access_denied', description: 'Olga said no' },
        'refused the sign-in: Olga said no',
        false,
      ],
      ['a code the token endpoint does not take', { code: 'never-issued' }, 'issued no token: unknown or used code', true],
    ] as const)('refuses %s with a message on the sign-in screen', async (_, spoiled, message, exchanged) => {
      const page = await newPage();
      const exchanges = idp.tokenRequests;
      idp.nextAnswer = spoiled;
      await page.goto(`${testApp.url}/ui`);
      await page.click('#oidc-sign-in');
      await page.waitForSelector('.signin [role=alert]');
      expect(await page.textContent('.signin [role=alert]')).toContain(message);
      expect(await sessionToken(page)).toBeNull();
      expect(page.url()).toBe(`${testApp.url}/ui`);
      expect(idp.tokenRequests).toBe(exchanges + (exchanged ? 1 : 0));
      await expect(page.isVisible('#oidc-sign-in')).resolves.toBe(true);
      await page.close();
      // The token endpoint's 400 is the point of the last case.
      expect(problems.filter((problem) => !(exchanged && problem.includes('400')))).toEqual([]);
    });

    it('refuses a callback link no sign-in in this tab started', async () => {
      const page = await newPage();
      const exchanges = idp.tokenRequests;
      await page.goto(`${testApp.url}/ui?code=someone-elses-code&state=theirs`);
      await page.waitForSelector('.signin [role=alert] >> text=state mismatch');
      expect(idp.tokenRequests).toBe(exchanges);
      expect(await sessionToken(page)).toBeNull();
      await page.close();
      expect(problems).toEqual([]);
    });
  });

  describe('without OIDC_VIEWER_CLIENT_ID', () => {
    let testApp: TestApp;

    beforeAll(async () => {
      testApp = await startTestApp(oidcEnv());
    });

    afterAll(async () => {
      await testApp?.close();
    });

    it('offers no OIDC login, and the page fetches from its own origin only', async () => {
      await request(testApp.url).get('/ui/config.json').expect(200, {});
      const csp = (await request(testApp.url).get('/ui').expect(200)).headers['content-security-policy'];
      expect(csp).not.toContain('connect-src');
      expect(csp).toContain("default-src 'self'");
      const page = await newPage();
      await page.goto(`${testApp.url}/ui`);
      await page.waitForSelector('#token');
      await expect(page.locator('#oidc-sign-in').count()).resolves.toBe(0);
      // An answer of some identity provider finds no login to finish.
      await page.goto(`${testApp.url}/ui?code=a-code&state=a-state`);
      await page.waitForSelector('.signin [role=alert] >> text=offers no OIDC login');
      expect(page.url()).toBe(`${testApp.url}/ui`);
      await page.close();
      expect(problems).toEqual([]);
    });
  });
});
