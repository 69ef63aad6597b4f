#!/usr/bin/env python3
"""Fills the registers the portal's queues read, at a district's scale:
100,000 held messages, 20,000 incidents, 50,000 assets and a directory read
of 150,000 accounts with their password changes. Seeded: the same rows
every run. The people (`steward demo`) are already in the store.

  registers.py --sqlite STEWARD_DB         insert into a SQLite store
  registers.py --csv DIR                   one CSV per table, for COPY
  registers.py --columns TABLE             the columns of TABLE's CSV
"""
import csv
import json
import os
import random
import sqlite3
import sys

HELD, INCIDENTS, ASSETS, ACCOUNTS = 100_000, 20_000, 50_000, 150_000

VERDICT = json.dumps({
    "action": "quarantine", "enforced": True, "rule": "external-medium-quarantine",
    "clauses": ["E.2", "C.14"],
    "message": "This may contain confidential information (Date of birth) and is going "
               "outside the District. It is held for ITS to review; you will hear back.",
    "release_role": "its-admin", "destination": "external",
    "external_recipients": ["parent@example.net"],
    "rules": [{"rule": "external-medium-quarantine", "action": "quarantine",
               "categories": ["date-of-birth"]}],
    "notes": [], "findings": [], "policy": {"version": "bench", "sha256": "0" * 64}},
    separators=(",", ":"))

TABLES = {
    "quarantine": ("created_at, status, channel, action, rule, clauses, release_role, sender, "
                   "recipients, auth_user, client, subject, message_id, size, sha256, "
                   "body_sha256, verdict, sender_key, auth_key"),
    "incidents": ("opened_at, status, kind, clauses, subject_person, detail, coalesce_key, "
                  "last_at, repeats, severity, assignee, outcome, closed_at"),
    "assets": ("tag, serial, model, category, manufacturer, site, status, purchased_on, "
               "eol_on, cost, holder, issue_id, notes, added_at"),
    "directory_reads": "id, read_at, source, accounts, actor",
    "directory_accounts": ("id, entry_id, dn, username, email, display_name, disabled, service, "
                           "person_id, created_at, changed_at, source, first_read, gone_read"),
    "directory_password_changes": "account_id, changed_at, read_id",
}


def quarantine(rng):
    roles = ["its-admin"] * 7 + ["designee"] * 2 + ["supervisor"]
    for i in range(HELD):
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        who = f"user{rng.randint(1, 5000)}@example-usd.org"
        yield (day + "T10:00:00Z", "held" if rng.random() < 0.9 else "released", "mail",
               "quarantine", "external-medium-quarantine", "E.2,C.14", rng.choice(roles), who,
               "parent@example.net", "", "192.0.2.15", f"Field trip {i}", f"<b{i}@example-usd.org>",
               4000, f"{i:064x}", f"{i:064x}", VERDICT, who, "")


def incidents(rng):
    for i in range(INCIDENTS):
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T09:00:00Z"
        state = rng.choice(["new", "new", "triage", "investigating", "closed"])
        yield (day, state, "web-block", "L.3.a,E.2", f"user{i % 5000}",
               json.dumps({"host": "drive.google.com", "rule": "cloud-upload-confidential"}),
               f"user{i % 5000}\ndrive.google.com\ncloud-upload-confidential", day, 0, "medium",
               "", "done" if state == "closed" else "", day if state == "closed" else "")


def assets(rng):
    for i in range(ASSETS):
        year = rng.randint(2018, 2026)
        status = rng.choice(["in-stock"] * 6 + ["retired", "lost", "damaged"])
        yield (f"A-{i:06d}", f"SN{i:08d}", rng.choice(["Latitude 3440", "iPad", "Chromebook"]),
               "Laptop", "Dell", f"School {i % 40}", status, f"{year}-07-15", f"{year + 5}-07-15",
               "499.00", 0, 0, "", "2026-11-01T00:00:00Z")


def person(rng, n):
    """Nine accounts in ten are matched to someone in the people register
    (ids 1..150,000 from `steward demo`); the rest to nobody (N.1)."""
    return n if n <= 150_000 and rng.random() < 0.9 else 0


def directory(rng):
    now = 1796342400  # 2026-12-05
    # Beside what `steward demo` read (read 1, its accounts): read 2.
    yield "directory_reads", (2, "2026-12-04T02:00:00Z", "ldap://dc ou=staff", ACCOUNTS, "bench")
    for n in range(1, ACCOUNTS + 1):
        i = 1_000_000 + n
        changed = now - rng.randint(1, 400) * 86400
        yield "directory_accounts", (
            i, f"bench-{i}", f"uid=u{i},ou=staff,dc=district,dc=example", f"u{i}",
            f"u{i}@example-usd.org", f"User {i}", int(rng.random() < 0.02),
            int(rng.random() < 0.01), person(rng, n), 1722470400, changed, "ldap://dc ou=staff", 2, 0)
        yield "directory_password_changes", (i, changed, 2)


def all_rows():
    rng = random.Random(13)
    for row in quarantine(rng):
        yield "quarantine", row
    for row in incidents(rng):
        yield "incidents", row
    for row in assets(rng):
        yield "assets", row
    yield from directory(rng)


def main():
    if sys.argv[1] == "--columns":
        print(TABLES[sys.argv[2]])
    elif sys.argv[1] == "--sqlite":
        db = sqlite3.connect(sys.argv[2])
        for table, row in all_rows():
            cols = TABLES[table]
            marks = ", ".join("?" * len(row))
            db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", row)
        db.commit()
    elif sys.argv[1] == "--csv":
        os.makedirs(sys.argv[2], exist_ok=True)
        files = {t: open(os.path.join(sys.argv[2], t + ".csv"), "w", newline="") for t in TABLES}
        # Every field quoted: COPY reads an unquoted empty field as NULL.
        writers = {t: csv.writer(f, quoting=csv.QUOTE_ALL) for t, f in files.items()}
        for table, row in all_rows():
            writers[table].writerow(row)
        for f in files.values():
            f.close()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
