// The same patient referred twice through two channels: a fax keyed in by staff, then the EHR's push.
// Staff see the possible duplicate with its reason on the referral page and merge it.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { PASSWORD, seriousAxeViolations, shot, signIn, user } from '../helpers.mjs';

const WIDE = { width: 1440, height: 900 };
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Serious or critical axe-core findings inside one part of the page. */
async function axeWithin(page, selector) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async (within) => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document.querySelector(within), { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, selector);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function tokenFor(ctx, role) {
  const form = new URLSearchParams({ username: user(role), password: PASSWORD });
  const login = await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form });
  assert.equal(login.status, 200);
  return (await login.json()).access_token;
}

async function send(ctx, token, path, body, contentType = 'application/json') {
  const res = await fetch(`${ctx.base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A patient no demo referral has, so only this scenario's two referrals can match. */
function patient() {
  const tag = Date.now().toString(36).toUpperCase();
  return { given: 'Odile', family: `Marchetti${tag}`, birthDate: '1961-02-17', mrn: `FAX-${tag}`, tag };
}

async function keyedInFax(ctx, token, p) {
  const referral = await send(ctx, token, '/v1/referrals', {
    patient: { given_name: p.given, family_name: p.family, birth_date: p.birthDate, mrn: p.mrn, sex: 'female' },
    service_line: 'cardiology', referral_source: 'physician', source_channel: 'fax',
    reason: 'Palpitations; Holter report attached to the fax',
    received_at: new Date(Date.now() - 3 * 86_400_000).toISOString(),
  });
  await send(ctx, token, `/v1/referrals/${referral.id}/notes`, { text: 'Fax cover sheet: call the patient after 3 pm' });
  return referral;
}

async function ehrPush(ctx, token, p) {
  return send(ctx, token, '/fhir/R4/ServiceRequest', {
    resourceType: 'ServiceRequest',
    contained: [{
      resourceType: 'Patient', id: 'pat',
      identifier: [{ system: 'urn:ehr:mrn', value: `EHR-${p.tag}` }],
      name: [{ family: p.family, given: [p.given] }], gender: 'female', birthDate: p.birthDate,
    }],
    identifier: [{ system: 'urn:ehr:orders', value: `ORD-${p.tag}` }],
    status: 'active', intent: 'order', priority: 'routine',
    code: { text: 'Cardiology consult' },
    performerType: { coding: [{ system: 'http://nucc.org/provider-taxonomy', code: '207RC0000X' }] },
    subject: { reference: '#pat' },
    reasonCode: [{ text: 'Palpitations' }],
  }, 'application/fhir+json');
}

const reference = (id) => `R-${id.replace(/-/g, '').slice(-8)}`;

export const tests = [
  {
    name: 'duplicates: a_keyed_in_fax_and_an_ehr_push_are_flagged_and_merged_and_the_survivor_shows_its_history',
    async fn(ctx) {
      const token = await tokenFor(ctx, 'intake');
      const p = patient();
      const fax = await keyedInFax(ctx, token, p);
      const pushed = await ehrPush(ctx, token, p);

      const page = await signIn(ctx, 'intake', WIDE);
      await page.goto(`${ctx.base}/referrals/${pushed.id}`);
      const banner = page.getByRole('region', { name: 'Possible duplicate' });
      await banner.waitFor();
      const said = await banner.innerText();
      assert.match(said, /Same patient \(name and birth date\) and service line \(cardiology\)/);
      assert.match(said, /3 days apart through fax and fhir/);
      assert.ok(said.includes(reference(fax.id)), said);
      await shot(ctx, page, 'duplicate-banner-1440');
      assert.deepEqual(await axeWithin(page, '[aria-label="Possible duplicate"]'), []);

      await banner.getByRole('button', { name: 'Merge into this referral' }).click();
      const dialog = page.getByRole('dialog', { name: 'Merge the duplicate into this referral' });
      await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
      await banner.waitFor({ state: 'detached' });

      // The survivor's timeline carries the faxed referral's history, each line saying where it happened.
      const timeline = page.getByRole('region', { name: 'Timeline' });
      await timeline.getByText('Fax cover sheet: call the patient after 3 pm').waitFor();
      await timeline.getByText(`Merged ${reference(fax.id)} into this referral`).waitFor();
      assert.ok(await timeline.getByText(`On merged referral ${reference(fax.id)}`).count() >= 2);
      await shot(ctx, page, 'duplicate-merged-timeline-1440');

      // The merged referral says where it went and links there.
      await page.goto(`${ctx.base}/referrals/${fax.id}`);
      const gone = page.getByRole('status').filter({ hasText: 'Merged as a duplicate' });
      await gone.waitFor();
      assert.deepEqual(await axeWithin(page, '[role="status"]'), []);
      await gone.getByRole('link', { name: reference(pushed.id) }).click();
      await page.waitForURL(new RegExp(`/referrals/${pushed.id}$`));
    },
  },
  {
    name: 'duplicates: an_admin_widens_the_policy_in_the_web_app_and_puts_it_back',
    async fn(ctx) {
      const page = await signIn(ctx, 'admin', WIDE);
      await page.goto(`${ctx.base}/admin/duplicates`);
      const form = page.getByRole('form', { name: 'Duplicate policy' });
      const window = form.getByRole('textbox', { name: /Window \(days\)/ });
      const sameChannel = form.getByRole('checkbox', { name: /Also flag repeats through the same channel/ });
      assert.equal(await window.inputValue(), '30');
      await window.fill('45');
      await sameChannel.check();
      await form.getByRole('button', { name: 'Save duplicate policy' }).click();
      await form.getByRole('status').filter({ hasText: /^Saved \(version \d+\)\.$/ }).waitFor();
      await shot(ctx, page, 'admin-duplicate-policy-1440');
      assert.deepEqual(await seriousAxeViolations(page), []);

      // Read back from the server after a reload; then the default goes back for the other scenarios.
      await page.reload();
      assert.equal(await window.inputValue(), '45');
      assert.equal(await sameChannel.isChecked(), true);
      await window.fill('30');
      await sameChannel.uncheck();
      await form.getByRole('button', { name: 'Save duplicate policy' }).click();
      await form.getByRole('status').filter({ hasText: /^Saved/ }).waitFor();
    },
  },
];
