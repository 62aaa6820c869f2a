// The GraphiQL playground served by the gateway, driven in a real (headless) Chromium.
//
// Every request that leaves the gateway's origin is aborted and recorded, so these tests also
// prove that the playground works on a machine without internet access.
import Redis from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Wallet, getBytes } from 'ethers';
import { credit, signUp } from '../harness/client';
import { GATEWAY_URL, REDIS_URL, busChannel } from '../harness/env';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT_PATH = '/tmp/playground.png';

const gateway = new URL(GATEWAY_URL);

// These run inside the page. They are strings rather than functions because this test is
// compiled without the DOM typings. GraphiQL's editors are CodeMirror 5 instances, reachable
// through the `CodeMirror` property of their wrapper element; reading the value through that
// API sees the whole document, not just the lines CodeMirror happened to render.
const RESULT_TEXT = `document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? ''`;
const QUERY_TEXT = `document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue() ?? ''`;
const setHeadersText = (headers: string) =>
  `document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.setValue(${JSON.stringify(headers)})`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests (and WebSockets) the page tried to open anywhere but the gateway. */
let offOrigin: string[];
/** Uncaught exceptions and Content-Security-Policy violations reported by the page. */
let pageProblems: string[];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  offOrigin = [];
  pageProblems = [];
  // A fresh context per test: GraphiQL keeps tabs and history in localStorage.
  context = await browser.newContext({ viewport: { width: 1400, height: 800 } });
  page = await context.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === gateway.origin) return route.continue();
    offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  // page.route does not see WebSockets; they are checked as they open.
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).host !== gateway.host) offOrigin.push(ws.url());
  });
  page.on('pageerror', (error) => pageProblems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      pageProblems.push(`csp: ${message.text()}`);
    }
  });
});

afterEach(async () => {
  await context?.close();
  expect(offOrigin).toEqual([]);
  expect(pageProblems).toEqual([]);
});

async function openPlayground(query?: string): Promise<void> {
  const url = new URL('/', gateway);
  if (query !== undefined) url.searchParams.set('query', query);
  await page.goto(url.href);
  await page.locator('.graphiql-execute-button').waitFor();
}

const resultText = (): Promise<string> => page.evaluate<string>(RESULT_TEXT);

/** Polls `condition` every 200 ms, running `whileWaiting` between polls; false on timeout. */
async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  whileWaiting?: () => Promise<unknown>,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await whileWaiting?.();
    await page.waitForTimeout(200);
  }
  return true;
}

/** Waits until the result pane contains `needle` and returns the pane's text. */
async function waitForResult(needle: string, timeoutMs: number, whileWaiting?: () => Promise<unknown>): Promise<string> {
  let text = '';
  const seen = await until(async () => (text = await resultText()).includes(needle), timeoutMs, whileWaiting);
  if (!seen) throw new Error(`result pane never showed ${JSON.stringify(needle)}; it shows:\n${text}`);
  return text;
}

test('serves the playground and runs the default markets query over HTTP', async () => {
  await openPlayground();
  expect(await page.title()).toBe('Tradegraph playground');
  expect(await page.evaluate<string>(QUERY_TEXT)).toContain('markets');

  await page.locator('.graphiql-execute-button').click();
  const text = await waitForResult('"markets"', 15_000);
  expect(text).toContain('BTC');
  expect(text).not.toContain('"errors"');

  await page.screenshot({ path: SCREENSHOT_PATH });
});

test('streams a priceUpdated subscription over graphql-ws', async () => {
  await openPlayground('subscription { priceUpdated(market: "BTC-USDT") { market { symbol } price } }');
  await page.locator('.graphiql-execute-button').click();

  // The subscription becomes active some time after the click (socket, connection_init,
  // gateway subscribing to Redis), and a message published before then is lost. So keep
  // publishing until one arrives.
  const publisher = new Redis(REDIS_URL);
  try {
    const message = JSON.stringify({ market: 'BTC-USDT', price: '65000.5', at: '2026-11-21T12:00:00.000Z' });
    const text = await waitForResult('65000.5', 20_000, () => publisher.publish(busChannel('markets.price.BTC-USDT'), message));
    expect(text).toContain('BTC-USDT');
  } finally {
    publisher.disconnect();
  }
  await page.screenshot({ path: SCREENSHOT_PATH.replace(/\.png$/, '-subscription.png') });
});

test('sends the Authorization header over HTTP and in connection_init for subscriptions', async () => {
  const token = 'Bearer playground-e2e-token';

  // The HTTP request goes on to the gateway; only its headers matter here, since whether the
  // gateway accepts this made-up token is not the playground's business.
  const httpAuthorization: string[] = [];
  await page.route(`${gateway.origin}/graphql`, (route) => {
    const request = route.request();
    if (request.method() === 'POST' && !request.postData()?.includes('IntrospectionQuery')) {
      httpAuthorization.push(request.headers()['authorization'] ?? '<none>');
    }
    return route.fallback();
  });

  // The WebSocket is answered here rather than by the gateway, for the same reason: this test
  // checks what the page puts into connection_init, using the graphql-ws protocol directly.
  const connectionInits: unknown[] = [];
  await page.routeWebSocket(`${gateway.origin.replace(/^http/, 'ws')}/graphql`, (ws) => {
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as { type: string; id?: string; payload?: unknown };
      if (message.type === 'connection_init') {
        connectionInits.push(message.payload);
        ws.send(JSON.stringify({ type: 'connection_ack' }));
      } else if (message.type === 'subscribe') {
        const data = { priceUpdated: { market: { symbol: 'BTC-USDT' }, price: '12345.6' } };
        ws.send(JSON.stringify({ type: 'next', id: message.id, payload: { data } }));
        ws.send(JSON.stringify({ type: 'complete', id: message.id }));
      }
    });
  });

  await openPlayground('{ markets { edges { node { symbol } } } }');
  await page.getByRole('button', { name: 'Headers' }).click();
  await page.evaluate(setHeadersText(JSON.stringify({ Authorization: token })));

  await page.locator('.graphiql-execute-button').click();
  await until(() => httpAuthorization.length > 0, 15_000);
  expect(httpAuthorization).toEqual([token]);

  // Swap in a subscription (setValue keeps the headers editor as it is).
  await page.evaluate(
    `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(
      'subscription { priceUpdated(market: "BTC-USDT") { market { symbol } price } }',
    )})`,
  );
  await page.locator('.graphiql-execute-button').click();
  await waitForResult('12345.6', 15_000);
  expect(connectionInits).toEqual([{ authorization: token }]);
});

// Every CodeMirror value in the variables/headers area: the headers editor is one of them.
const EDITOR_TOOL_TEXTS = `[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')].map((e) => e.CodeMirror.getValue()).join('\\n')`;
const setQueryText = (query: string) => `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(query)})`;

test('the sign-in helper fills the Authorization header; me then runs over HTTP, and the socket is authenticated', async () => {
  const user = await signUp(); // password: the harness's
  await credit(user.token, 'USDT', '25');
  await openPlayground();
  await page.getByRole('button', { name: 'Show Sign in' }).click();
  await page.fill('.tg-sign-in input[name=email]', user.email);
  await page.fill('.tg-sign-in input[name=password]', 'correct horse battery staple');
  await page.click('.tg-sign-in button[type=submit]');
  await page.locator('.tg-status', { hasText: 'Signed in' }).waitFor({ timeout: 15_000 });
  expect(await page.evaluate<string>(EDITOR_TOOL_TEXTS)).toMatch(/"Authorization": "Bearer eyJ[^"]+"/);

  await page.evaluate(setQueryText('{ me { email } }'));
  await page.locator('.graphiql-execute-button').click();
  const me = await waitForResult(user.email, 15_000);
  expect(me).not.toContain('"errors"');

  // The same token opened the subscription socket: a user's own balances stream (current first).
  await page.evaluate(setQueryText('subscription { myBalanceUpdates { asset available } }'));
  await page.locator('.graphiql-execute-button').click();
  const balances = await waitForResult('"USDT"', 15_000);
  expect(balances).not.toContain('UNAUTHENTICATED');
  await page.locator('.graphiql-execute-button').click(); // stop
});

test('signs in with Ethereum through an injected wallet (SIWE)', async () => {
  const wallet = Wallet.createRandom();
  await page.exposeFunction('__playgroundTestSign', (hex: string) => wallet.signMessage(getBytes(hex)));
  // An EIP-1193 provider as a browser wallet injects it; the address lower-case, as wallets hand it out.
  await context.addInitScript(`window.ethereum = { request: async ({ method, params }) => {
    if (method === 'eth_requestAccounts') return [${JSON.stringify(wallet.address.toLowerCase())}];
    if (method === 'eth_chainId') return '0x1';
    if (method === 'personal_sign') return window.__playgroundTestSign(params[0]);
    throw new Error('unsupported ' + method);
  } };`);
  await openPlayground();
  await page.getByRole('button', { name: 'Show Sign in' }).click();
  await page.click('.tg-siwe');
  const status = page.locator('.tg-status');
  await status.filter({ hasText: /Signed in|Not signed in/ }).waitFor({ timeout: 15_000 });
  expect(await status.textContent()).toContain('Signed in');
  await page.evaluate(setQueryText('{ me { id wallets { edges { node { address } } } } }'));
  await page.locator('.graphiql-execute-button').click();
  const text = await waitForResult('"me"', 15_000);
  expect(text.toLowerCase()).toContain(wallet.address.toLowerCase());
});

test('offers saved examples for each domain and shows the fee schedule', async () => {
  await openPlayground();
  await page.getByRole('button', { name: 'Show Examples' }).click();
  for (const name of ['Markets', 'PriceUpdated', 'PlaceOrder', 'MyDeposits', 'Me']) {
    await page.locator(`.tg-example[data-example="${name}"]`).waitFor();
  }
  // The fee schedule, read live from the graph: level 0 first.
  await page.locator('.tg-fee-table tbody tr').first().waitFor({ timeout: 15_000 });
  expect(await page.locator('.tg-fee-table tbody tr').first().locator('td').first().textContent()).toBe('0');

  await page.click('.tg-example[data-example="RecentTrades"]');
  expect(await page.evaluate<string>(QUERY_TEXT)).toContain('query RecentTrades');
  await page.locator('.graphiql-execute-button').click();
  const text = await waitForResult('"trades"', 15_000);
  expect(text).not.toContain('"errors"');
});
