// The core scenarios, run first by run.mjs; later ones use what earlier ones created (ctx.state).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PASSWORD, noHorizontalOverflow, pickOption, shot, signIn, tabTo, user } from './helpers.mjs';

export const tests = [
  {
    name: 'sign_in_rejects_a_wrong_password_then_lands_intake_on_its_work_queue',
    async fn(ctx) {
      const page = await ctx.newPage();
      await page.goto(`${ctx.base}/referrals`);
      await page.waitForURL(/\/login$/);
      await page.getByRole('textbox', { name: 'Email' }).fill(user('intake'));
      await page.getByRole('textbox', { name: 'Password' }).fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
      await shot(ctx, page, 'login-error');
      await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Intake starts from its work queue, most at risk first.
      await page.waitForURL(/\/work-queue$/);
      await page.getByRole('heading', { name: 'Work queue' }).waitFor();
      const nav = await page.getByRole('navigation', { name: 'Main navigation' }).innerText();
      assert.match(nav, /Referrals/);
      assert.match(nav, /Tasks/);
      assert.doesNotMatch(nav, /Dashboard/);
      await shot(ctx, page, 'pipeline-board');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login$/);
      await page.goto(`${ctx.base}/tasks`);
      await page.waitForURL(/\/login$/);
    },
  },
  {
    name: 'intake_creates_a_referral_books_it_and_completes_it',
    async fn(ctx) {
      // A catalog line the demo data does not use, so this referral is the only one in it.
      ctx.state.serviceLine = 'rheumatology';
      const page = await signIn(ctx, 'intake');
      await page.getByRole('link', { name: 'New referral' }).first().click();
      await page.waitForURL(/\/referrals\/new$/);
      await page.getByRole('textbox', { name: 'Given name' }).fill('Ana');
      await page.getByRole('textbox', { name: 'Family name' }).fill('Testpatient');
      await page.getByLabel('Birth date').fill('2090-01-01');
      await pickOption(page, 'Service line', 'Rheumatology');
      await pickOption(page, 'Urgency', 'Urgent');
      await pickOption(page, 'Referral source', 'Physician');
      await page.getByRole('combobox', { name: 'Referring provider' }).fill('Adams');
      await page.getByRole('option').first().click();
      await page.getByRole('textbox', { name: 'Reason for referral' }).fill('New atrial fibrillation, rate control');
      await page.getByRole('combobox', { name: 'ICD-10 codes' }).fill('I48.91');
      await page.keyboard.press('Enter');
      // The API refuses a birth date in the future: the message lands on that field.
      await page.getByRole('button', { name: 'Create referral' }).click();
      const birth = page.getByLabel('Birth date');
      await page.waitForFunction(() => document.querySelector('input[name="patient.birth_date"]')?.getAttribute('aria-invalid') === 'true');
      const describedBy = await birth.getAttribute('aria-describedby');
      const message = await page.locator(`[id="${describedBy.split(' ').find((id) => id.includes('error'))}"]`).innerText();
      assert.match(message, /future/i);
      await shot(ctx, page, 'new-referral-validation');
      await birth.fill('1961-04-12');
      await page.getByRole('button', { name: 'Create referral' }).click();
      await page.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
      ctx.state.referralUrl = page.url();

      await page.getByRole('button', { name: 'Reveal patient details' }).click();
      await page.getByText('Ana Testpatient').waitFor();
      await page.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('button', { name: 'Book appointment' }).click();
      const dialog = page.getByRole('dialog', { name: 'Book appointment' });
      // Seen this morning: an appointment can only be marked seen once it has started.
      const earlier = await page.evaluate(() => {
        const d = new Date(Date.now() - 2 * 3600_000);
        const pad = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      });
      await dialog.getByLabel('Start').fill(earlier);
      await dialog.getByRole('textbox', { name: 'Location' }).fill('Main campus, suite 200');
      await dialog.getByRole('button', { name: 'Book' }).click();
      await page.getByRole('button', { name: 'Mark seen (complete)' }).waitFor();
      await page.getByText('Main campus, suite 200').waitFor();
      await page.getByRole('button', { name: 'Mark seen (complete)' }).click();
      await page.getByRole('button', { name: 'Close loop' }).waitFor();
      const timeline = page.getByRole('region', { name: 'Timeline' });
      for (const move of ['Received → Accepted', 'Accepted → Scheduled', 'Scheduled → Completed']) {
        await timeline.getByText(move).first().waitFor();
      }
      await page.getByRole('button', { name: 'Hide' }).click();
      await shot(ctx, page, 'referral-detail');
    },
  },
  {
    name: 'pipeline_filters_live_in_the_url_and_survive_a_reload',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake');
      await page.goto(`${ctx.base}/referrals?view=table&status=completed&service_line=${ctx.state.serviceLine}`);
      const rows = page.getByRole('table').locator('tbody tr');
      await rows.first().waitFor();
      assert.equal(await rows.count(), 1);
      await page.reload();
      await rows.first().waitFor();
      assert.equal(await rows.count(), 1);
      assert.equal(await page.getByRole('combobox', { name: 'Service line' }).inputValue(), 'Rheumatology');
      // Clearing the filters writes a clean URL and shows the whole pipeline.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.waitForURL((u) => u.search === '?view=table');
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 1);
      await shot(ctx, page, 'pipeline-table');
      await page.locator('label', { hasText: /^Board$/ }).click();
      await page.waitForURL((u) => !u.search.includes('view=table'));
    },
  },
  {
    name: 'the_completed_referral_counts_on_the_dashboard',
    async fn(ctx) {
      const page = await signIn(ctx, 'analyst');
      await page.waitForURL(/\/dashboard$/);
      const nav = await page.getByRole('navigation', { name: 'Main navigation' }).innerText();
      assert.equal(nav.trim(), 'Dashboard\nReferrers\nPrograms & ROI');
      await page.getByRole('group', { name: 'Volume' }).waitFor();
      await shot(ctx, page, 'dashboard');
      await page.goto(`${ctx.base}/dashboard?period=30d&service_line=${ctx.state.serviceLine}`);
      const kpi = (label) => page.getByRole('group', { name: label });
      await page.waitForFunction(() => document.body.innerText.includes('1 of 1 seen'));
      assert.match(await kpi('Volume').innerText(), /\b1\b/);
      assert.match(await kpi('Conversion').innerText(), /100\.0%/);
      await page.goto(`${ctx.base}/referrals`);
      await page.getByText('Not available for your role').waitFor();
    },
  },
  {
    name: 'tasks_inbox_completes_a_task_in_place',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake');
      await page.getByRole('link', { name: 'Tasks' }).click();
      await page.waitForURL(/\/tasks/);
      // The Mine tab's rows show until the overdue list arrives: take a row only from that list.
      const overdue = page.waitForResponse((r) => r.url().includes('/v1/tasks?overdue=true') && r.ok());
      await page.getByRole('tab', { name: 'Overdue' }).click();
      await overdue;
      const complete = page.getByRole('button', { name: /^Complete / });
      await complete.first().waitFor();
      const taskId = await page.locator('[data-task-id]').filter({ has: complete.first() }).first().getAttribute('data-task-id');
      const row = page.locator(`[data-task-id="${taskId}"]`);
      await shot(ctx, page, 'tasks');
      await row.getByRole('button', { name: /^Complete / }).click();
      await page.getByText('Task completed.').waitFor();
      // Done is no longer overdue: the row leaves the list without a reload.
      await row.waitFor({ state: 'detached' });
    },
  },
  {
    name: 'provider_directory_search_and_profile_with_conversion',
    async fn(ctx) {
      const page = await signIn(ctx, 'liaison');
      await page.waitForURL(/\/providers$/);
      await page.getByRole('textbox', { name: 'Name' }).fill('Adams');
      await page.waitForURL(/name=Adams/);
      const first = page.getByRole('table').getByRole('link').first();
      await first.waitFor();
      assert.match(await first.innerText(), /Adams/);
      // Words match specialty names; the API itself takes only NUCC codes.
      await page.getByRole('textbox', { name: 'Specialty' }).fill('family');
      await page.waitForURL(/specialty=family/);
      await page.getByRole('table').getByText('Family Medicine').first().waitFor();
      await shot(ctx, page, 'providers');
      await first.click();
      await page.waitForURL(/\/providers\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Office staff' }).waitFor();
      await page.getByText('Converted (seen)').waitFor();
      await page.getByText(/Preferred:/).waitFor();
      await shot(ctx, page, 'provider-profile');
    },
  },
  {
    name: 'keyboard_only_sign_in_open_a_referral_and_move_it',
    async fn(ctx) {
      const page = await ctx.newPage();
      await page.goto(`${ctx.base}/login`);
      // The email field takes focus on arrival; type only once the app has put it there.
      await page.waitForFunction(() => document.activeElement?.getAttribute('type') === 'email');
      await page.keyboard.type(user('intake'));
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/work-queue$/);
      await page.goto(`${ctx.base}/referrals?view=table&status=received`);
      await page.locator('tbody tr').first().waitFor();
      await tabTo(page, () => /^\/referrals\/[0-9a-f-]{36}$/.test(new URL(document.activeElement?.href ?? 'http://x/').pathname));
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
      await tabTo(page, () => document.activeElement?.textContent === 'Accept');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Book appointment' }).waitFor();
      // A move that needs a reason, through its prompt, by keyboard.
      await tabTo(page, () => document.activeElement?.textContent === 'Cancel');
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'combobox');
      await page.keyboard.press('ArrowDown'); // opens the list on the first reason
      // Enter picks the highlighted option: wait until the opened list has highlighted one, as a user would see.
      await page.locator('[role="option"][data-combobox-selected]').waitFor();
      await page.keyboard.press('Enter');
      const reason = await dialog.getByRole('combobox', { name: 'Reason' }).inputValue();
      assert.equal(reason, 'Patient unreachable');
      await page.keyboard.press('Tab');
      await page.keyboard.type('No answer after three calls');
      await tabTo(page, () => document.activeElement?.textContent === 'Confirm', 5);
      await page.keyboard.press('Enter');
      // Cancelled is final except for reopening it.
      await page.getByRole('group', { name: 'Next moves' }).getByRole('button', { name: 'Reopen' }).waitFor();
      await page.getByRole('region', { name: 'Timeline' }).getByText(`Reason: ${reason}`).waitFor();
    },
  },
  {
    name: 'main_pages_fit_a_1024px_laptop_and_a_tablet',
    async fn(ctx) {
      for (const size of [{ width: 1024, height: 768 }, { width: 768, height: 1024 }]) {
        const page = await signIn(ctx, 'admin', size);
        const pages = ['/referrals', '/referrals?view=table', ctx.state.referralUrl.replace(ctx.base, ''), '/referrals/new', '/tasks', '/providers', '/dashboard'];
        for (const path of pages) {
          await page.goto(`${ctx.base}${path}`);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          await page.waitForLoadState('networkidle').catch(() => {});
          await noHorizontalOverflow(page);
        }
        const tag = size.width === 1024 ? 'laptop-1024' : 'tablet-768';
        await page.goto(`${ctx.base}/referrals`);
        await shot(ctx, page, `${tag}-pipeline`);
        await page.goto(ctx.state.referralUrl);
        await page.getByRole('region', { name: 'Timeline' }).waitFor();
        await shot(ctx, page, `${tag}-referral`);
      }
    },
  },
];
