// Administration as an administrator does it: invite and help users, keys shown once, webhooks, the audit log
// and its CSV export, and the development mail catcher. Screenshots at 1440 and 1024 px.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliverQueuedMail, noHorizontalOverflow, seriousAxeViolations, shot, signIn } from '../helpers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WIDE = { width: 1440, height: 900 };
const CHOSEN = 'harbour lights 2031';
const NARROW = { width: 1024, height: 768 };
const DATABASE_URL = `${process.env.E2E_PG ?? 'postgresql://postgres@127.0.0.1:5432'}/${process.env.E2E_DB ?? 'refloop_e2e'}`;
const REDIS_URL = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/13';

async function openAdmin(ctx, tab, size = WIDE) {
  const page = await signIn(ctx, 'admin', size);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('tab', { name: tab }).click();
  return page;
}

async function firstOption(page, label) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option').first().click();
}

async function oneTimeSecret(page) {
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Shown once').waitFor();
  const secret = (await dialog.getByTestId('one-time-secret').innerText()).trim();
  return { dialog, secret };
}

async function signInAs(ctx, email, password, size = WIDE) {
  const page = await ctx.newPage(size);
  await page.goto(`${ctx.base}/login`);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** Sends the queued mail to `email` through the real delivery path into a development catcher, then reads
 * the one-time link from the caught mail in the admin's Mail tab, as a person would. */
export async function mailedLink(ctx, page, email) {
  deliverQueuedMail(ctx, { address: email });
  await page.getByRole('tab', { name: 'Mail (development)' }).click();
  await page.waitForURL(/\/admin\/mail/);
  await page.locator('tr', { hasText: email }).first().getByRole('button', { name: /invited|new password/ }).click();
  const body = await page.getByLabel('Mail body').innerText();
  await page.getByRole('tab', { name: 'Users' }).click();
  const link = body.match(/https?:\/\/\S+\/invite\/\S+/);
  assert.ok(link, `no link in the mail: ${body}`);
  return link[0];
}

function userRow(page, email) {
  return page.locator(`tr[data-email="${email}"]`);
}

export const tests = [
  {
    name: 'admin_invites_a_coordinator_who_opens_the_emailed_link_and_lands_signed_in',
    async fn(ctx) {
      const email = `e2e-invite-${Date.now().toString(36)}@refloop.local`;
      const page = await openAdmin(ctx, 'Users');
      await page.getByRole('button', { name: 'Invite user' }).click();
      const form = page.getByRole('dialog', { name: 'Invite user' });
      await form.getByRole('textbox', { name: 'E-mail' }).fill(email);
      await form.getByRole('textbox', { name: 'Full name' }).fill('Nora Invited');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByRole('status').filter({ hasText: `Invitation sent to ${email}` }).waitFor();
      const pending = page.locator(`tr[data-invitation="${email}"]`);
      await pending.getByText('Pending').waitFor();
      await pending.getByText('Intake coordinator').waitFor();
      await shot(ctx, page, 'admin-users-invitation-pending-1440');
      assert.deepEqual(await seriousAxeViolations(page), []);

      // The worker sends it like any other mail; the development catcher keeps what arrived.
      const link = await mailedLink(ctx, page, email);
      const invited = await ctx.newPage(WIDE);
      await invited.goto(link);
      await invited.getByRole('heading', { name: 'Welcome, Nora Invited' }).waitFor();
      assert.deepEqual(await seriousAxeViolations(invited), []);
      await invited.getByLabel(/^Password/).fill('short');
      await invited.getByLabel(/^Repeat the password/).fill('short');
      await invited.getByRole('button', { name: 'Set password and sign in' }).click();
      await invited.getByText(/at least 12 characters/i).first().waitFor();
      await shot(ctx, invited, 'admin-accept-invitation-1440');
      assert.deepEqual(await seriousAxeViolations(invited), []);
      await invited.getByLabel(/^Password/).fill(CHOSEN);
      await invited.getByLabel(/^Repeat the password/).fill(CHOSEN);
      await invited.getByRole('button', { name: 'Set password and sign in' }).click();
      await invited.getByRole('heading', { name: 'Work queue' }).waitFor(); // intake lands on its work queue

      // The message keeps the words as sent, with the one-time code left out.
      await page.goto(`${ctx.base}/messages?kind=invitation`);
      await page.getByRole('table').locator('tbody tr').first().getByRole('link', { name: 'Invitation to join' }).click();
      const drawer = page.getByRole('dialog', { name: 'Message' });
      assert.equal((await drawer.getByTestId('message-rendering').innerText()).trim().toLowerCase(), 'as sent');
      const sent = await drawer.getByTestId('message-body').innerText();
      assert.match(sent, /Hello Nora Invited/);
      assert.match(sent, /\/invite\/\[one-time code\]/);
      assert.ok(!sent.includes(link.split('/invite/')[1]), 'the stored words must not hold the token');
      await shot(ctx, page, 'admin-invitation-as-sent-1440');
      await page.goto(`${ctx.base}/admin/users`);

      // The link worked once; the invitation is no longer pending.
      const reused = await ctx.newPage(WIDE);
      await reused.goto(link);
      await reused.getByRole('alert').filter({ hasText: 'used already' }).waitFor();
      await page.reload();
      await userRow(page, email).waitFor();
      assert.equal(await page.locator(`tr[data-invitation="${email}"]`).count(), 0);
      ctx.state.invitedEmail = email;
    },
  },
  {
    name: 'admin_unlocks_and_resets_an_invited_user',
    async fn(ctx) {
      const email = ctx.state.invitedEmail;
      assert.ok(email, 'runs after admin_invites_a_coordinator_who_opens_the_emailed_link_and_lands_signed_in');
      const page = await openAdmin(ctx, 'Users');
      // Locked by failed logins (the counter in Redis), then unlocked from the Users page.
      const account = createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32);
      execFileSync('redis-cli', ['-u', REDIS_URL, 'SET', `refloop:login:lock:${account}`, '1', 'EX', '900']);
      const refused = await signInAs(ctx, email, CHOSEN);
      await refused.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
      await page.reload();
      const row = userRow(page, email);
      await row.getByText('Locked').waitFor();
      await row.getByRole('button', { name: `Actions for ${email}` }).click();
      await page.getByRole('menuitem', { name: 'Unlock' }).click();
      await row.getByText('Locked').waitFor({ state: 'detached' });
      const back = await signInAs(ctx, email, CHOSEN);
      await back.getByRole('heading', { name: 'Work queue' }).waitFor();

      // Reset by e-mailed link: pending until used, and it can be revoked.
      await row.getByRole('button', { name: `Actions for ${email}` }).click();
      await page.getByRole('menuitem', { name: 'Reset password…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'E-mail a reset link' }).click();
      await page.getByRole('status').filter({ hasText: `Reset link sent to ${email}` }).waitFor();
      const link = page.locator(`tr[data-invitation="${email}"]`);
      await link.getByText('Password reset').waitFor();
      await link.getByRole('button', { name: `Revoke the link for ${email}` }).click();
      await link.waitFor({ state: 'detached' });

      // Reset with a temporary password, when e-mail cannot reach them: the user must choose their own.
      await row.getByRole('button', { name: `Actions for ${email}` }).click();
      await page.getByRole('menuitem', { name: 'Reset password…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Set a temporary password' }).click();
      const reset = await oneTimeSecret(page);
      assert.match(reset.secret, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
      await reset.dialog.getByRole('button', { name: 'Done' }).click();
      await row.getByText('Temporary password').waitFor();
      const again = await signInAs(ctx, email, reset.secret, NARROW);
      await again.getByRole('heading', { name: 'Choose your password' }).waitFor();
      await shot(ctx, again, 'admin-change-password-1024');
      const narrow = await openAdmin(ctx, 'Users', NARROW);
      await userRow(narrow, email).waitFor();
      await shot(ctx, narrow, 'admin-users-1024');
      await noHorizontalOverflow(narrow);
    },
  },
  {
    name: 'admin_creates_an_api_key_sees_it_once_and_revokes_it',
    async fn(ctx) {
      const name = `e2e portal ${Date.now().toString(36)}`;
      const page = await openAdmin(ctx, 'API keys');
      await page.getByRole('button', { name: 'Create API key' }).click();
      const form = page.getByRole('dialog', { name: 'Create API key' });
      await firstOption(page, 'Organization');
      await form.getByRole('textbox', { name: 'Name' }).fill(name);
      await form.getByRole('button', { name: 'Create key' }).click();
      const { dialog, secret } = await oneTimeSecret(page);
      assert.match(secret, /^rfk_[0-9a-f]{8}_/);
      await shot(ctx, page, 'admin-api-key-once-1440');
      // The key works for the partner until it is revoked.
      assert.equal((await fetch(`${ctx.base}/v1/referrals`, { headers: { 'X-API-Key': secret } })).status, 200);
      await dialog.getByRole('button', { name: 'Done' }).click();
      const row = page.locator(`tr[data-key-name="${name}"]`);
      await row.waitFor();
      assert.ok(!(await page.content()).includes(secret), 'the key is shown again after closing');
      await page.reload();
      assert.ok(!(await page.content()).includes(secret.slice(13)), 'the key is readable after a reload');
      await row.getByRole('button', { name: `Revoke ${name}` }).click();
      await page.getByRole('dialog', { name: 'Revoke API key' }).getByRole('button', { name: 'Revoke key' }).click();
      await row.getByText(/^Revoked/).waitFor();
      assert.equal((await fetch(`${ctx.base}/v1/referrals`, { headers: { 'X-API-Key': secret } })).status, 401);
      await shot(ctx, page, 'admin-api-keys-1440');
      const narrow = await openAdmin(ctx, 'API keys', NARROW);
      await narrow.locator(`tr[data-key-name="${name}"]`).getByText(/^Revoked/).waitFor();
      await shot(ctx, narrow, 'admin-api-keys-1024');
      await noHorizontalOverflow(narrow);
    },
  },
  {
    name: 'admin_disables_a_webhook_endpoint_and_rotates_its_secret',
    async fn(ctx) {
      const url = `https://partner-${Date.now().toString(36)}.example/hooks`;
      const page = await openAdmin(ctx, 'Webhooks');
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const form = page.getByRole('dialog', { name: 'Add webhook endpoint' });
      await firstOption(page, 'Organization');
      await form.getByRole('textbox', { name: 'URL' }).fill(url);
      await form.getByRole('button', { name: 'Add endpoint' }).click();
      const first = await oneTimeSecret(page);
      assert.match(first.secret, /^whsec_/);
      await first.dialog.getByRole('button', { name: 'Done' }).click();
      const row = page.locator(`tr[data-url="${url}"]`);
      await row.getByText('Active').waitFor();
      await row.getByRole('button', { name: `Disable ${url}` }).click();
      await row.getByText('Disabled').waitFor();
      await row.getByRole('button', { name: `Rotate secret of ${url}` }).click();
      await page.getByRole('dialog', { name: 'Rotate signing secret' }).getByRole('button', { name: 'Rotate now' }).click();
      const rotated = await oneTimeSecret(page);
      assert.match(rotated.secret, /^whsec_/);
      assert.notEqual(rotated.secret, first.secret);
      await rotated.dialog.getByRole('button', { name: 'Done' }).click();
      await row.getByRole('button', { name: `Deliveries to ${url}` }).click();
      await page.getByRole('dialog', { name: `Deliveries to ${url}` }).getByText('Nothing sent to this endpoint yet.').waitFor();
      await shot(ctx, page, 'admin-webhook-deliveries-1440');
      await page.keyboard.press('Escape');
      await shot(ctx, page, 'admin-webhooks-1440');
      const narrow = await openAdmin(ctx, 'Webhooks', NARROW);
      await narrow.locator(`tr[data-url="${url}"]`).getByText('Disabled').waitFor();
      await shot(ctx, narrow, 'admin-webhooks-1024');
      await noHorizontalOverflow(narrow);
    },
  },
  {
    name: 'admin_filters_the_audit_log_and_exports_it_as_csv',
    async fn(ctx) {
      const page = await openAdmin(ctx, 'Audit log');
      await page.getByRole('textbox', { name: 'Action' }).fill('api_key.revoke');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForURL(/action=api_key.revoke/);
      const rows = page.locator('tbody tr');
      await rows.first().getByText('api_key.revoke').waitFor();
      const shown = await rows.count();
      for (let i = 0; i < shown; i += 1) assert.match(await rows.nth(i).innerText(), /api_key\.revoke/);
      await shot(ctx, page, 'admin-audit-1440');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^refloop-audit-\d{8}-\d{6}\.csv$/);
      const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
      assert.equal(lines[0], 'at,actor,actor_kind,action,entity_type,entity_id,outcome,status,request_id,client_address,detail');
      assert.equal(lines.length - 1, shown);
      assert.ok(lines.slice(1).every((l) => l.split(',')[3] === 'api_key.revoke'), 'the export holds other actions');
      const narrow = await signIn(ctx, 'admin', NARROW);
      await narrow.goto(`${ctx.base}/admin/audit?action=api_key.revoke`);
      await narrow.locator('tbody tr').first().waitFor();
      await shot(ctx, narrow, 'admin-audit-1024');
      await noHorizontalOverflow(narrow);
    },
  },
  {
    name: 'admin_opens_a_mail_the_development_catcher_caught',
    async fn(ctx) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const env = { ...process.env, DATABASE_URL, REDIS_URL, REFLOOP_ENVIRONMENT: 'development' };
      const catcher = spawn(join(ROOT, '.venv/bin/refloop'), ['mail-catcher', '--port', String(port)], { cwd: ROOT, env, stdio: 'ignore' });
      try {
        const subject = `Referral received ${Date.now().toString(36)}`;
        const send = `
import smtplib, sys, time
from email.message import EmailMessage
m = EmailMessage(); m["From"] = "Refloop <referrals@refloop.local>"; m["To"] = "dr.adams@clinic.example"
m["Subject"] = sys.argv[2]; m["X-Refloop-Kind"] = "acknowledgement"; m.set_content("Dear Dr. Adams,\\nwe received your referral.")
for _ in range(50):
    try:
        with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=5) as s: s.send_message(m); break
    except OSError: time.sleep(0.2)
else: sys.exit("the catcher never answered")`;
        execFileSync(join(ROOT, '.venv/bin/python'), ['-c', send, String(port), subject], { env, timeout: 30_000 });
        for (const [size, label] of [[WIDE, '1440'], [NARROW, '1024']]) {
          const page = await openAdmin(ctx, 'Mail (development)', size);
          await page.getByRole('button', { name: subject }).click();
          const mail = page.getByRole('article', { name: `Mail: ${subject}` });
          await mail.getByText('we received your referral.').waitFor();
          await mail.getByText('X-Refloop-Kind').waitFor();
          await mail.getByText('dr.adams@clinic.example').first().waitFor();
          await shot(ctx, page, `admin-mail-${label}`);
          await noHorizontalOverflow(page);
        }
      } finally {
        catcher.kill('SIGTERM');
      }
    },
  },
];
