// Headless Chromium (Debian's package, never a browser download) driven by
// puppeteer-core, with the test page served at an origin of the test's
// choosing: requests for <origin>/__interop/* are answered from memory
// through the DevTools Fetch domain (only that pattern is intercepted;
// every API request goes to the sandbox untouched). At the sandbox's own
// origin the page is same-origin, as Twake's web client on a self-hosted
// server (api_root_url = document.location, linagora/Twake@39f533e5e838
// twake/frontend/src/app/environment/environment.ts.dist:5). openServed
// instead serves the page from a loopback HTTP server of its own, another
// origin, so the browser applies CORS as for the hosted app
// (environment.ts.dist:15). (An intercepted page on another origin would
// not do: it has no address, and Chromium's local network access rules
// then refuse its requests to loopback.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
const launchTimeoutMs = 30_000;
const protocolTimeoutMs = 120_000;

// The flags that work as root on a machine without a display.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** describe prints one recorded request and its answer on a few lines. */
function describe(q) {
  if (typeof q !== 'object') return String(q);
  const body = q.body?.form
    ? q.body.form.map(([k, v]) => (typeof v === 'string' ? `${k}=${v}` : `${k}=<${v.filename}, ${v.size} bytes, type "${v.type}">`)).join(' ')
    : JSON.stringify(q.body);
  return `  ${q.method.toUpperCase()} ${q.url}\n    headers ${JSON.stringify(q.headers)}\n    body ${body}\n    → ${q.status} ${q.answer}`;
}

let bundle;
/** clientBundle bundles page/client.mjs (the glue and the real libraries) once. */
async function clientBundle() {
  if (!bundle) {
    const r = await esbuild.build({
      entryPoints: [join(here, '..', 'page', 'client.mjs')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    });
    bundle = r.outputFiles[0].text;
  }
  return bundle;
}

/**
 * openBrowser launches Chromium (CHROMIUM or /usr/bin/chromium) with a
 * fresh profile. The result has open(origin), which opens the test page
 * at origin (the sandbox's base URL for a same-origin client), and
 * close().
 */
export async function openBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'ferry-interop-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: chromiumArgs,
      userDataDir: profile,
      pipe: true,
      timeout: launchTimeoutMs,
      protocolTimeout: protocolTimeoutMs,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const servers = [];
  return {
    open: (origin) => openPage(browser, origin),
    /** openServed opens the test page served from a loopback server of its own. */
    async openServed() {
      const assets = await pageAssets();
      const srv = createServer((req, res) => {
        const a = assets[new URL(req.url, 'http://x').pathname];
        res.writeHead(a ? 200 : 404, { 'Content-Type': a ? a[0] : 'text/plain' });
        res.end(a ? a[1] : 'not found');
      });
      servers.push(srv);
      await new Promise((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).once('error', reject));
      return openPage(browser, `http://127.0.0.1:${srv.address().port}`, false);
    },
    async close() {
      await browser.close().catch(() => {});
      for (const s of servers) s.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** pageAssets are the test page's files by path. */
async function pageAssets() {
  return {
    '/__interop/index.html': ['text/html', '<!doctype html><meta charset="utf-8"><title>ferry interop</title><script src="/__interop/client.js"></script>'],
    '/__interop/client.js': ['text/javascript', await clientBundle()],
  };
}

/**
 * openPage opens the test page at origin in browser. The result has page
 * and run(fn, arg, ms): page.evaluate of window.interop[fn](arg) bounded by
 * ms, failing with what the page recorded.
 */
async function openPage(browser, origin, intercept = true) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // Network failures are in the request record with their answers.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  if (intercept) {
    const assets = await pageAssets();
    const cdp = await page.createCDPSession();
    cdp.on('Fetch.requestPaused', (ev) => {
      const a = assets[new URL(ev.request.url).pathname];
      cdp
        .send('Fetch.fulfillRequest', {
          requestId: ev.requestId,
          responseCode: a ? 200 : 404,
          responseHeaders: [{ name: 'Content-Type', value: a ? a[0] : 'text/plain' }],
          body: Buffer.from(a ? a[1] : 'not found').toString('base64'),
        })
        .catch(() => {});
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${origin}/__interop/*`, requestStage: 'Request' }] });
  }
  await page.goto(`${origin}/__interop/index.html`, { waitUntil: 'load', timeout: launchTimeoutMs });
  if (!(await page.evaluate(() => typeof window.interop === 'object'))) {
    throw new Error(`the test page did not load its client: ${pageErrors.join('; ')}`);
  }
  return {
    page,
    /**
     * run evaluates window.interop[fn](arg) in the page, bounded by ms.
     * On failure or timeout the error carries every request the page
     * made and its answer (window.interop.requests, secrets redacted).
     */
    async run(fn, arg, ms) {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${fn} did not finish within ${ms} ms`)), ms);
      });
      try {
        return await Promise.race([page.evaluate((f, a) => window.interop[f](a), fn, arg), timeout]);
      } catch (e) {
        const reqs = await page
          .evaluate(() => window.interop.requests)
          .catch((err) => [`(could not read the page's requests: ${err})`]);
        e.message += `\nrequests the page made:\n${reqs.map(describe).join('\n')}` +
          (pageErrors.length ? `\npage errors: ${pageErrors.join('; ')}` : '');
        throw e;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
