#!/usr/bin/env python3
"""Writes N records items of a generated district straight into a register:
Class 3 mail of the school years 2016-2026, Class 1 board mail and
personnel records, unclassified project folders, 2,000 custodians, 1 % with
"grievance" in the subject. Seeded: the same items every run.

  records_items.py --sqlite STEWARD_DB N     insert into a SQLite store
  records_items.py --csv FILE N              CSV for PostgreSQL's COPY
  records_items.py --columns                 the CSV's columns
"""
import csv
import random
import sqlite3
import sys

COLUMNS = ("source, locator, path, kind, custodian, folder, message_id, sender, recipients, "
           "subject, made_at, made_day, size, sha256, categories, record_class, class_rule, "
           "class_reason, audit_done, state, indexed_at")


def rows(n):
    rng = random.Random(11)
    for i in range(n):
        year = rng.randint(2016, 2026)
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        folder = rng.choice(["INBOX", "INBOX", "Sent", "Archive", "Board", "Projects"])
        cats = "personnel-record" if rng.random() < 0.02 else ""
        cls = "class-1" if folder == "Board" or cats else (
            "unclassified" if folder == "Projects" else "class-3")
        who = f"user{rng.randint(1, 2000)}"
        yield (f"/srv/mail/{who}/Maildir", f"cur/{i}.M{i}P1.host", f"cur/{i}.M{i}P1.host:2,S",
               "mail", who, folder, f"<{i}@example-usd.org>", "a@example-usd.org",
               "b@example-usd.org",
               f"Subject {i}" + (" grievance" if rng.random() < 0.01 else ""),
               day + "T12:00:00Z", day, 4000, f"{i:064x}", cats, cls, "", "", "", "present",
               "2026-12-01T00:00:00Z")


def main():
    if sys.argv[1:] == ["--columns"]:
        print(COLUMNS)
        return
    if len(sys.argv) != 4 or sys.argv[1] not in ("--sqlite", "--csv"):
        sys.exit(__doc__)
    mode, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "--csv":
        with open(target, "w", newline="") as f:
            # Quoted, so that an empty field is an empty string, not NULL.
            csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows(n))
        return
    db = sqlite3.connect(target)
    marks = ",".join("?" * len(COLUMNS.split(",")))
    batch = []
    for row in rows(n):
        batch.append(row)
        if len(batch) == 50000:
            db.executemany(f"INSERT INTO records_items ({COLUMNS}) VALUES ({marks})", batch)
            batch.clear()
    db.executemany(f"INSERT INTO records_items ({COLUMNS}) VALUES ({marks})", batch)
    db.commit()


if __name__ == "__main__":
    main()
