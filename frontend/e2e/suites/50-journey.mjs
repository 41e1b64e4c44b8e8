// Journey automation as staff meet it: an incomplete referral waits in needs info until its document is
// dropped on the referral page; a routing rule hands a new referral to a coordinator, who finds it in their
// work queue; a clock already past due shows red there. Screenshots at 1440 and 1024 px.
import assert from 'node:assert/strict';
import { noHorizontalOverflow, PASSWORD, shot, signIn, user } from '../helpers.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 1024, height: 768 };
const run = Date.now().toString(36);

/** Calls the API as a role (or an email and password), the way a referring system or a setup script would. */
async function apiAs(ctx, role, password = PASSWORD) {
  const form = new URLSearchParams({ username: role.includes('@') ? role : user(role), password });
  const login = await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form });
  assert.equal(login.status, 200);
  const { access_token: token } = await login.json();
  return async (method, path, body) => {
    const res = await fetch(`${ctx.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = res.status === 204 ? null : await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

async function referralFor(ctx, fields) {
  const call = await apiAs(ctx, 'intake');
  const [referrer] = (await call('GET', '/v1/providers?limit=1&name=a')).items;
  return call('POST', '/v1/referrals', {
    referral_source: 'physician', reason: 'Journey e2e', referring_provider_id: referrer.id, ...fields,
    patient: { given_name: fields.given, family_name: `Journey${run}`, birth_date: '1961-04-12', mrn: `J-${run}-${fields.given}`, phone: '(937) 555-0199' },
    given: undefined,
  });
}

/** Opens the admin tab and returns the page. */
async function adminTab(ctx, tab, size = WIDE) {
  const page = await signIn(ctx, 'admin', size);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('tab', { name: tab }).click();
  return page;
}

async function choose(scope, page, label, option) {
  await scope.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).first().click();
}

const PDF = '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';

export const tests = [
  {
    name: 'journey: an_incomplete_referral_waits_in_needs_info_until_its_document_is_dropped_on_the_referral_page',
    async fn(ctx) {
      // The administrator says rheumatology referrals must carry an imaging report.
      const admin = await adminTab(ctx, 'Completeness');
      await admin.getByRole('button', { name: 'Add rule' }).click();
      const form = admin.getByRole('dialog', { name: 'Add completeness rule' });
      await form.getByRole('button', { name: 'Save rule' }).waitFor();
      await choose(form, admin, 'Service line', 'Rheumatology');
      // Saved with nothing chosen, the server's refusal is shown in words beside the list.
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.getByText(/at least 1 allowed/).waitFor();
      await form.getByRole('combobox', { name: /A referral must carry/ }).click();
      await admin.getByRole('option', { name: 'Document: imaging report' }).click();
      await admin.keyboard.press('Escape');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.waitFor({ state: 'detached' });
      await admin.locator('tr[data-service-line="rheumatology"]').getByText('Document: imaging report').waitFor();
      await shot(ctx, admin, 'journey-admin-completeness-1440');

      // A referral without it arrives and waits for it.
      const referral = await referralFor(ctx, { given: 'Irene', service_line: 'rheumatology' });
      assert.equal(referral.status, 'needs_info');

      const page = await signIn(ctx, 'intake', NARROW);
      await page.goto(`${ctx.base}/referrals/${referral.id}`);
      const documents = page.getByRole('region', { name: 'Documents' });
      await documents.getByRole('list', { name: 'Missing items' }).getByText(/imaging report/i).waitFor();
      await shot(ctx, page, 'journey-referral-needs-info-1024');
      await noHorizontalOverflow(page);

      // Dropped on the page like a file from the desktop.
      const drop = documents.getByTestId('document-drop-zone');
      const transfer = await page.evaluateHandle((text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], 'MRI hands report.pdf', { type: 'application/pdf' }));
        return dt;
      }, PDF);
      await drop.dispatchEvent('dragover', { dataTransfer: transfer });
      await drop.dispatchEvent('drop', { dataTransfer: transfer });
      await documents.getByRole('textbox', { name: 'Title' }).waitFor();
      assert.equal(await documents.getByRole('textbox', { name: 'Title' }).inputValue(), 'MRI hands report');
      await choose(documents, page, 'Kind', 'Imaging report');
      await documents.getByRole('button', { name: 'Upload document' }).click();
      await documents.getByRole('table', { name: 'Documents' }).getByText('MRI hands report').waitFor();

      // The referral is complete again: back to received, the missing list gone.
      await page.getByText('Received', { exact: true }).first().waitFor();
      await documents.getByRole('list', { name: 'Missing items' }).waitFor({ state: 'detached' });
      const after = await (await apiAs(ctx, 'intake'))('GET', `/v1/referrals/${referral.id}`);
      assert.equal(after.status, 'received');

      // The PDF opens in a preview.
      await documents.getByRole('button', { name: 'Preview MRI hands report' }).click();
      await page.getByRole('dialog', { name: 'MRI hands report' }).locator('iframe[title="Preview of MRI hands report"]').waitFor();
      await shot(ctx, page, 'journey-document-preview-1024');
    },
  },
  {
    name: 'journey: a_routing_rule_hands_a_new_referral_to_a_coordinator_who_sees_it_in_their_work_queue',
    async fn(ctx) {
      const admin = await apiAs(ctx, 'admin');
      const email = `e2e-coordinator-${run}@refloop.local`;
      const password = 'coordinator chose this';
      const coordinator = await admin('POST', '/v1/users', {
        email, full_name: `Cora Router ${run}`, role: 'intake', password, password_change_required: false,
      });
      const queueName = `Nephrology desk ${run}`;
      const ruleName = `Nephrology to the desk ${run}`;

      // A queue with the coordinator in it, and a rule sending nephrology there.
      const page = await adminTab(ctx, 'Work queues');
      await page.getByRole('button', { name: 'Add queue' }).click();
      let form = page.getByRole('dialog', { name: 'Add work queue' });
      await form.getByRole('textbox', { name: 'Name' }).fill(queueName);
      await form.getByRole('combobox', { name: 'Members' }).click();
      await page.getByRole('option', { name: `Cora Router ${run} (intake)` }).click();
      await page.keyboard.press('Escape');
      await form.getByRole('button', { name: 'Save queue' }).click();
      await form.waitFor({ state: 'detached' });
      await page.locator(`tr[data-queue="${queueName}"]`).waitFor();

      await page.getByRole('tab', { name: 'Routing' }).click();
      await page.getByRole('button', { name: 'Add rule' }).click();
      form = page.getByRole('dialog', { name: 'Add routing rule' });
      await form.getByRole('textbox', { name: 'Name' }).fill(ruleName);
      await form.getByRole('textbox', { name: 'Position' }).fill('0');
      await choose(form, page, 'Queue', queueName);
      // No condition yet: the server refuses, and says so under the conditions.
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.getByText(/at least one condition/).waitFor();
      await form.getByRole('combobox', { name: 'Service line' }).click();
      await page.getByRole('option', { name: 'Nephrology', exact: true }).click();
      await page.keyboard.press('Escape');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.waitFor({ state: 'detached' });
      await page.locator(`tr[data-rule="${ruleName}"]`).waitFor();

      // The dry run says which rule matches and who would get it.
      const dry = page.getByRole('region', { name: 'Try the rules' });
      await choose(dry, page, 'Service line', 'Nephrology');
      await dry.getByRole('button', { name: 'Run dry run' }).click();
      const result = dry.getByRole('status', { name: 'Dry run result' });
      await result.getByText(`Matches “${ruleName}”`).waitFor();
      await result.getByText(`Cora Router ${run}`).waitFor();
      await shot(ctx, page, 'journey-admin-routing-1440');
      await noHorizontalOverflow(page);

      // A new nephrology referral lands with the coordinator.
      const referral = await referralFor(ctx, { given: 'Nadia', service_line: 'nephrology', urgency: 'urgent' });
      assert.equal(referral.queue, queueName);
      assert.equal(referral.assignee_id, coordinator.id);

      const desk = await ctx.newPage(NARROW);
      await desk.goto(`${ctx.base}/login`);
      await desk.getByRole('textbox', { name: 'Email' }).fill(email);
      await desk.getByRole('textbox', { name: 'Password' }).fill(password);
      await desk.getByRole('button', { name: 'Sign in' }).click();
      await desk.waitForURL(/\/work-queue$/);
      const row = desk.locator(`tr[data-item="${referral.id}"]`);
      await row.getByText(`Nadia J. · nephrology`).waitFor();
      await row.getByText(queueName).waitFor();
      await row.locator('[data-sla-state="on_track"]').waitFor();
      await shot(ctx, desk, 'journey-work-queue-1024');
      await noHorizontalOverflow(desk);

      // The one-click next move: accepted from the queue.
      await row.getByRole('button', { name: /^Accept:/ }).click();
      await row.getByText('Accepted').waitFor();
    },
  },
  {
    name: 'journey: a_clock_already_past_due_shows_red_in_the_work_queue',
    async fn(ctx) {
      const intake = await apiAs(ctx, 'intake');
      const me = await intake('GET', '/v1/auth/me');
      const received = new Date(Date.now() - 21 * 24 * 3600_000).toISOString();
      const referral = await referralFor(ctx, { given: 'Bruno', service_line: 'cardiology', urgency: 'stat', received_at: received, assignee_id: me.id });

      const page = await signIn(ctx, 'intake', WIDE);
      await page.waitForURL(/\/work-queue$/);
      const row = page.locator(`tr[data-item="${referral.id}"]`);
      const clock = row.locator('[data-sla-state="breached"]');
      await clock.waitFor();
      await clock.getByText(/^over by /).waitFor();
      const [badge, text] = await clock.evaluate((el) => [
        getComputedStyle(el.querySelector('.mantine-Badge-root')).backgroundColor,
        getComputedStyle(el.querySelector('p, span.mantine-Text-root')).color,
      ]);
      const rgb = (c) => c.match(/\d+/g).slice(0, 3).map(Number);
      for (const [r, g, b] of [rgb(badge), rgb(text)]) assert.ok(r > 120 && r > g * 2 && r > b * 2, `not red: ${badge} / ${text}`);
      await shot(ctx, page, 'journey-work-queue-breached-1440');

      // The referral page shows the same milestone breached.
      await row.getByRole('link', { name: /Bruno J\./ }).click();
      await page.getByRole('region', { name: 'SLA clocks' }).locator('tr[data-milestone="first_contact"] [data-sla-state="breached"]').waitFor();
      await shot(ctx, page, 'journey-referral-sla-1440');
    },
  },
];
