// The provider-relations team keeps the directory: a liaison imports a file (a bad row refuses it, the
// report says which), imports it fixed, and clears an item from the directory to-do list.
import assert from 'node:assert/strict';
import { PASSWORD, shot, signIn, user } from '../helpers.mjs';

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 1024, height: 768 };

/** A valid NPI: Luhn over the 80840 prefix. */
function npi(seed) {
  const base = `1${String(seed).padStart(8, '0').slice(-8)}`;
  for (let d = 0; d < 10; d += 1) {
    const digits = `80840${base}${d}`.split('').reverse().map(Number);
    const sum = digits.reduce((t, n, i) => t + (i % 2 ? (n * 2 > 9 ? n * 2 - 9 : n * 2) : n), 0);
    if (sum % 10 === 0) return `${base}${d}`;
  }
  throw new Error('no check digit');
}

function csv(rows) {
  const header = 'npi,entity_type,first_name,last_name,credential,taxonomy_code_1,taxonomy_primary_1,address_line_1,city,state,postal_code,phone,preferred_contact';
  return `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
}

async function tokenFor(ctx, role) {
  const form = new URLSearchParams({ username: user(role), password: PASSWORD });
  const login = await fetch(`${ctx.base}/v1/auth/token`, { method: 'POST', body: form });
  assert.equal(login.status, 200);
  return (await login.json()).access_token;
}

export const tests = [
  {
    name: 'directory: a_liaison_imports_a_file_sees_the_bad_row_then_imports_it_fixed',
    async fn(ctx) {
      const seed = Date.now() % 10_000_000;
      const [a, b] = [npi(seed), npi(seed + 1)];
      const wrong = `${b.slice(0, 9)}${(Number(b[9]) + 1) % 10}`;
      const family = `Okafor${seed}`;
      const row = (n, last) => [n, '1', 'Ada', last, 'MD', '207RC0000X', 'Y', '12 oak avenue', 'Boston', 'MA', '02110-1234', '617-555-0142', 'FHIR'];
      const page = await signIn(ctx, 'liaison', WIDE);
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Import providers' }).click();
      await page.waitForURL(/\/providers\/import$/);

      await page.setInputFiles('#directory-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(csv([row(a, family), row(wrong, `${family}B`)])) });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByText('Nothing was imported', { exact: true }).waitFor();
      const refused = page.getByRole('table', { name: 'Row report' });
      assert.match(await refused.getByRole('row').nth(1).innerText(), /3\s+—\s+—\s+npi\s+\d{10} has a wrong check digit/);
      await shot(ctx, page, 'directory-import-refused');

      await page.setInputFiles('#directory-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(csv([row(a, family), row(b, `${family}B`)])) });
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByRole('region', { name: 'Import report' }).getByText('2 created, 0 updated, 0 unchanged, 0 merged').waitFor();
      const report = page.getByRole('table', { name: 'Row report' });
      assert.equal(await report.getByRole('row').filter({ hasText: 'created' }).count(), 2);
      const recent = page.getByRole('table', { name: 'Recent imports' });
      await recent.getByRole('row').filter({ hasText: 'good.csv' }).filter({ hasText: 'succeeded' }).waitFor();
      await shot(ctx, page, 'directory-import-report');

      // The directory at 1024 px: the status badge whole, the preferred contact as people write it.
      const narrow = await signIn(ctx, 'liaison', NARROW);
      await narrow.goto(`${ctx.base}/providers?name=${family}`);
      const line = narrow.getByRole('row').filter({ hasText: `Ada ${family}, MD` });
      await line.waitFor();
      assert.match(await line.innerText(), /FHIR/);
      const badge = line.getByText('active', { exact: true });
      const cut = await badge.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth);
      assert.equal(cut, false, 'the status badge is cut');
      await shot(ctx, narrow, 'directory-1024');
    },
  },
  {
    name: 'directory: the_to_do_list_shows_an_unverified_record_and_marking_it_verified_clears_it',
    async fn(ctx) {
      const token = await tokenFor(ctx, 'liaison');
      const family = `Vance${Date.now() % 1_000_000}`;
      const created = await fetch(`${ctx.base}/v1/providers`, {
        method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ given_name: 'Iris', family_name: family, npi: npi(Date.now() % 10_000_000 + 7), preferred_contact_method: 'fax',
          specialties: [{ code: '207Q00000X', display: 'Family Medicine', primary: true }] }),
      });
      assert.equal(created.status, 201, await created.text());
      const page = await signIn(ctx, 'liaison', WIDE);
      await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Directory to-do' }).click();
      const item = page.getByRole('listitem', { name: `Iris ${family}: Not verified for 12 months: never verified` });
      await item.waitFor();
      await shot(ctx, page, 'directory-hygiene');
      await item.getByRole('button', { name: 'Mark verified' }).click();
      await item.waitFor({ state: 'detached' });
    },
  },
];
