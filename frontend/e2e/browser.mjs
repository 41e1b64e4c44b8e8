// Debian's Chromium driven by playwright-core (no downloaded browser builds).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launch() {
  // playwright gives the browser a fresh profile directory (--user-data-dir) and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  return {
    browser,
    /**
     * A new page in a context (and so a window) of its own: a tab behind another gets no animation frames, so
     * every click on it waited seconds for the page to look still. Each page is also its own signed-in person,
     * as sessionStorage (the tokens) is per tab anyway.
     */
    async newPage({ width = 1280, height = 800 } = {}) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      page.once('close', () => context.close().catch(() => {}));
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
    },
  };
}
