// Outreach centre, templates, the dashboard's filters and export, and pickers in the new-referral form.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pickOption, shot, signIn } from '../helpers.mjs';

const SIZES = [{ width: 1440, height: 900 }, { width: 1024, height: 768 }];

function parseCsv(text) {
  const [header, ...lines] = text.trim().split('\n');
  const keys = header.split(',');
  // The CSV quotes fields with commas; the figures checked here never hold one.
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])));
}

export const tests = [
  {
    name: 'outreach_intake_opens_a_held_back_message_reads_why_and_resends_it',
    async fn(ctx) {
      for (const size of SIZES) {
        const page = await signIn(ctx, 'intake', size);
        await page.getByRole('link', { name: 'Messages' }).click();
        await page.waitForURL(/\/messages/);
        await pickOption(page, 'Status', 'Suppressed');
        await page.waitForURL(/status=suppressed/);
        // The filter is in the address: a reload keeps it.
        await page.reload();
        const rows = page.getByRole('table').locator('tbody tr');
        await rows.first().waitFor();
        assert.match(await rows.first().innerText(), /suppressed/i);
        await rows.first().getByRole('link', { name: 'Referral received notice' }).click();
        const drawer = page.getByRole('dialog', { name: 'Message' });
        await drawer.getByText('Why it was not sent').waitFor();
        assert.match(await drawer.innerText(), /Held back: this recipient had already been sent 3 routine messages/);
        const body = await drawer.getByTestId('message-body').innerText();
        assert.match(body, /^Dear Dr\. /);
        // Never sent, so the words are a preview from the current template, and the drawer says so.
        assert.equal((await drawer.getByTestId('message-rendering').innerText()).trim().toLowerCase(), 'preview');
        await drawer.getByText(/^Preview: not sent yet/).waitFor();
        assert.match(await drawer.innerText(), /Subject: We received your referral for /);
        await shot(ctx, page, `outreach-message-${size.width}`);
        if (size.width === 1440) {
          await drawer.getByRole('button', { name: 'Resend' }).click();
          await drawer.getByText('Queued', { exact: true }).waitFor();
          assert.equal(await drawer.getByRole('button', { name: 'Resend' }).count(), 0);
        }
      }
    },
  },
  {
    name: 'outreach_a_failed_message_shows_its_error_and_the_referral_lists_its_messages',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake');
      await page.goto(`${ctx.base}/messages?status=failed&channel=email`);
      const rows = page.getByRole('table').locator('tbody tr');
      await rows.first().waitFor();
      await rows.first().getByRole('link', { name: 'Referral received notice' }).click();
      const drawer = page.getByRole('dialog', { name: 'Message' });
      await drawer.getByText('Last error').waitFor();
      assert.match(await drawer.innerText(), /550 5\.1\.1/);
      assert.match(await drawer.innerText(), /6 of 6/);
      await drawer.getByRole('link', { name: 'Open the referral' }).click();
      await page.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
      const messages = page.getByRole('region', { name: 'Messages' });
      await messages.getByRole('link', { name: 'Referral received notice' }).waitFor();
      const timeline = page.getByRole('region', { name: 'Timeline' });
      await timeline.getByText('Referral received notice by email to the referrer could not be sent').waitFor();
      await timeline.getByRole('link', { name: 'Open message' }).first().click();
      await page.getByRole('dialog', { name: 'Message' }).getByText('Last error').waitFor();
      await shot(ctx, page, 'outreach-referral-messages');
    },
  },
  {
    name: 'outreach_admin_edits_a_template_with_live_preview_then_resets_it',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin', SIZES[0]);
      await page.getByRole('link', { name: 'Message templates' }).click();
      await page.waitForURL(/\/templates/);
      await page.getByRole('navigation', { name: 'Templates' }).getByText('Referral received notice').first().click();
      const subject = page.getByRole('textbox', { name: 'Subject' });
      const original = await subject.inputValue();
      await subject.fill('Got it: {{ patient.short_name }} ({{ referral.reference }})');
      const preview = page.getByTestId('template-preview');
      await preview.getByText('Subject: Got it: Maria L. (R-0193C2A1)').waitFor();
      // A template that would not render says so before anyone saves it.
      const body = page.getByRole('textbox', { name: 'Body' });
      const originalBody = await body.inputValue();
      await body.fill('Hello {{ referrer.display_name ');
      await page.getByText('This template would not render').waitFor();
      await body.fill(`${originalBody}\nPS: we answer the phone until 6 pm.`);
      await preview.getByText('PS: we answer the phone until 6 pm.').waitFor();
      await shot(ctx, page, 'templates-editing-1440');
      await page.getByRole('button', { name: 'Save template' }).click();
      await page.getByText('Edited', { exact: true }).first().waitFor();
      await page.setViewportSize(SIZES[1]);
      await shot(ctx, page, 'templates-edited-1024');
      await page.getByRole('button', { name: 'Reset to default' }).click();
      await page.getByText('Built-in', { exact: true }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Subject' }).inputValue(), original);
    },
  },
  {
    name: 'dashboard_analyst_filters_by_a_referrer_picked_from_a_list_and_exports_csv',
    async fn(ctx) {
      const page = await signIn(ctx, 'analyst', SIZES[0]);
      await page.goto(`${ctx.base}/dashboard?period=12m`);
      const top = page.getByRole('region', { name: 'Top referrers' });
      const firstRow = top.locator('tbody tr').first();
      await firstRow.waitFor();
      const name = (await firstRow.getByRole('link').innerText()).trim();
      const npi = (await firstRow.innerText()).match(/NPI (\d{10})/)[1];
      const volume = Number((await firstRow.locator('td').nth(2).innerText()).trim());
      const family = name.split(' ').filter((w) => !/[.,]$/.test(w) && w !== 'Dr.').at(-1);
      await page.getByRole('combobox', { name: 'Referrer' }).fill(family);
      await page.getByRole('option', { name: new RegExp(`NPI ${npi}`) }).click();
      await page.waitForURL(/referrer=/);
      await page.waitForFunction((v) => document.querySelector('[aria-label="Volume"]')?.textContent?.includes(String(v)), volume);
      assert.match(await page.getByRole('group', { name: 'Volume' }).innerText(), new RegExp(`\\b${volume}\\b`));
      await page.reload();
      await page.getByRole('group', { name: 'Volume' }).waitFor();
      assert.match(await page.getByRole('combobox', { name: 'Referrer' }).inputValue(), new RegExp(npi));
      await shot(ctx, page, 'dashboard-referrer-1440');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^refloop-summary-\d{8}-\d{8}\.csv$/);
      const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
      const figure = (section, metric) => rows.find((r) => r.section === section && r.metric === metric)?.value;
      assert.equal(Number(figure('totals', 'volume')), volume);
      const conversion = await page.getByRole('group', { name: 'Conversion' }).innerText();
      const [seen, of] = conversion.match(/(\d+) of (\d+) seen/).slice(1).map(Number);
      assert.equal(Number(figure('totals', 'conversion_count')), seen);
      assert.equal(Number(figure('totals', 'conversion_of')), of);
      // SLA attainment: the card and the export agree, and the demo's clocks give it figures.
      const firstContact = page.getByRole('region', { name: 'SLA attainment' }).getByRole('row', { name: /First contact/ });
      const [met, decided] = (await firstContact.locator('td').allInnerTexts()).slice(1, 3).map(Number);
      const sla = (metric) => Number(rows.find((r) => r.section === 'sla' && r.key === 'first_contact' && r.metric === metric)?.value);
      assert.ok(decided > 0, `first contact decided for ${decided} referrals`);
      assert.equal(sla('decided'), decided);
      assert.equal(sla('met'), met);
      const referrers = new Set(rows.filter((r) => r.section === 'top_referrer').map((r) => r.label));
      assert.equal(referrers.size, 1);
      assert.match([...referrers][0], new RegExp(`NPI ${npi}`));
      await page.setViewportSize(SIZES[1]);
      await shot(ctx, page, 'dashboard-referrer-1024');
      // The referrer's name leads to their page.
      await top.getByRole('link').first().click();
      await page.waitForURL(/\/providers\/[0-9a-f-]{36}$/);
      await page.getByText(`NPI ${npi}`, { exact: true }).waitFor();
    },
  },
  {
    name: 'dashboard_several_payer_classes_and_channels_show_their_whole_names',
    async fn(ctx) {
      const page = await signIn(ctx, 'analyst', SIZES[1]);
      await page.goto(`${ctx.base}/dashboard?period=12m&payer_class=commercial,workers_comp,medicare`
        + '&channel=fhir,staff,partner_api&urgency=routine,urgent');
      await page.getByRole('group', { name: 'Volume' }).waitFor();
      const filters = page.getByRole('search', { name: 'Dashboard filters' });
      await filters.getByText('Workers\' compensation', { exact: true }).waitFor();
      // Each chosen value reads whole ("Commercial insurance", "Keyed in by staff"), not cut to "Commercial ...".
      const cut = await filters.locator('.mantine-Pill-label').evaluateAll((labels) =>
        labels.filter((l) => l.scrollWidth > l.clientWidth).map((l) => l.textContent));
      assert.deepEqual(cut, []);
      await shot(ctx, page, 'dashboard-many-values-1024');
    },
  },
  {
    name: 'new_referral_service_line_is_chosen_from_the_catalog',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake', SIZES[1]);
      await page.goto(`${ctx.base}/referrals/new`);
      await page.getByRole('textbox', { name: 'Given name' }).fill('Lena');
      await page.getByRole('textbox', { name: 'Family name' }).fill('Picklist');
      await page.getByLabel('Birth date').fill('1975-06-01');
      await page.getByRole('combobox', { name: 'Service line' }).fill('ortho');
      await page.getByRole('option', { name: 'Orthopedics' }).click();
      // The line's own specialty is filled in, and the payer list sets the class.
      assert.match(await page.getByRole('combobox', { name: 'Specialty wanted' }).inputValue(), /Orthopaedic Surgery \(207X00000X\)/);
      await page.getByRole('combobox', { name: 'Payer', exact: true }).fill('Molina');
      await page.getByRole('option', { name: 'Molina Healthcare' }).click();
      assert.equal(await page.getByRole('combobox', { name: 'Payer class' }).inputValue(), 'Medicaid');
      await pickOption(page, 'Referral source', 'Physician');
      await page.getByRole('combobox', { name: 'ICD-10 codes' }).fill('M17');
      await page.keyboard.press('Enter');
      await page.getByRole('combobox', { name: 'ICD-10 codes' }).fill('ABC');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Create referral' }).click();
      await page.getByText("ICD-10 code 'ABC' is not a valid code").waitFor();
      await shot(ctx, page, 'new-referral-plain-error-1024');
      await page.getByRole('combobox', { name: 'ICD-10 codes' }).focus();
      await page.keyboard.press('Backspace');
      await page.getByRole('button', { name: 'Create referral' }).click();
      await page.waitForURL(/\/referrals\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Orthopedics referral' }).waitFor();
    },
  },
];
