// What every end-to-end scenario uses: signing in, screenshots, keyboard and layout checks.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATABASE_URL = `${process.env.E2E_PG ?? 'postgresql://postgres@127.0.0.1:5432'}/${process.env.E2E_DB ?? 'refloop_e2e'}`;
const REDIS_URL = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/13';

export const PASSWORD = 'refloop-demo';
export const user = (role) => `${role}@refloop.local`;

export async function signIn(ctx, role, size) {
  const page = await ctx.newPage(size);
  await page.goto(`${ctx.base}/login`);
  await page.getByRole('textbox', { name: 'Email' }).fill(user(role));
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

export async function shot(ctx, page, name) {
  // Bounded: a page showing Chromium's PDF viewer never reports network idle to playwright.
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-label^="Loading"]'), null, { timeout: 15_000 }).catch(() => {});
  await page.waitForTimeout(400); // let charts and transitions settle
  await page.screenshot({ path: join(ctx.results, `${name}.png`), fullPage: false });
}

/** Presses Tab until `match` holds for the focused element; fails after `max` presses. */
export async function tabTo(page, match, max = 80) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(match)) return;
  }
  throw new Error(`focus never reached the element after ${max} Tab presses`);
}

export async function pickOption(page, label, option) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option }).first().click();
}

export async function noHorizontalOverflow(page) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width + 1, `page is ${scroll}px wide in a ${width}px window`);
}


/** axe-core's serious and critical violations on the page as it is now, as readable lines. */
export async function seriousAxeViolations(page) {
  const { createRequire } = await import('node:module');
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `[${v.impact}] ${v.id} at ${v.nodes.join(' | ')}`);
}

/** Sends queued e-mail through the real delivery path into a development mail catcher, so it shows under
 * Admin > Mail. `match` picks the messages: `{ address }` (a staff invitation) or `{ referralId, kind }`
 * (a patient's message). Links in the mail point at the app under test. */
export function deliverQueuedMail(ctx, match) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  // Quiet hours off for this hand-driven send: after 20:00 in the patient's zone it would be deferred to the
  // morning, and these tests are about what the mail leads to, not when it may leave.
  const env = { ...process.env, DATABASE_URL, REDIS_URL, REFLOOP_ENVIRONMENT: 'development',
    SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), REFLOOP_WEB_APP_URL: ctx.base,
    OUTREACH_QUIET_START_HOUR: '0', OUTREACH_QUIET_END_HOUR: '0' };
  const catcher = spawn(join(ROOT, '.venv/bin/refloop'), ['mail-catcher', '--port', String(port)], { cwd: ROOT, env, stdio: 'ignore' });
  try {
    const send = `
import asyncio, json, socket, sys, time, uuid
from sqlalchemy import select
from domain.shared.db import unit_of_work
from domain.shared.outbox import MessageStatus, OutboxMessage
from workers.jobs.outreach import send_message
port, match = int(sys.argv[1]), json.loads(sys.argv[2])
for _ in range(50):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
    except OSError: time.sleep(0.2)
async def main():
    where = [OutboxMessage.status == MessageStatus.queued, OutboxMessage.channel == "email"]
    if "address" in match:
        where.append(OutboxMessage.recipient_address == match["address"])
    else:
        where += [OutboxMessage.referral_id == uuid.UUID(match["referralId"]), OutboxMessage.kind == match["kind"]]
    async with unit_of_work() as s:
        due = [(str(m.id), m.version) for m in (await s.execute(select(OutboxMessage).where(*where))).scalars()]
    outcomes = [await send_message({}, i, v) for i, v in due]
    if outcomes != ["sent"] * len(due) or not due: sys.exit(f"not sent: {outcomes}")
asyncio.run(main())`;
    execFileSync(join(ROOT, '.venv/bin/python'), ['-c', send, String(port), JSON.stringify(match)], { cwd: ROOT, env, timeout: 60_000 });
  } finally {
    catcher.kill('SIGTERM');
  }
}
