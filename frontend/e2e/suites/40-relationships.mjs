// Referrer relationships: a liaison opens a cooling referrer from the alert, logs a touchpoint
// with a follow-up date and finds the follow-up on their home page.
import assert from 'node:assert/strict';
import { shot, signIn } from '../helpers.mjs';

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
];
