// Finding a referral from the header's search box and working it on its page, as a coordinator would.
import assert from 'node:assert/strict';
import { PASSWORD, pickOption, shot, signIn, user } from '../helpers.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 1024, height: 768 };

/** Sets up data the way a referring EHR or portal would: through the API, as that role. */
async function apiAs(ctx, role) {
  const form = new URLSearchParams({ username: user(role), password: PASSWORD });
  const login = await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form });
  assert.equal(login.status, 200);
  const { access_token: token } = await login.json();
  return async (method, path, body) => {
    const res = await fetch(`${ctx.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

async function newReferral(ctx, mrn, family) {
  const call = await apiAs(ctx, 'intake');
  const [referrer] = (await call('GET', '/v1/providers?limit=1&name=a')).items;
  return call('POST', '/v1/referrals', {
    patient: { given_name: 'Rosa', family_name: family, birth_date: '1958-09-30', mrn, phone: '(937) 555-0142' },
    service_line: 'cardiology', referral_source: 'physician', reason: 'Palpitations, Holter pending',
    referring_provider_id: referrer.id,
  });
}

const timeline = (page) => page.getByRole('region', { name: 'Timeline' });

export const tests = [
  {
    name: 'find_and_work: board_shows_true_counts_and_the_table_sorts_by_a_column',
    async fn(ctx) {
      const counts = await (await apiAs(ctx, 'intake'))('GET', '/v1/referral-counts');
      const page = await signIn(ctx, 'intake', WIDE);
      // Intake lands on the work queue; the board is one click away.
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Referrals' }).click();
      await page.getByRole('region', { name: 'Referral board' }).waitFor();
      const biggest = Object.entries(counts.counts).sort((a, b) => b[1] - a[1])[0][0];
      await page.waitForFunction((s) => !document.querySelector(`#col-${s}`)?.textContent?.includes('…'), biggest);
      for (const status of ['received', biggest]) {
        const heading = await page.locator(`#col-${status}`).innerText();
        assert.equal(heading.replace(/\D/g, ''), String(counts.counts[status]), heading);
      }
      assert.ok(counts.counts[biggest] > 25, 'the demo data has more referrals in one status than a column shows');
      await page.getByRole('link', { name: /more in the table/ }).first().waitFor();
      await shot(ctx, page, 'pipeline-board-counts-1440');
      await page.goto(`${ctx.base}/referrals?view=table`);
      await page.getByRole('button', { name: /^Service line/ }).click();
      await page.waitForURL(/sort=service_line/);
      await page.waitForFunction(() => [...document.querySelectorAll('th')]
        .some((th) => th.textContent.startsWith('Service line') && th.getAttribute('aria-sort') === 'ascending'));
      await page.locator('tbody tr').first().waitFor();
      const lines = await page.locator('tbody tr td:nth-child(3)').allInnerTexts();
      assert.deepEqual(lines, [...lines].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    },
  },
  {
    name: 'find_and_work: search_box_finds_a_patient_by_mrn_and_opens_the_referral',
    async fn(ctx) {
      const mrn = `E2E-${Date.now().toString(36).toUpperCase()}`;
      const referral = await newReferral(ctx, mrn, 'Muñoz');
      ctx.state.workReferral = referral.id;
      const page = await signIn(ctx, 'intake', WIDE);
      const box = page.getByRole('textbox', { name: 'Search referrals' });
      await box.fill(mrn.toLowerCase());
      await box.press('Enter');
      await page.waitForURL(/\/search\?q=/);
      const row = page.getByRole('row').filter({ hasText: 'MRN' });
      await row.waitFor();
      assert.equal(await page.getByRole('table').locator('tbody tr').count(), 1);
      await shot(ctx, page, 'search-results-1440');
      // The surname without its accent, in capitals, finds the same patient.
      await box.fill('MUNOZ 9/30/1958');
      await box.press('Enter');
      await page.getByRole('row').filter({ hasText: 'surname and birth date' }).first().waitFor();
      await box.fill(mrn);
      await box.press('Enter');
      await row.getByRole('link').click();
      await page.waitForURL(new RegExp(`/referrals/${referral.id}$`));
      await page.getByRole('heading', { name: 'Cardiology referral' }).waitFor();
      await page.setViewportSize(NARROW);
      await page.goBack();
      await row.waitFor();
      await shot(ctx, page, 'search-results-1024');
    },
  },
  {
    name: 'find_and_work: a_call_and_a_note_are_logged_on_the_timeline',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake', WIDE);
      await page.goto(`${ctx.base}/referrals/${ctx.state.workReferral}`);
      await page.getByRole('button', { name: 'Log contact' }).click();
      const dialog = page.getByRole('dialog', { name: 'Log a contact attempt' });
      await pickOption(page, 'Outcome', 'Voicemail');
      await dialog.getByRole('textbox', { name: 'Note' }).fill('Left the callback number twice');
      await dialog.getByRole('button', { name: 'Log attempt' }).click();
      await timeline(page).getByText('Call: voicemail').waitFor();
      await timeline(page).getByText('Left the callback number twice').waitFor();
      await page.getByRole('button', { name: 'Add note' }).click();
      const noteDialog = page.getByRole('dialog', { name: 'Add a note' });
      await noteDialog.getByRole('textbox', { name: 'Note' }).fill('Patient prefers calls after 4 pm');
      await noteDialog.getByRole('button', { name: 'Add note' }).click();
      await timeline(page).getByText('Patient prefers calls after 4 pm').waitFor();
      await shot(ctx, page, 'referral-worked-1440');
    },
  },
  {
    name: 'find_and_work: request_info_asks_for_two_items_that_the_referrer_is_sent',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake', WIDE);
      await page.goto(`${ctx.base}/referrals/${ctx.state.workReferral}`);
      await page.getByRole('button', { name: 'Request info' }).click();
      const dialog = page.getByRole('dialog', { name: 'Request info from the referrer' });
      await dialog.getByRole('checkbox', { name: 'Lab results' }).check();
      await dialog.getByRole('textbox', { name: 'Other items' }).fill('Holter monitor report');
      await shot(ctx, page, 'request-info-checklist');
      await dialog.getByRole('button', { name: 'Send request' }).click();
      const requested = timeline(page).getByRole('list', { name: 'Requested items' });
      await requested.waitFor();
      assert.deepEqual(await requested.getByRole('listitem').allInnerTexts(), ['Lab results', 'Holter monitor report']);
      // The message to the referrer is queued with the request (its content is rendered from these items).
      await page.getByRole('region', { name: 'Messages' }).getByText(/Request for more information/).waitFor();
    },
  },
  {
    name: 'find_and_work: a_referral_is_reassigned_to_a_colleague',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake', NARROW);
      await page.goto(`${ctx.base}/referrals/${ctx.state.workReferral}`);
      await page.getByRole('button', { name: 'Assign' }).click();
      const dialog = page.getByRole('dialog', { name: 'Assign referral' });
      await dialog.getByRole('combobox', { name: 'Person' }).fill('Priya');
      await page.getByRole('option', { name: /Priya Shah/ }).click();
      await dialog.getByRole('button', { name: 'Save' }).click();
      await timeline(page).getByText(/Assigned to Priya Shah/).waitFor();
      await page.getByText(/· Priya Shah/).first().waitFor();
      await shot(ctx, page, 'referral-assigned-1024');
    },
  },
  {
    name: 'find_and_work: marking_a_future_appointment_seen_is_refused_with_its_start_time',
    async fn(ctx) {
      const page = await signIn(ctx, 'intake', WIDE);
      await page.goto(`${ctx.base}/referrals/${ctx.state.workReferral}`);
      await page.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('button', { name: 'Book appointment' }).click();
      const dialog = page.getByRole('dialog', { name: 'Book appointment' });
      await dialog.getByRole('button', { name: 'Book' }).click();
      await page.getByRole('button', { name: 'Mark seen (complete)' }).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'has not started yet' });
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /starts at \d{4}-\d{2}-\d{2}T/);
      assert.match(await page.getByRole('region', { name: 'Appointments' }).innerText(), /booked/i);
      await shot(ctx, page, 'appointment-too-early');
    },
  },
  {
    name: 'find_and_work: a_declined_referral_is_reopened_with_a_reason',
    async fn(ctx) {
      const referral = await newReferral(ctx, `E2E-R-${Date.now().toString(36)}`, 'Okafor');
      const page = await signIn(ctx, 'intake', NARROW);
      await page.goto(`${ctx.base}/referrals/${referral.id}`);
      await page.getByRole('button', { name: 'Decline' }).click();
      await pickOption(page, 'Reason', 'Misdirected');
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('button', { name: 'Reopen' }).click();
      await pickOption(page, 'Reason', 'Decided in error');
      await page.getByRole('dialog').getByRole('textbox', { name: 'Note' }).fill('Declined the wrong patient');
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
      await timeline(page).getByText('Reopened: Declined → Received').waitFor();
      await timeline(page).getByText('Declined the wrong patient').waitFor();
      await page.getByRole('button', { name: 'Accept' }).waitFor();
      await shot(ctx, page, 'referral-reopened-1024');
    },
  },
];
