// What every end-to-end scenario uses: signing in, screenshots, keyboard and layout checks.
import assert from 'node:assert/strict';
import { join } from 'node:path';

export const PASSWORD = 'refloop-demo';
export const user = (role) => `${role}@refloop.local`;

export async function signIn(ctx, role, size) {
  const page = await ctx.newPage(size);
  await page.goto(`${ctx.base}/login`);
  await page.getByRole('textbox', { name: 'Email' }).fill(user(role));
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

export async function shot(ctx, page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-label^="Loading"]'), null, { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(400); // let charts and transitions settle
  await page.screenshot({ path: join(ctx.results, `${name}.png`), fullPage: false });
}

/** Presses Tab until `match` holds for the focused element; fails after `max` presses. */
export async function tabTo(page, match, max = 80) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(match)) return;
  }
  throw new Error(`focus never reached the element after ${max} Tab presses`);
}

export async function pickOption(page, label, option) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
}

export async function noHorizontalOverflow(page) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width + 1, `page is ${scroll}px wide in a ${width}px window`);
}


/** axe-core's serious and critical violations on the page as it is now, as readable lines. */
export async function seriousAxeViolations(page) {
  const { createRequire } = await import('node:module');
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `[${v.impact}] ${v.id} at ${v.nodes.join(' | ')}`);
}
