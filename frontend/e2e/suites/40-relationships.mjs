// Referrer relationships: a liaison opens a cooling referrer from the alert, logs a touchpoint
// with a follow-up date and finds the follow-up on their home page; an admin assigns a referrer to
// a liaison, adds a program cost, opts a practice out of the monthly report; the dashboard's charts.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { noHorizontalOverflow, pickOption, shot, signIn } from '../helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const LIAISON_NAME = 'Jordan Reyes'; // liaison@refloop.local in the demo data

/** The ROI table's cost cell for a program, as a number of dollars. */
async function roiCost(page, program) {
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: program, exact: true }) });
  const text = await row.getByRole('cell').nth(1).innerText();
  return Number(text.replace(/[$,]/g, ''));
}

export const tests = [
  {
    name: 'relationships_liaison_opens_a_cooling_referrer_logs_a_touchpoint_and_sees_the_follow_up',
    async fn(ctx) {
      const page = await signIn(ctx, 'liaison');
      await page.getByRole('link', { name: 'My relationships' }).first().click();
      await page.waitForURL(/\/relationships$/);
      const alerts = page.getByRole('list', { name: 'Cooling alerts' });
      await alerts.waitFor();
      await shot(ctx, page, 'relationships-home');
      const alert = alerts.getByRole('link').first();
      const name = (await alert.innerText()).trim();
      assert.match(await alerts.innerText(), /referrals in the last 8 weeks; [0-9.]+ expected/);
      await alert.click();
      await page.waitForURL(/\/referrers\/[0-9a-f-]+$/);
      await page.getByRole('heading', { level: 1, name }).waitFor();
      await page.getByText('Cooling', { exact: true }).first().waitFor();
      await page.getByRole('list', { name: 'Relationship timeline' }).waitFor();
      await shot(ctx, page, 'referrer-profile');

      const form = page.getByRole('form', { name: 'Log touchpoint' });
      const outcome = `Agreed to a lunch-and-learn ${Date.now().toString(36)}`;
      await form.getByRole('textbox', { name: 'Notes' }).fill('Asked why referrals dropped: a new partner in the practice.');
      await form.getByRole('textbox', { name: 'Outcome' }).fill(outcome);
      const due = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
      await form.getByLabel('Follow up on').fill(due);
      await form.getByRole('button', { name: 'Log touchpoint' }).click();
      await page.getByRole('status').filter({ hasText: 'follow-up task created' }).waitFor();
      await page.getByRole('list', { name: 'Touchpoints' }).getByText(outcome, { exact: false }).waitFor();
      await page.getByRole('list', { name: 'Relationship timeline' }).getByText(outcome, { exact: false }).waitFor();

      await page.getByRole('link', { name: 'My relationships' }).first().click();
      const followUps = page.getByRole('list', { name: 'Follow-ups' });
      await followUps.getByRole('link', { name: `Follow up with ${name}` }).first().waitFor();
      assert.match(await followUps.innerText(), new RegExp(`Due ${due}`));
      await shot(ctx, page, 'relationships-follow-up');
    },
  },
  {
    name: 'relationships_referrers_table_keeps_its_filters_in_the_url',
    async fn(ctx) {
      const page = await signIn(ctx, 'analyst');
      await page.goto(`${ctx.base}/referrers?cooling=true`);
      const table = page.getByRole('table');
      await table.waitFor();
      assert.ok(await page.getByRole('checkbox', { name: 'Cooling only' }).isChecked());
      const rows = await table.getByRole('row').count();
      assert.ok(rows >= 2, 'the demo data has at least one cooling referrer');
      await shot(ctx, page, 'referrers-cooling');
      await page.getByRole('link', { name: 'Programs & ROI' }).click();
      await page.getByRole('cell', { name: 'Lunch-and-learn' }).waitFor();
      await shot(ctx, page, 'programs-roi');
    },
  },
  {
    name: 'relationships_admin_assigns_a_liaison_who_then_sees_the_referrer_as_theirs',
    async fn(ctx) {
      const admin = await signIn(ctx, 'admin');
      await admin.goto(`${ctx.base}/referrers?sort=name`);
      const table = admin.getByRole('table');
      await table.waitFor();
      // A referrer nobody owns yet: its Liaison cell (the last) is empty.
      const rows = table.getByRole('row');
      let name = null;
      for (let i = 1; i < await rows.count() && !name; i += 1) {
        const cells = rows.nth(i).getByRole('cell');
        if ((await cells.last().innerText()).trim() === '—') name = (await cells.nth(1).getByRole('link').first().innerText()).trim();
      }
      assert.ok(name, 'the demo data has an unowned referrer');
      await admin.getByRole('checkbox', { name: `Select ${name}` }).check();
      await admin.getByRole('button', { name: 'Assign 1 selected' }).waitFor();
      await shot(ctx, admin, 'referrers-admin-select');
      await table.getByRole('link', { name, exact: true }).click();
      await admin.getByRole('heading', { level: 1, name }).waitFor();
      const form = admin.getByRole('form', { name: 'Owner liaison' });
      await pickOption(admin, 'Owner liaison', LIAISON_NAME);
      await form.getByRole('button', { name: 'Save owner' }).click();
      await form.getByRole('status').filter({ hasText: 'Owner saved' }).waitFor();
      await shot(ctx, admin, 'referrer-owner-assigned');

      const liaison = await signIn(ctx, 'liaison');
      await liaison.getByRole('link', { name: 'My relationships' }).first().click();
      const mine = liaison.getByRole('list', { name: 'My referrers' });
      await mine.getByRole('link', { name, exact: true }).waitFor();
      await shot(ctx, liaison, 'relationships-my-referrers');
    },
  },
  {
    name: 'relationships_a_program_cost_changes_the_roi_table',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin');
      await page.goto(`${ctx.base}/programs`);
      const program = 'Lunch-and-learn';
      await page.getByRole('cell', { name: program, exact: true }).waitFor();
      const before = await roiCost(page, program);
      await pickOption(page, 'Program', program);
      const form = page.getByRole('form', { name: 'Add cost' });
      await form.getByRole('textbox', { name: 'Amount' }).fill('1234');
      await form.getByRole('textbox', { name: 'Note' }).fill('Catering, December lunch-and-learn');
      await form.getByRole('button', { name: 'Add cost' }).click();
      await form.getByRole('status').filter({ hasText: 'Cost added' }).waitFor();
      await page.getByRole('table', { name: 'Costs' }).getByText('Catering, December lunch-and-learn').waitFor();
      await page.waitForFunction(
        ([name, expected]) => [...document.querySelectorAll('tr')].some((tr) => tr.cells[0]?.textContent === name
          && Number(tr.cells[1]?.textContent.replace(/[$,]/g, '')) === expected),
        [program, before + 1234],
      );
      assert.equal(await roiCost(page, program), before + 1234);
      await shot(ctx, page, 'programs-cost-added');
    },
  },
  {
    name: 'relationships_a_practice_opted_out_of_the_monthly_report_shows_as_such',
    async fn(ctx) {
      const page = await signIn(ctx, 'liaison');
      await page.goto(`${ctx.base}/referrers`);
      const link = page.getByRole('table').locator('a[href^="/practices/"]').first();
      await link.waitFor();
      const name = (await link.innerText()).trim();
      await link.click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      await page.getByRole('group', { name: 'Referrals sent' }).waitFor();
      // The demo practices list a phone number, no email: asking for texts makes the report reachable.
      await pickOption(page, 'Preferred contact', 'Text message');
      await page.getByText('Sent by text message, as the practice prefers.').waitFor();
      const toggle = page.getByRole('switch', { name: 'Send the monthly report' });
      assert.ok(await toggle.isChecked());
      await page.locator('label', { hasText: 'Send the monthly report' }).click();
      await page.getByText('Opted out of the monthly report').waitFor();
      assert.ok(!(await toggle.isChecked()));
      await page.getByText('Not sent: the practice opted out.').waitFor();
      await page.reload();
      await page.getByText('Opted out of the monthly report').waitFor();
      await shot(ctx, page, 'practice-opted-out');
    },
  },
  {
    name: 'relationships_dashboard_charts_render_with_accessible_names',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin');
      await page.goto(`${ctx.base}/dashboard?period=12m&group=month`);
      for (const name of [/^Referrals by month by outcome: \d+ seen, \d+ leaked, \d+ declined, \d+ open$/,
        /^Conversion and leakage over time: conversion/]) {
        const chart = page.getByRole('figure', { name });
        await chart.waitFor();
        await chart.locator('svg.recharts-surface').first().waitFor();
        assert.ok(await chart.locator('.recharts-bar-rectangle, .recharts-line-curve').count() > 0, `${name} draws data`);
      }
      await shot(ctx, page, 'dashboard-charts');
    },
  },
  {
    name: 'relationships_admin_changes_score_weights_and_the_fee_schedule',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin');
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('tab', { name: 'Relationships' }).click();
      await page.waitForURL(/\/admin\/relationships$/);
      const score = page.getByRole('form', { name: 'Score settings' });
      await score.getByRole('textbox', { name: 'Volume weight' }).fill('0.35');
      await score.getByRole('textbox', { name: 'Growth weight' }).fill('0.25');
      await score.getByText('Sum: 1', { exact: true }).waitFor();
      await score.getByRole('button', { name: 'Save score settings' }).click();
      await score.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
      const fees = page.getByRole('form', { name: 'Fee schedule' });
      await fees.getByRole('textbox', { name: 'Amount, row 1', exact: true }).fill('321');
      await fees.getByRole('button', { name: 'Save fee schedule' }).click();
      await fees.getByRole('status').filter({ hasText: 'Fee schedule saved' }).waitFor();
      await shot(ctx, page, 'admin-relationship-settings');
      await page.reload();
      const volume = page.getByRole('form', { name: 'Score settings' }).getByRole('textbox', { name: 'Volume weight' });
      await volume.waitFor();
      assert.equal(await volume.inputValue(), '0.35');
      assert.equal(await page.getByRole('textbox', { name: 'Amount, row 1', exact: true }).inputValue(), '$321');
    },
  },
  {
    // The full sweep (90-accessibility) covers the navigation's pages, not the practice page or the settings tab.
    name: 'relationships_pages_changed_here_have_no_serious_axe_violations',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin');
      await page.goto(`${ctx.base}/referrers`);
      const practice = page.locator('a[href^="/practices/"]').first();
      await practice.waitFor();
      // The pages this work changed: the sweep covers them too, but it may not finish on a busy machine.
      const paths = [new URL(await practice.evaluate((a) => a.href)).pathname, '/admin/relationships', '/referrers',
        '/programs', '/dashboard?period=12m&group=month'];
      const problems = [];
      for (const path of paths) {
        await page.goto(`${ctx.base}${path}`);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        await page.waitForLoadState('networkidle').catch(() => {});
        await page.waitForFunction(() => !document.querySelector('[aria-label^="Loading"]'), null, { timeout: 15_000 });
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          // eslint-disable-next-line no-undef
          const result = await axe.run(document, { resultTypes: ['violations'] });
          return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        });
        problems.push(...violations.map((v) => `${path}: ${v}`));
        await noHorizontalOverflow(page).catch((err) => problems.push(`${path}: ${err.message}`));
      }
      assert.deepEqual(problems, []);
    },
  },
];
