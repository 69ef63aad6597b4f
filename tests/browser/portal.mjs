// The portal's main paths in a real browser (Debian's Chromium driven by
// playwright-core): an administrator signs in, imports a roster, stores the
// regulation, creates an employee's account and opens a campaign; the
// employee signs in, opens the regulation and acknowledges it; the
// administrator sees the dashboard move and exports CSV and XLSX. A records
// custodian places a hold and makes a destruction list, which a second
// custodian approves; carried out from the shell, it deletes the one item.
// The teacher reports a security problem, which ITS triages and closes,
// and asks to install software, which ITS approves.
// Screenshots of each step go to $SCREENSHOTS.
//
// Usage: node portal.mjs  (env: STEWARD_BIN, STEWARD_CORPUS_BIN, SCREENSHOTS)
// Exit 77 (skipped) when Chromium or playwright-core is absent, unless
// STEWARD_REQUIRE_BROWSER=1. Checks of what a page shows wait for it (up to
// ten seconds) rather than looking once right after a click.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', '..');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const require = createRequire(join(source, 'web', 'package.json'));
const skip = (why) => {
  if (process.env.STEWARD_REQUIRE_BROWSER === '1') { console.error(`FAIL: ${why}`); process.exit(1); }
  console.log(`skipped: ${why}`); process.exit(77);
};
if (!existsSync(chromiumPath)) skip(`no Chromium at ${chromiumPath} (apt-get install chromium)`);
let chromium;
try { ({ chromium } = require('playwright-core')); } catch { skip('playwright-core is not installed (make web)'); }

const steward = process.env.STEWARD_BIN;
const corpus = process.env.STEWARD_CORPUS_BIN;
const shots = process.env.SCREENSHOTS || join(tmpdir(), 'steward-screenshots');
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'steward-browser-'));
const data = join(work, 'data');
const adminPassword = 'Harbour-Lamps-42!';
const employeePassword = 'Quiet-Orchard-77#';

// Whether something matching `selector` shows on the page within `timeout`:
// waits, so a check made just after a click sees the page it led to.
async function shows(p, selector, timeout = 10000) {
  try {
    await p.locator(selector).first().waitFor({ state: 'visible', timeout });
    return true;
  } catch {
    return false;
  }
}

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log(`ok - ${what}`);
}

// A roster, zipped as a district would upload it.
execFileSync(corpus, ['--roster', join(work, 'roster'), '--students', '300', '--employees', '40', '--seed', '3']);
execFileSync('python3', ['-c', `import zipfile,os,sys
d=sys.argv[1]
with zipfile.ZipFile(sys.argv[2],'w') as z:
  [z.write(os.path.join(d,f), f) for f in sorted(os.listdir(d))]`, join(work, 'roster'), join(work, 'roster.zip')]);
const users = readFileSync(join(work, 'roster', 'users.csv'), 'utf8').split('\n');
const teacher = users.find((l) => l.includes(',teacher,')).split(',');
const teacherName = `${teacher[8]} ${teacher[9]}`;
const teacherEmail = teacher[12];
writeFileSync(join(work, 'regulation.html'),
  '<!doctype html><html lang="en"><body><h1>Employee Use of Technology</h1>' +
  '<p>E.2 Confidential student records are never sent outside the District unencrypted.</p></body></html>');

execFileSync(steward, ['admin', 'create-user', 'admin', '--name', 'Avery Admin', '--role', 'its-admin',
  '--role', 'designee', '--data', data, '--cracklib', 'off'], { input: adminPassword + '\n' });
// Two records custodians, and a mailbox in the register: mail of 2022 that
// may go, and a personnel notice that is kept.
const custodianPassword = 'Amber-Ledger-58$';
for (const [name, full] of [['ann', 'Ann Archivist'], ['ben', 'Ben Binder']]) {
  execFileSync(steward, ['admin', 'create-user', name, '--name', full, '--role', 'records-custodian',
    '--data', data, '--cracklib', 'off'], { input: custodianPassword + '\n' });
}
const maildir = join(work, 'Maildir');
for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, d), { recursive: true });
const mail = (subject, date, body) => `From: alice@example-usd.org\r\nTo: bob@example-usd.org\r\n` +
  `Subject: ${subject}\r\nDate: ${date}\r\n\r\n${body}\r\n`;
writeFileSync(join(maildir, 'cur', '1664816400.M1P1.host:2,S'),
  mail('Lunch on Friday', 'Mon, 3 Oct 2022 10:00:00 -0700', 'Lunch at noon?'));
writeFileSync(join(maildir, 'cur', '1664902800.M2P1.host:2,S'),
  mail('Evaluation', 'Tue, 4 Oct 2022 10:00:00 -0700',
    'Your annual performance evaluation and the disciplinary action notice for your personnel file.'));
execFileSync(steward, ['records', 'index', maildir, '--custodian', 'bob', '--reason', 'records review',
  '--data', data, '--no-progress']);

// A District site audited from its folder (exit 1: it has findings).
const siteRun = spawnSync(steward, ['site', 'audit', '--no-progress', '--data', data,
  '--url', 'https://www.example-usd.org/', join(source, 'tests', 'publish', 'site')]);
if (siteRun.status !== 1) throw new Error(`site audit: ${siteRun.stderr}`);

// A portal over the store in `dir`, on a free port: its process and URL.
const serve = async (dir, extra = []) => {
  const proc = spawn(steward, ['serve', '--data', dir, '--listen', '127.0.0.1:0', '--quiet', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`steward serve exited ${code}`)));
    setTimeout(() => reject(new Error('steward serve did not start')), 15000);
  });
  return { proc, url };
};
const { proc: server, url: base } = await serve(data);

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let page;
let failed = false;
try {
  const admin = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await admin.newPage();
  await page.goto(base + '/dashboard');
  check(page.url().includes('/sign-in?next='), 'an anonymous visit goes to sign-in');
  await page.screenshot({ path: join(shots, '01-sign-in.png') });
  await page.fill('#username', 'admin');
  await page.fill('#password', 'not it');
  await page.click('button[type=submit]');
  check(await shows(page, 'text=The user name or password is wrong'), 'a wrong password is told plainly');
  await page.fill('#password', adminPassword);
  await page.click('button[type=submit]');
  await page.waitForURL(base + '/dashboard');
  check(true, 'the administrator signs in and lands where they were going');

  // Accessibility basics on every page the administrator sees.
  for (const path of ['/', '/dashboard', '/people', '/import', '/versions', '/campaigns', '/accounts', '/audit', '/account', '/records', '/records/requests', '/sites', '/sites/audits/1', '/review', '/held', '/incidents', '/report', '/approvals', '/rulings', '/vendors', '/vendors/new', '/equipment', '/equipment/new', '/equipment/mine']) {
    await page.goto(base + path);
    const unlabelled = await page.$$eval('input:not([type=hidden]), select', (els) =>
      els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.name));
    check(unlabelled.length === 0, `${path}: every field has a label${unlabelled.length ? ' (missing: ' + unlabelled + ')' : ''}`);
    check(await page.$eval('html', (h) => h.lang) === 'en', `${path}: the page declares its language`);
  }

  await page.goto(base + '/import');
  await page.setInputFiles('#roster', join(work, 'roster.zip'));
  await page.click('form[action="/import/oneroster"] button');
  await page.waitForSelector('#import-report');
  const summary = await page.textContent('#import-report .ok');
  check(/340 people loaded/.test(summary), `the roster imports: "${summary.trim()}"`);
  check(await shows(page, 'td:text("roster.zip")'), 'the import is listed under the uploaded file\'s name');
  await page.screenshot({ path: join(shots, '02-import.png'), fullPage: true });

  await page.goto(base + '/versions');
  await page.fill('#title', 'Employee Use of Technology, 2026–27');
  await page.setInputFiles('#document', join(work, 'regulation.html'));
  await page.click('form[action="/versions"] button');
  check(await shows(page, '.notice:has-text("Stored")'), 'the regulation is stored with its hash');

  await page.goto(base + '/accounts');
  await page.fill('#username', 'teacher');
  await page.fill('#display_name', teacherName);
  await page.fill('#email', teacherEmail);
  await page.fill('#password', employeePassword);
  await page.click('form[action="/accounts"] button[type=submit]');
  check(await shows(page, '.notice:has-text("linked to the directory")'), `an account for ${teacherName} is linked to the directory`);

  await page.goto(base + '/campaigns');
  await page.fill('#c-title', 'Annual acknowledgement 2026–27');
  await page.click('form[action="/campaigns"] button[type=submit]');
  await page.waitForURL(/\/dashboard\?campaign=1/);
  const before = Number(await page.textContent('#overall-done'));
  check(before === 0, 'the campaign opens with nobody done');
  await page.screenshot({ path: join(shots, '03-dashboard-before.png'), fullPage: true });

  // The employee, in a browser of their own.
  const employee = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const ep = await employee.newPage();
  await ep.goto(base + '/');
  await ep.fill('#username', 'teacher');
  await ep.fill('#password', employeePassword);
  await ep.click('button[type=submit]');
  await ep.click('text=Read and acknowledge');
  await ep.waitForURL(/\/acknowledge\/1$/);
  await ep.waitForFunction(() => !document.querySelector('#acknowledge').disabled, null, { timeout: 10000 });
  check(true, 'the acknowledge button is enabled once the regulation has loaded');
  const frameText = await ep.frameLocator('#document-frame').locator('h1').textContent();
  check(frameText === 'Employee Use of Technology', 'the regulation shows in the page');
  await ep.screenshot({ path: join(shots, '04-acknowledge.png'), fullPage: true });
  await ep.click('#acknowledge');
  check(await shows(ep, '.notice:has-text("Thank you")'), 'the employee is thanked');
  check(await shows(ep, 'text=Acknowledged'), 'the home page shows it done');
  await ep.screenshot({ path: join(shots, '05-employee-done.png'), fullPage: true });
  const denied = await ep.goto(base + '/dashboard');
  check(denied.status() === 403, 'the employee may not see the dashboard');

  await page.goto(base + '/dashboard?campaign=1');
  const after = Number(await page.textContent('#overall-done'));
  check(after === 1, 'the dashboard moves to one acknowledgement');
  await page.screenshot({ path: join(shots, '06-dashboard-after.png'), fullPage: true });
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
  const csvText = readFileSync(await csv.path(), 'utf8');
  const row = csvText.split('\r\n').find((l) => l.includes(teacherName));
  check(row && /\d{4}-\d\d-\d\dT/.test(row.split('","')[6]), 'the CSV export has the acknowledgement with its time');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('text=Export XLSX')]);
  check(readFileSync(await xlsx.path()).subarray(0, 2).toString() === 'PK', 'the XLSX export is a workbook');

  // Student work (H.4.a): the teacher submits a kindergartner's poem that
  // names her in full; ITS approves it with the name her parents' (absent)
  // permission allows and the copyright notice; the teacher downloads that.
  const pupil = users.find((l) => l.includes(',student,')).split(',');
  const pupilName = `${pupil[8]} ${pupil[9]}`;
  const manager = users.filter((l) => l.includes(',teacher,'))[1].split(',')[12];
  execFileSync(steward, ['site', 'register', 'https://www.example-usd.org/poems/', '--name', 'Poetry corner',
    '--kind', 'classroom', '--content-manager', manager, '--data', data]);
  await ep.goto(base + '/review');
  await ep.fill('input[name=student]', pupilName);
  await ep.fill('input[name=title]', 'The ocean');
  await ep.fill('textarea[name=text]', `The ocean is wide, by ${pupilName}.`);
  await ep.click('form[action="/review"] button[type=submit]');
  await ep.waitForURL(/\/review\/1$/);
  check(await shows(ep, '.notice:has-text("Submitted for review")'), 'the teacher submits a student\'s work');
  check(await shows(ep, 'table.findings td.found'), 'the gate\'s findings show beside the work');
  check(!(await ep.isVisible('text=Approve for posting')), 'the teacher, not the site\'s manager, cannot approve it');
  const early = await ep.goto(base + '/review/1/download');
  check(!early.headers()['content-disposition'], 'work not yet approved cannot be downloaded');
  await ep.screenshot({ path: join(shots, '05b-review-submitted.png'), fullPage: true });
  await page.goto(base + '/review');
  check(await shows(page, 'a:text("The ocean")'), 'the work waits for review');
  await page.click('a:text("The ocean")');
  check(await shows(page, 'text=The parents allowed'), 'the reviewer sees the student\'s permission');
  await page.screenshot({ path: join(shots, '05c-review-decide.png'), fullPage: true });
  await page.click('text=Approve for posting');
  check(await shows(page, '.notice:has-text("Approved")'), 'ITS approves it with the name and notice applied');
  await ep.goto(base + '/review/1');
  const [approvedWork] = await Promise.all([ep.waitForEvent('download'), ep.click('text=Download it for posting')]);
  const posted = readFileSync(await approvedWork.path(), 'utf8');
  check(!posted.includes(pupilName) && posted.includes('\u00a9'),
    `what may be posted names no student in full and carries the notice: "${posted.trim()}"`);

  // Reports and incidents (K.2, M): the teacher reports a possible
  // security problem; ITS triages and assigns it, then closes it with its
  // outcome; the teacher sees it closed, not the outcome.
  await ep.goto(base + '/report');
  await ep.check('input[name=kind][value=security-problem]');
  await ep.fill('textarea[name=summary]', 'The front office password is on a sticky note on the library computer.');
  await ep.fill('input[name=where]', 'Library');
  await ep.click('form[action="/report"] button[type=submit]');
  check(await shows(ep, '.notice:has-text("Your report is incident 1")'), 'the teacher reports a possible security problem');
  check(await shows(ep, 'td:text("new")'), 'and sees the report waiting');
  await ep.screenshot({ path: join(shots, '05d-report.png'), fullPage: true });
  await page.goto(base + '/');
  check(await shows(page, 'text=1 new incident(s) wait for triage'), 'the administrator\'s home page counts the new incident');
  await page.goto(base + '/incidents');
  await page.click('a:text("#1")');
  check(await shows(page, 'text=sticky note'), 'the report\'s words show on the incident');
  await page.selectOption('select[name=status]', 'investigating');
  await page.selectOption('select[name=assignee]', 'admin');
  await page.fill('textarea[name=note]', 'Asked the office to change it.');
  await page.click('form[action="/incidents/1"] button[type=submit]');
  check(await shows(page, '.notice:has-text("Saved")'), 'ITS assigns it and starts investigating');
  await page.selectOption('select[name=status]', 'closed');
  await page.fill('textarea[name=outcome]', 'Password changed; the note shredded.');
  await page.click('form[action="/incidents/1"] button[type=submit]');
  check(await shows(page, 'dd:has-text("Password changed")'), 'it is closed with its outcome');
  check(await shows(page, 'td:text("outcome")') && await shows(page, 'td:text("note")'), 'the timeline shows each step');
  check(!(await page.isVisible('form[action="/incidents/1"]')), 'a closed incident offers no more changes');
  await page.screenshot({ path: join(shots, '05e-incident.png'), fullPage: true });
  await ep.goto(base + '/report');
  check(await shows(ep, 'td:has-text("closed")'), 'the teacher sees the report closed');
  check(!(await ep.isVisible('text=note shredded')), 'but not the investigation\'s outcome');

  // Requests for consent (I.4): the teacher asks to install software; the
  // administrator (ITS) approves it; the teacher sees the decision.
  await ep.goto(base + '/approvals');
  await ep.click('a:text("Software to install on a District computer")');
  await ep.fill('input[name=f_software]', 'GeoGebra Classic 6');
  await ep.fill('input[name=f_computers]', 'Room 14 laptops');
  await ep.fill('input[name=f_licence]', 'free for schools');
  await ep.fill('textarea[name=f_purpose]', 'Geometry lessons');
  await ep.click('form[action="/approvals"] button[type=submit]');
  check(await shows(ep, '.notice:has-text("Request 1 sent")'), 'the teacher asks to install software');
  check(!(await ep.isVisible('form[action="/approvals/1/decide"]')), 'the requester is offered no decision');
  await page.goto(base + '/');
  check(await shows(page, 'text=1 request(s) wait for your decision'), 'the administrator\'s home page counts the request');
  await page.goto(base + '/approvals/1');
  check(await shows(page, 'dd:has-text("GeoGebra Classic 6")'), 'the administrator sees what was asked');
  await page.fill('form[action="/approvals/1/decide"]:has(input[value=approve]) textarea[name=reason]', 'Licensed for the lab.');
  await page.click('button:text("Approve")');
  check(await shows(page, '.notice:has-text("Approved")'), 'ITS approves it');
  await page.screenshot({ path: join(shots, '05f-request.png'), fullPage: true });
  await ep.goto(base + '/approvals?view=mine&state=all');
  check(await shows(ep, 'td:text("approved")'), 'the teacher sees it approved');

  // The vendor registry (E.6, E.7): ITS adds a vendor and its agreement,
  // checks off every term with where the agreement says it and keeps the
  // attestation; only then is it in force, and every employee reads it.
  await page.goto(base + '/vendors/new');
  await page.fill('input[name=name]', 'Gradebook Co');
  await page.fill('input[name=domains]', 'gradebook.example.net');
  await page.click('form[action="/vendors"] button[type=submit]');
  check(await shows(page, '.notice:has-text("Vendor added")'), 'ITS adds a vendor');
  await page.fill('input[name=title]', 'Hosting agreement');
  await page.fill('input[name=signed_on]', '2026-01-05');
  await page.fill('input[name=starts_on]', '2026-01-05');
  await page.fill('input[name=expires_on]', '2040-06-30');
  await page.check('input[name="cat_student-id"]');
  await page.click('form[action="/vendors/1/agreements"] button[type=submit]');
  check(await shows(page, 'dd:has-text("incomplete")'), 'a new agreement is incomplete until its terms are checked');
  for (;;) {
    const form = page.locator('form[action="/agreements/1/term"]:has(button:text("Check off"))').first();
    if (!(await form.count())) break;
    await form.locator('input[name=evidence]').fill('section 4, page 2');
    await form.locator('button').click();
    await page.waitForSelector('.notice:has-text("Term checked off")');
  }
  await page.fill('input[name=signatory]', 'Pat Vendor');
  await page.fill('input[name=attested_on]', '2026-01-05');
  await page.click('button:text("Keep the attestation")');
  check(await shows(page, 'dd strong:text("in force")'), 'with every term and the attestation, the agreement is in force');
  await page.screenshot({ path: join(shots, '05g-vendor.png'), fullPage: true });
  await ep.goto(base + '/vendors?show=in-force');
  check(await shows(ep, 'td:has-text("Gradebook Co")'), 'an employee reads which vendors are approved');
  check(!(await ep.isVisible('a:text("Add a vendor")')), 'but cannot add one');

  // Equipment (R, K.7): ITS adds a laptop and issues it to the teacher,
  // who reads the terms and accepts them; ITS sees the acknowledgement.
  await page.goto(base + '/equipment/new');
  await page.fill('form[action="/equipment"] input[name=tag]', 'LES-2001');
  await page.fill('form[action="/equipment"] input[name=model]', 'Latitude 3440');
  await page.fill('form[action="/equipment"] input[name=serial]', '5CD2401ABC');
  await page.click('form[action="/equipment"] button[type=submit]');
  check(await shows(page, '.notice:has-text("Added, in stock")'), 'ITS adds a laptop');
  await page.fill('input[name=employee]', teacherEmail);
  await page.click('form[action$="/issue"] button[type=submit]');
  check(await shows(page, 'h2:has-text("Issued to")'), 'and issues it to the teacher');
  await ep.goto(base + '/');
  await ep.click('a:has-text("wait for your acknowledgement")');
  await ep.click('a:has-text("LES-2001")');
  check(await shows(ep, 'pre:has-text("locked up")'), 'the teacher reads the equipment terms');
  await ep.click('button:text("I have read these terms and accept them")');
  check(await shows(ep, '.notice:has-text("you acknowledged the terms for LES-2001")'), 'and accepts them');
  await ep.screenshot({ path: join(shots, '05h-equipment.png'), fullPage: true });
  await page.goto(base + '/equipment?view=issued');
  await page.click('a:text("LES-2001")');
  check(await shows(page, 'p:has-text("acknowledged 20")'), 'ITS sees the acknowledgement with its evidence');

  // The directory's accounts (N.1, N.2), read from the tests' slapd when
  // there is one (scripts/test.sh starts it).
  const ldapUrl = process.env.STEWARD_TEST_PPOLICY_URL;
  if (ldapUrl) {
    execFileSync(steward, ['directory', 'read', '--data', data, '--url', ldapUrl,
      '--base', 'ou=people,dc=example-usd,dc=org']);
    await page.goto(base + '/');
    await page.click('a:has-text("have no current employee behind them")');
    check(await shows(page, 'tr:has-text("cbabbage"):has-text("no employee")'), 'ITS sees an account with nobody behind it (N.1)');
    await page.click('a:has-text("Password not changed")');
    check(await shows(page, 'tr:has-text("mhamilton")'), 'and a password not changed this semester (N.2)');
    await page.screenshot({ path: join(shots, '05i-directory.png'), fullPage: true });
    const [dirCsv] = await Promise.all([page.waitForEvent('download'), page.click('a:text("CSV")')]);
    check(/mhamilton/.test(readFileSync(await dirCsv.path(), 'utf8')), 'the list exports as CSV');
    const dirDenied = await ep.goto(base + '/directory');
    check(dirDenied.status() === 403, 'an employee may not read the directory lists');
  } else if (process.env.STEWARD_REQUIRE_LDAP) {
    check(false, 'STEWARD_TEST_PPOLICY_URL is set where slapd runs');
  }

  await page.goto(base + '/audit');
  check(await shows(page, 'td:text("acknowledge")'), 'the acknowledgement is in the audit log');
  await page.screenshot({ path: join(shots, '07-audit.png'), fullPage: true });

  // The site report: the audit's findings by page, what to do, the CSV.
  await page.goto(base + '/sites');
  check(await shows(page, 'h2:text("https://www.example-usd.org/")'), 'the audited site is listed');
  check(await shows(page, 'tr:has-text("Poetry corner"):has-text("classroom")'),
    'the site registry lists the classroom site with its content manager');
  await page.screenshot({ path: join(shots, '07b-sites.png'), fullPage: true });
  await page.click('a[href="/sites/audits/1"] >> nth=0');
  check(await shows(page, 'td:has-text("Pay-per-click or affiliate advertising")'), 'the audit shows the advertising script');
  check(await shows(page, 'text=Remove the <script> that loads pagead2.googlesyndication.com'), 'and says what to do');
  const [siteCsv] = await Promise.all([page.waitForEvent('download'), page.click('text=Findings as CSV')]);
  check(readFileSync(await siteCsv.path(), 'utf8').includes('payment-widget'), 'the findings export as CSV');
  await page.screenshot({ path: join(shots, '07c-site-audit.png'), fullPage: true });

  // Records: Ann places a hold and makes a destruction list; Ben decides it.
  const signIn = async (name) => {
    const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(base + '/sign-in');
    await p.fill('#username', name);
    await p.fill('#password', custodianPassword);
    await p.click('button[type=submit]');
    await p.waitForURL(base + '/');
    return p;
  };
  const ann = await signIn('ann');
  await ann.goto(base + '/records');
  check(await shows(ann, 'tr:has-text("Lunch on Friday"):has-text("may be destroyed")'),
    'the 2022 lunch note may be destroyed');
  check(await shows(ann, 'tr:has-text("Evaluation"):has-text("Class 1: kept permanently")'),
    'the personnel notice is kept as Class 1');
  await ann.click('summary:text("Place a hold…")');
  await ann.fill('#matter', 'Doe v. District');
  await ann.fill('#reason', 'Litigation notice');
  await ann.fill('#subject', 'Evaluation');
  await ann.click('form[action="/records/holds"] button[type=submit]');
  check(await shows(ann, '.notice:has-text("Hold 1 placed")'), 'a hold is placed');
  check(await shows(ann, 'td:has-text("subject contains")'), 'the hold says what it covers');
  await ann.click('form[action="/records/lists"] button[type=submit]');
  await ann.waitForURL(/\/records\/lists\/1$/);
  check(await shows(ann, '.notice:has-text("nothing was deleted")'), 'making a list deletes nothing');
  check(await shows(ann, 'text=another records custodian decides it'), 'the author is told someone else decides');
  check(!(await ann.isVisible('button[value=approve]')), 'the author has no approve button');
  const forged = await ann.request.post(base + '/records/lists/1/decide', {
    form: { csrf: await ann.inputValue('input[name=csrf] >> nth=0').catch(() => ''), decision: 'approve' },
  });
  check(forged.status() < 500, 'a forged approval by the author is answered');
  await ann.screenshot({ path: join(shots, '08-records-list.png'), fullPage: true });

  // A public-records request, from intake to the letter.
  await ann.goto(base + '/records/requests');
  await ann.fill('#requester', 'J. Reporter');
  await ann.fill('#contact', 'reporter@example.com');
  await ann.fill('#description', 'All mail about the bus contract, 2025.');
  await ann.click('form[action="/records/requests"] button[type=submit]');
  await ann.waitForURL(/\/records\/requests\/1$/);
  check(await shows(ann, '.notice:has-text("the determination is due")'), 'a request is received with its due day');
  check(await shows(ann, 'text=lacks the determination'), 'the letter cannot go without a determination');
  // Finding the records: a two-word subject, as the browser sends it ('+').
  await ann.fill('#s-subject', 'Lunch on');
  await ann.click('form:has(input[name=search]) button[type=submit]');
  check(await shows(ann, 'p:has-text("1 items match")'), 'the register is searched from the request');
  check(await shows(ann, 'code:has-text("--items 1 --out")'), 'the page gives the command that releases them');
  await ann.fill('#determination', 'Released in part on 15 December.');
  await ann.selectOption('#exemption', '7927.705');
  await ann.fill('#withheld', 'student names');
  await ann.click('form:has(input[value=determine]) button[type=submit]');
  check(await shows(ann, 'text=lacks the names and titles'), 'a withholding needs the names of those responsible');
  await ann.fill('#determination', 'Released in part on 15 December.');
  await ann.selectOption('#exemption', '7927.705');
  await ann.fill('#withheld', 'student names');
  await ann.fill('#name', 'Ann Archivist');
  await ann.fill('#title', 'Custodian of Records');
  await ann.click('form:has(input[value=determine]) button[type=submit]');
  check(await shows(ann, 'pre:has-text("Ann Archivist, Custodian of Records")'), 'the letter names who is responsible');
  await ann.click('form:has(input[value=sent]) button[type=submit]');
  check(await shows(ann, 'text=State: closed'), 'the request is closed once the letter went');
  await ann.screenshot({ path: join(shots, '10-request.png'), fullPage: true });
  const ben = await signIn('ben');
  await ben.goto(base + '/records/lists/1');
  check(await shows(ben, 'td:text("2022-23")'), 'the list names the school year');
  check(await shows(ben, 'text=waiting'), 'the list waits for a decision, whatever the author tried');
  await ben.fill('#note', 'Checked against the hold list');
  await ben.click('button[value=approve]');
  check(await shows(ben, '.notice:has-text("Approved")'), 'a second custodian approves it');
  await ben.screenshot({ path: join(shots, '09-records-approved.png'), fullPage: true });

  // The demo district: the mail door held three insults from one employee
  // to one colleague, and the third opened a C.19 incident through the
  // enforcement layer's escalation; ITS triages it and closes it.
  const demo = join(work, 'demo');
  execFileSync(corpus, ['--roster', join(demo, 'roster'), '--students', '60', '--employees', '20', '--seed', '5']);
  const demoOut = execFileSync(steward, ['demo', '--data', join(demo, 'data'), '--roster', join(demo, 'roster')]).toString();
  const demoAdmin = demoOut.match(/administrator:\s+admin \/ (\S+)/)[1];
  // A sendmail that keeps what it is handed, to see what a release sent.
  const sent = join(demo, 'sent.eml');
  const fakeSendmail = join(demo, 'sendmail');
  writeFileSync(fakeSendmail, `#!/bin/sh\ncat >> '${sent}'\n`, { mode: 0o755 });
  const demoServer = await serve(join(demo, 'data'), ['--sendmail', fakeSendmail, '--no-reminders']);
  try {
    const its = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await its.goto(demoServer.url + '/sign-in');
    await its.fill('#username', 'admin');
    await its.fill('#password', demoAdmin);
    await its.click('button[type=submit]');
    await its.waitForURL(demoServer.url + '/');
    await its.goto(demoServer.url + '/incidents');
    await its.click('tr:has-text("Repeated conduct toward a person") a');
    check(await shows(its, 'li:has-text("C.19")'), 'the C.19 incident opened by the escalation cites its clause');
    check(await shows(its, 'td a:has-text("quarantine/")'), 'the held message that opened it is its evidence');
    await its.selectOption('select[name=status]', 'triage');
    await its.selectOption('select[name=assignee]', 'admin');
    await its.fill('textarea[name=note]', 'Spoke with the principal; the colleague was told.');
    await its.click('form:has(select[name=status]) button[type=submit]');
    check(await shows(its, '.notice:has-text("Saved.")') && await shows(its, 'dd strong:text("triage")'), 'ITS takes it into triage and assigns it');
    await its.selectOption('select[name=status]', 'closed');
    await its.fill('textarea[name=outcome]', 'Written warning under C.16 and C.18; messages stay held.');
    await its.click('form:has(select[name=status]) button[type=submit]');
    check(await shows(its, 'dd strong:text("closed")') && await shows(its, 'dd:has-text("Written warning")'), 'and closes it with its outcome');
    check(await shows(its, 'text=Spoke with the principal'), 'the timeline keeps the note');
    await its.screenshot({ path: join(shots, '06c-incident-closed.png'), fullPage: true });
    // The bake-sale mail to all staff waits for the designee (C.12); the
    // request that names it is approved, and that releases it.
    await its.goto(demoServer.url + '/approvals/1');
    check(await shows(its, 'dd:has-text("bake sale")'), 'the designee reads the mass-mail request');
    await its.fill('form:has(input[value=approve]) textarea[name=reason]', 'Approved for the band trip.');
    await its.click('form:has(input[value=approve]) button[type=submit]');
    check(await shows(its, '.notice:has-text("was released and handed to the mail server")'), 'approving it releases the held message');
    check(existsSync(sent) && /Band bake sale/.test(readFileSync(sent, 'utf8')), 'and the message goes to the mail server');
  } finally {
    demoServer.proc.kill('SIGTERM');
  }
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
  if (page) await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  for (const ctx of browser.contexts()) for (const [i, p] of ctx.pages().entries()) await p.screenshot({ path: join(shots, `failure-${browser.contexts().indexOf(ctx)}-${i}.png`), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
if (!failed) {
  try {
    const out = execFileSync(steward, ['records', 'execute', '1', '--as', 'ben', '--data', data]).toString();
    check(/1 destroyed, 0 kept/.test(out), `the approved list is carried out: ${out.trim()}`);
    check(!existsSync(join(maildir, 'cur', '1664816400.M1P1.host:2,S')), 'the lunch note is gone');
    check(existsSync(join(maildir, 'cur', '1664902800.M2P1.host:2,S')), 'the held Class 1 notice stays');
  } catch (e) {
    failed = true;
    console.error(`FAIL: ${e.message}`);
  }
}
const verify = (() => {
  try { return execFileSync(steward, ['audit', 'verify', '--data', data]).toString(); } catch (e) { failed = true; return e.stdout?.toString() || e.message; }
})();
console.log(verify.trim());
rmSync(work, { recursive: true, force: true });
console.log(`screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
