// Debian's Chromium for Node-side browser checks (puppeteer-core never downloads a browser).
import puppeteer, { type Browser } from 'puppeteer-core';

/** The flags TOOLCHAIN.md lists: as root Chromium needs --no-sandbox; the rest keep it off the closed network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}
