// A referring doctor entered twice (Robert with his NPI, "Bob" keyed in from a fax): the liaison
// reviews the pair side by side, merges it, sees the referral follow the survivor, then undoes it.
import assert from 'node:assert/strict';
import { PASSWORD, seriousAxeViolations, shot, signIn, user } from '../helpers.mjs';

const WIDE = { width: 1440, height: 900 };

async function tokenFor(ctx, role) {
  const form = new URLSearchParams({ username: user(role), password: PASSWORD });
  const login = await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form });
  assert.equal(login.status, 200);
  return (await login.json()).access_token;
}

async function send(ctx, token, path, body) {
  const res = await fetch(`${ctx.base}${path}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A 10-digit NPI with a valid check digit (Luhn over the 80840 prefix). */
function npi() {
  const base = `1${String(Date.now() % 1e8).padStart(8, '0')}`;
  for (let d = 0; d < 10; d += 1) {
    const digits = `80840${base}${d}`.split('').reverse().map(Number);
    const sum = digits.reduce((s, n, i) => s + (i % 2 ? (n * 2 > 9 ? n * 2 - 9 : n * 2) : n), 0);
    if (sum % 10 === 0) return `${base}${d}`;
  }
  throw new Error('no check digit');
}

async function referralsSentOn(ctx, page, providerId) {
  await page.goto(`${ctx.base}/providers/${providerId}`);
  const sent = page.getByRole('region', { name: 'Referrals sent' });
  await sent.getByRole('table').waitFor();
  return sent;
}

export const tests = [
  {
    name: 'directory duplicates: review_a_pair_merge_it_see_the_referral_follow_and_undo',
    async fn(ctx) {
      const admin = await tokenFor(ctx, 'admin');
      const family = `Quillfeather${Date.now().toString(36)}`;
      const phone = [{ system: 'phone', value: '614 555 0142' }];
      const robert = await send(ctx, admin, '/v1/providers', { given_name: 'Robert', family_name: family, npi: npi(), contact_points: phone });
      const bob = await send(ctx, admin, '/v1/providers', { given_name: 'Bob', family_name: family, contact_points: phone, notes: 'keyed in from a fax' });
      const referral = await send(ctx, admin, '/v1/referrals', {
        patient: { given_name: 'Ines', family_name: `Varga${family}`, birth_date: '1970-05-05', sex: 'female' },
        service_line: 'cardiology', referral_source: 'physician', reason: 'Palpitations', referring_provider_id: bob.id,
      });

      const page = await signIn(ctx, 'liaison', WIDE);
      await page.goto(`${ctx.base}/providers/${robert.id}`);
      await page.getByRole('link', { name: 'Check for duplicates' }).click();
      const review = page.getByRole('region', { name: 'Pair under review' });
      await review.waitFor();
      const said = await review.innerText();
      assert.match(said, /same phone/i); // badges are shown in capitals
      assert.match(said, /Robert and Bob are the same name \(nickname\)/i);
      const compare = review.getByRole('table', { name: 'Compare the two records' });
      assert.equal(await compare.locator('tr[data-differs="true"]').filter({ hasText: 'Given name' }).count(), 1);
      await shot(ctx, page, 'directory-duplicates-review-1440');
      assert.deepEqual(await seriousAxeViolations(page), []);

      // Robert stays; his given name is kept, Bob's note comes along.
      await review.getByRole('button', { name: 'Merge' }).click();
      await page.getByText('Merged. You can undo it below for 30 days.').waitFor();

      let sent = await referralsSentOn(ctx, page, robert.id);
      await sent.locator(`a[href="/referrals/${referral.id}"]`).waitFor();
      const merged = await (await fetch(`${ctx.base}/v1/providers/${bob.id}`, { headers: { Authorization: `Bearer ${admin}` } })).json();
      assert.equal(merged.status, 'merged');

      await page.goto(`${ctx.base}/providers/duplicates`);
      await page.getByRole('button', { name: `Undo merge of Bob ${family}` }).click();
      await page.getByText(`Bob ${family} is back as a separate record.`).waitFor();
      sent = await referralsSentOn(ctx, page, bob.id);
      await sent.locator(`a[href="/referrals/${referral.id}"]`).waitFor();
      sent = await referralsSentOn(ctx, page, robert.id);
      assert.equal(await sent.locator(`a[href="/referrals/${referral.id}"]`).count(), 0);
    },
  },
];
