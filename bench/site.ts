// The page server and the Chromium of the browser benchmarks (signed-policy, slow-link, faults):
// the app's server routes by path, the page at `/`, the scripts it loads, and Chromium without
// puppeteer's network monitoring, which slows request bodies tenfold (TOOLCHAIN.md).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import puppeteer, { type Browser } from 'puppeteer-core';
import { CHROMIUM_ARGS } from '../test/node/support/chromium.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface SiteOptions {
  /** The app's server handlers (sign, sts, proxy), by path. */
  routes: Record<string, Route>;
  /** The HTML at `/`. */
  page: string;
  /** A script at `path` (`/x.js`), or undefined for a 404. */
  script(path: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

export interface Site {
  /** `http://localhost:PORT/`: a host name, as a page would have (the server listens on 127.0.0.1). */
  url: string;
  browser: Browser;
  /** Closes Chromium first (its uploads end), then the server and the connections it still holds. */
  close(): Promise<void>;
}

export async function startSite(options: SiteOptions): Promise<Site> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = options.routes[path];
    if (route) return route(req, res);
    if (path === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(options.page);
    const body = await options.script(path);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(body);
  });
  server.requestTimeout = 0; // the proxy's uploads may take longer than Node's default 300 s
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const stop = () => {
    server.closeAllConnections();
    server.close();
  };
  let browser: Browser;
  try {
    browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, networkEnabled: false, args: CHROMIUM_ARGS });
  } catch (error) {
    stop();
    throw error;
  }
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    browser,
    close: async () => {
      await browser.close();
      stop();
    },
  };
}
