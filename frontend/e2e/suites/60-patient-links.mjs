// Patient links: the link in a patient's mailed reminder opens a phone-sized page without sign-in; the
// patient confirms one visit, cancels another with a reason, and intake sees that referral back in scheduling.
import assert from 'node:assert/strict';
import { deliverQueuedMail, noHorizontalOverflow, PASSWORD, pickOption, seriousAxeViolations, shot, signIn, user } from '../helpers.mjs';

const PHONE = { width: 390, height: 844 };
const PREPARATION = 'Please do not drink coffee on the morning of your visit.';

async function apiToken(ctx, role) {
  const res = await fetch(`${ctx.base}/v1/auth/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user(role), password: PASSWORD }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

/** What an EHR or intake does before a reminder exists: a referral, booked for tomorrow. */
async function bookedReferral(ctx, token, givenName) {
  const call = async (path, body) => {
    const res = await fetch(`${ctx.base}${path}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body),
    });
    const created = await res.json();
    assert.equal(res.status, 201, JSON.stringify(created));
    return created;
  };
  const email = `${givenName.toLowerCase()}.${Date.now().toString(36)}@example.org`;
  const referral = await call('/v1/referrals', {
    patient: { given_name: givenName, family_name: 'Okafor', birth_date: '1961-03-14', email },
    service_line: 'cardiology', urgency: 'routine', reason: 'Palpitations', referral_source: 'physician',
  });
  const start = new Date(Date.now() + 26 * 3600_000);
  start.setUTCMinutes(0, 0, 0);
  await call('/v1/appointments', { referral_id: referral.id, start: start.toISOString(), location: 'Heart Center, Suite 210' });
  return { referral, email };
}

/** The reminder goes out through the real mail path; the admin reads its link in the development mail catcher. */
async function reminderLink(ctx, admin, referral, email) {
  deliverQueuedMail(ctx, { referralId: referral.id, kind: 'reminder' });
  await admin.goto(`${ctx.base}/admin/mail`);
  await admin.locator('tr', { hasText: email }).first().getByRole('button', { name: /^Reminder: your appointment/ }).click();
  const body = await admin.getByLabel('Mail body').innerText();
  const link = body.match(/https?:\/\/\S+\/a\/[A-Za-z0-9_-]+/);
  assert.ok(link, `no link in the reminder: ${body}`);
  assert.ok(link[0].startsWith(ctx.base), link[0]);
  return link[0];
}

export const tests = [
  {
    name: 'patient_links_admin_sets_preparation_then_a_patient_confirms_from_the_mailed_reminder',
    async fn(ctx) {
      const admin = await signIn(ctx, 'admin');
      await admin.goto(`${ctx.base}/admin/preparation`);
      await pickOption(admin, 'Service line', 'Cardiology');
      await admin.getByRole('textbox', { name: 'Instructions for the patient' }).fill(PREPARATION);
      await admin.getByRole('button', { name: 'Save instructions' }).click();
      await admin.getByRole('status').getByText('Saved for Cardiology.').waitFor();

      const { referral, email } = await bookedReferral(ctx, await apiToken(ctx, 'intake'), 'Grace');
      const link = await reminderLink(ctx, admin, referral, email);

      const patient = await ctx.newPage(PHONE);
      await patient.goto(link);
      await patient.getByRole('heading', { name: 'Hello Grace' }).waitFor();
      const text = await patient.locator('main').innerText();
      assert.match(text, /Heart Center, Suite 210/);
      assert.ok(text.includes(PREPARATION), text);
      assert.doesNotMatch(text, /Okafor|Palpitations/);
      // Phone-sized: nothing scrolls sideways.
      await noHorizontalOverflow(patient);
      assert.deepEqual(await seriousAxeViolations(patient), []);
      await shot(ctx, patient, 'patient-link-390');
      await patient.getByRole('button', { name: 'Confirm I will come' }).click();
      await patient.getByRole('status').getByText(/your visit is confirmed/).waitFor();
      await patient.getByText('You have confirmed this visit.').waitFor();
      // The same link after a reload still shows the visit, confirmed.
      await patient.reload();
      await patient.getByText('You have confirmed this visit.').waitFor();
    },
  },
  {
    name: 'patient_links_a_patient_cancels_with_a_reason_and_intake_sees_the_referral_back_in_scheduling',
    async fn(ctx) {
      const admin = await signIn(ctx, 'admin');
      const { referral, email } = await bookedReferral(ctx, await apiToken(ctx, 'intake'), 'Tomas');
      const link = await reminderLink(ctx, admin, referral, email);

      const patient = await ctx.newPage(PHONE);
      await patient.goto(link);
      await patient.getByRole('heading', { name: 'Hello Tomas' }).waitFor();
      await patient.getByRole('button', { name: 'Cancel', exact: true }).click();
      await patient.getByRole('textbox', { name: /Why are you cancelling/ }).fill('I will be abroad for work that week');
      await patient.getByRole('button', { name: 'Cancel my appointment' }).click();
      await patient.getByRole('status').getByText(/Your appointment is cancelled/).waitFor();
      await shot(ctx, patient, 'patient-link-cancelled-390');
      // The link was used to cancel: opened again, it no longer works.
      await patient.reload();
      await patient.getByRole('heading', { name: 'This link does not work' }).waitFor();

      const intake = await signIn(ctx, 'intake');
      await intake.goto(`${ctx.base}/referrals/${referral.id}`);
      await intake.getByRole('heading', { level: 1 }).waitFor();
      const timeline = intake.getByRole('region', { name: 'Timeline' });
      await timeline.getByText('Scheduled → Accepted').waitFor();
      // Read once the timeline has loaded: the heading comes first, and the status badge alone reads in capitals.
      const page = await intake.locator('main').innerText();
      assert.match(page, /Accepted/);
      await timeline.getByText('Appointment cancelled').first().waitFor();
      await timeline.getByText('I will be abroad for work that week').waitFor();
      await shot(ctx, intake, 'patient-link-staff-sees-cancel');
    },
  },
];
