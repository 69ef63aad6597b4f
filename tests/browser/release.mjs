// A held message released from the portal's web queue in Chromium, by a
// person: tests/mail/postfix_test.sh runs it against a portal over the
// milter's store, then checks that Postfix delivered the message.
//   node release.mjs BASE_URL USER PASSWORD HELD_ID REASON
// Exit 0 when the page says the message was handed to the mail server; 77
// when Chromium or playwright-core is missing; 1 otherwise.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, user, password, id, reason] = process.argv.slice(2);
const source = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const require = createRequire(join(source, 'web', 'package.json'));
if (!existsSync(chromiumPath)) { console.log(`skipped: no Chromium at ${chromiumPath}`); process.exit(77); }
let chromium;
try { ({ chromium } = require('playwright-core')); } catch { console.log('skipped: playwright-core is not installed (make web)'); process.exit(77); }

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let ok = false;
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/held`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/held`);
  // The queue lists it; its page shows the message and the decisions.
  await page.click(`a[href="/held/${id}"]`);
  const form = page.locator(`form[action="/held/${id}/release"]`);
  await form.locator('textarea[name=reason]').fill(reason);
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('.notice:has-text("Released: it was handed to the mail server.")', { timeout: 10000 });
  ok = true;
  console.log(`released ${id} from the web queue as ${user}`);
} catch (e) {
  console.error(`FAIL: ${e.message}`);
} finally {
  await browser.close();
}
process.exit(ok ? 0 : 1);
