// The referring-practice portal as a practice and the intake team use it: an administrator invites a person
// of a practice from its page, the e-mailed link leads to a first sign-in in the portal, the practice sends
// a referral with a document and asks a question, intake answers on the referral page, and the practice
// sees the answer and, once booked, the appointment.
import assert from 'node:assert/strict';
import { PASSWORD, pickOption, seriousAxeViolations, shot, signIn, user } from '../helpers.mjs';
import { mailedLink } from './30-administration.mjs';

const WIDE = { width: 1440, height: 900 };
const CHOSEN = 'harbour lights 2031';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function adminApi(ctx) {
  const form = new URLSearchParams({ username: user('admin'), password: PASSWORD });
  const token = (await (await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form })).json()).access_token;
  return async (method, path, body) => {
    const res = await fetch(`${ctx.base}${path}`, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

export const tests = [
  {
    name: 'portal_practice_is_invited_refers_with_a_document_and_follows_the_reply_and_the_appointment',
    async fn(ctx) {
      const api = await adminApi(ctx);
      const [practice] = (await api('GET', '/v1/organizations?kind=practice&limit=1')).items;
      const email = `e2e-portal-${Date.now().toString(36)}@practice.test`;

      const admin = await signIn(ctx, 'admin', WIDE);
      await admin.goto(`${ctx.base}/practices/${practice.id}`);
      const invite = admin.getByRole('form', { name: 'Invite to the portal' });
      await invite.getByRole('textbox', { name: 'Name' }).fill('Dana Whitfield');
      await invite.getByRole('textbox', { name: 'E-mail' }).fill(email);
      await invite.getByRole('button', { name: 'Send invitation' }).click();
      await admin.getByText(`Invitation sent to ${email}`).waitFor();
      await admin.goto(`${ctx.base}/admin/users`);
      const link = await mailedLink(ctx, admin, email);

      // First sign-in: the link, a password, and the portal's own home.
      const portal = await ctx.newPage(WIDE);
      await portal.goto(link);
      await portal.getByLabel(/^Password/).fill(CHOSEN);
      await portal.getByLabel(/^Repeat the password/).fill(CHOSEN);
      await portal.getByRole('button', { name: 'Set password and sign in' }).click();
      await portal.getByRole('heading', { name: 'Home' }).waitFor();
      assert.equal(await portal.getByRole('link', { name: 'Admin' }).count(), 0);
      await shot(ctx, portal, 'portal-home-1440');
      assert.deepEqual(await seriousAxeViolations(portal), []);

      // A referral with a document.
      await portal.getByRole('link', { name: 'New referral' }).click();
      const family = `Portal${Date.now().toString(36)}`;
      await portal.getByRole('textbox', { name: 'Given name' }).fill('Maria');
      await portal.getByRole('textbox', { name: 'Family name' }).fill(family);
      await portal.getByLabel(/^Birth date/).fill('1968-04-12');
      await pickOption(portal, 'Service line', 'Cardiology');
      await pickOption(portal, 'Referral source', 'Physician');
      await portal.getByRole('textbox', { name: 'Reason for referral' }).fill('Exertional chest pain');
      await portal.locator('input[type="file"]').setInputFiles({ name: 'referral-letter.pdf', mimeType: 'application/pdf', buffer: PDF });
      await portal.getByRole('button', { name: 'Create referral' }).click();
      await portal.waitForURL(/\/portal\/referrals\/[0-9a-f-]{36}$/);
      const referralId = portal.url().split('/').pop();
      await portal.getByRole('table', { name: 'Documents' }).getByText('referral-letter').waitFor();

      await portal.getByLabel(/New message/).fill('Could she be seen this month?');
      await portal.getByRole('button', { name: 'Send message' }).click();
      await portal.getByRole('log', { name: 'Messages' }).getByText('Could she be seen this month?').waitFor();

      // The intake team reads and answers on the referral page.
      const intake = await signIn(ctx, 'intake', WIDE);
      await intake.goto(`${ctx.base}/referrals/${referralId}`);
      const thread = intake.getByRole('region', { name: 'Messages with the practice' });
      await thread.getByText('Could she be seen this month?').waitFor();
      await thread.getByLabel(/New message/).fill('Yes: we will call her today.');
      await thread.getByRole('button', { name: 'Send message' }).click();
      await thread.getByText('Yes: we will call her today.', { exact: true }).waitFor();

      // The practice sees the answer; once booked, the appointment.
      await portal.reload();
      await portal.getByRole('log', { name: 'Messages' }).getByText('Yes: we will call her today.').waitFor();
      await api('POST', `/v1/referrals/${referralId}/transitions`, { to: 'accepted' });
      await api('POST', '/v1/appointments', { referral_id: referralId, start: '2030-01-02T15:00:00Z' });
      await portal.reload();
      await portal.getByTestId('portal-appointment').filter({ hasText: /2030/ }).waitFor();
      await shot(ctx, portal, 'portal-referral-1440');
      assert.deepEqual(await seriousAxeViolations(portal), []);
      await portal.getByRole('link', { name: 'Referrals', exact: true }).click();
      await portal.locator(`tr[data-referral="${referralId}"]`).getByText(/2030/).waitFor();
      await portal.getByRole('link', { name: 'Services' }).click();
      await portal.getByRole('article', { name: 'Cardiology' }).waitFor();
    },
  },
  {
    name: 'portal_home_shows_each_visit_summary_beside_a_whole_status',
    async fn(ctx) {
      const portal = await signIn(ctx, 'practice', { width: 1280, height: 800 });
      const seen = portal.getByRole('table', { name: 'Recently seen' });
      const completed = seen.locator('tr', { hasText: 'Completed' }).or(seen.locator('tr', { hasText: 'Closed' })).first();
      await completed.waitFor();
      // The visit summary the clinician wrote, not a dash, beside a status badge that shows its whole word.
      await portal.waitForFunction(() => [...document.querySelectorAll('table[aria-label="Recently seen"] tbody tr')]
        .every((row) => row.lastElementChild?.textContent !== '—'));
      const cut = await seen.locator('.mantine-Badge-label').evaluateAll((labels) =>
        labels.filter((l) => l.scrollWidth > l.clientWidth).map((l) => l.textContent));
      assert.deepEqual(cut, []);
      await shot(ctx, portal, 'portal-home-1280');
    },
  },
];
