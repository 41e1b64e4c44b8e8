// End-to-end run against the real backend: a fresh database with the demo data, the API under uvicorn
// serving the built app, and Debian's Chromium. Prints one line per test and "N passed, N failed".
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launch } from './browser.mjs';
import { tests as coreTests } from './tests.mjs';

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(FRONTEND, '..');
const RESULTS = join(FRONTEND, 'test-results');
const DB = process.env.E2E_DB ?? 'refloop_e2e';
const PG = process.env.E2E_PG ?? 'postgresql://postgres@127.0.0.1:5432';
const env = {
  ...process.env,
  DATABASE_URL: `${PG}/${DB}`,
  REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  REFLOOP_ENVIRONMENT: 'development',
};
const TEST_TIMEOUT_MS = 120_000;

/** The core scenarios, then each file in e2e/suites/ in name order (E2E_ONLY=substring[,substring...] narrows the run). */
async function loadTests() {
  const dir = join(FRONTEND, 'e2e', 'suites');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort() : [];
  const all = [...coreTests];
  for (const f of files) all.push(...(await import(join(dir, f))).tests);
  const only = process.env.E2E_ONLY;
  const wanted = only ? only.split(',').map((s) => s.trim()).filter(Boolean) : [];
  return wanted.length ? all.filter((t) => wanted.some((w) => t.name.includes(w))) : all;
}

function step(label, cmd, args, opts = {}) {
  const started = Date.now();
  try {
    execFileSync(cmd, args, { cwd: ROOT, env, stdio: 'pipe', timeout: 300_000, ...opts });
  } catch (err) {
    process.stderr.write(String(err.stdout ?? '') + String(err.stderr ?? ''));
    throw new Error(`${label} failed: ${cmd} ${args.join(' ')}`);
  }
  console.log(`e2e: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

function withTimeout(promise, ms, name) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`${name} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  mkdirSync(RESULTS, { recursive: true });
  // Screenshots of this run only: an old FAILED-*.png must not outlive the failure.
  for (const f of readdirSync(RESULTS)) if (f.endsWith('.png')) rmSync(join(RESULTS, f));
  step(`fresh database ${DB}`, 'psql', [PG + '/postgres', '-qc', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`]);
  // Redis too: a queued job, a revocation marker or a login counter must not outlive the database it was about.
  step('fresh Redis database', 'redis-cli', ['-u', env.REDIS_URL, 'FLUSHDB']);
  step('migrate', join(ROOT, '.venv/bin/refloop'), ['migrate']);
  step('seed demo data', join(ROOT, '.venv/bin/refloop'), ['seed', '--demo', '--referrals', process.env.E2E_REFERRALS ?? '300']);
  if (process.env.E2E_SKIP_BUILD !== '1') step('build web app', 'npm', ['run', 'build', '--silent'], { cwd: FRONTEND });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(join(RESULTS, 'server.log'), 'w');
  const server = spawn(join(ROOT, '.venv/bin/python'), [
    '-m', 'uvicorn', 'api.main:create_app', '--factory', '--host', '127.0.0.1', '--port', String(port),
  ], { cwd: ROOT, env, stdio: ['ignore', log, log] });
  let passed = 0;
  const failures = [];
  let browser;
  try {
    await waitFor(`${base}/healthz`, 60_000);
    console.log(`e2e: API and web app at ${base}`);
    browser = await launch();
    const state = {};
    const tests = await loadTests();
    for (const t of tests) {
      const started = Date.now();
      const pages = [];
      const ctx = {
        base,
        state,
        results: RESULTS,
        newPage: async (size) => {
          const page = await browser.newPage(size);
          page.setDefaultTimeout(20_000);
          pages.push(page);
          return page;
        },
      };
      try {
        await withTimeout(t.fn(ctx), TEST_TIMEOUT_MS, t.name);
        passed += 1;
        console.log(`  ✓ ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failures.push({ name: t.name, error: String(err?.message ?? err).split('\n')[0] });
        console.log(`  ✗ ${t.name}\n    ${String(err?.stack ?? err).split('\n').slice(0, 6).join('\n    ')}`);
        await pages.at(-1)?.screenshot({ path: join(RESULTS, `FAILED-${t.name}.png`) }).catch(() => {});
      } finally {
        await Promise.all(pages.map((p) => p.close().catch(() => {})));
      }
    }
  } finally {
    await browser?.close();
    server.kill('SIGTERM');
  }
  // Repeated last, where a log cut to its tail still shows which test failed and why.
  for (const f of failures) console.log(`e2e: FAILED ${f.name}: ${f.error}`);
  console.log(`\ne2e: ${passed} passed, ${failures.length} failed`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(`e2e: ${err?.stack ?? err}`);
  process.exit(1);
});
