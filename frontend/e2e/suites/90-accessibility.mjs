// axe-core on every staff page, at a desktop and a laptop width: no serious or critical violations, and no
// request leaves the server (hospital networks often have no internet access).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { noHorizontalOverflow, signIn } from '../helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SIZES = [{ width: 1440, height: 900 }, { width: 1024, height: 768 }];

async function settle(page) {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-label^="Loading"]'), null, { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(300);
}

async function audit(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Every page the navigation offers (so pages added later are covered), plus the pages reached from them. */
async function staffPages(ctx, page) {
  await page.goto(`${ctx.base}/referrals`);
  await settle(page);
  const nav = await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').evaluateAll(
    (links) => links.map((a) => new URL(a.href).pathname),
  );
  await page.goto(`${ctx.base}/referrals?view=table`);
  await page.getByRole('table').locator('tbody tr a').first().waitFor();
  const referral = new URL(await page.getByRole('table').locator('tbody tr a').first().evaluate((a) => a.href)).pathname;
  await page.goto(`${ctx.base}/providers`);
  await page.locator('a[href^="/providers/"]').first().waitFor();
  const provider = new URL(await page.locator('a[href^="/providers/"]').first().evaluate((a) => a.href)).pathname;
  await page.goto(`${ctx.base}/messages`);
  await page.getByRole('table').locator('tbody tr a').first().waitFor();
  const message = new URL(await page.getByRole('table').locator('tbody tr a').first().evaluate((a) => a.href));
  return [...new Set([...nav, '/referrals?view=table', referral, provider, `${message.pathname}${message.search}`])];
}

async function checkAt(ctx, size) {
  const problems = [];
  const page = await signIn(ctx, 'admin', size);
  const outside = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(ctx.base) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
  });
  const paths = await staffPages(ctx, page);
  assert.ok(paths.length >= 10, `expected every staff page, got ${paths.join(', ')}`);
  for (const path of paths) {
    await page.goto(`${ctx.base}${path}`);
    await settle(page);
    if (path.includes('message=')) await page.getByRole('dialog', { name: 'Message' }).getByText('Channel').waitFor();
    for (const v of await audit(page)) problems.push(`${size.width}px ${path}: [${v.impact}] ${v.id} (${v.help}) at ${v.nodes.join(' | ')}`);
    await noHorizontalOverflow(page).catch((err) => problems.push(`${size.width}px ${path}: ${err.message}`));
  }
  if (problems.length) console.log(`    ${problems.join('\n    ')}`);
  assert.deepEqual(problems, []);
  assert.deepEqual(outside, [], 'the app must load nothing from outside the server');
}

// One test per width, so each stays inside the runner's time limit on a busy machine.
export const tests = SIZES.map((size) => ({
  name: `accessibility_every_staff_page_at_${size.width}px_has_no_serious_axe_violations_and_loads_nothing_from_outside`,
  fn: (ctx) => checkAt(ctx, size),
}));
