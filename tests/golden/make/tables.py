#!/usr/bin/env python3
"""Writes the golden table cases (tests/golden/cases/table-*).

Student exports of 300 rows as student information systems write them, one
file per family of header spellings (snake_case, CamelCase, upper case,
abbreviations, an SIS's permanent and state ids, an HTML table), and twins
that are no student extract (products, a staff phone list, a few students,
counts per grade). Every value is made up here from a fixed seed; the files
are committed and this script remakes them byte for byte. Run from the
repository root:
    python3 tests/golden/make/tables.py
Only the standard library is used.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from documents import write, xlsx_bytes, zip_bytes  # noqa: E402

ROWS = 300
FIRST = ["Maria", "Daniel", "Aurelio", "Beatriz", "Cosimo", "Delphine",
         "Evander", "Fenella", "Gideon", "Honora", "Ignatius", "Juniper",
         "Kalani", "Lucia", "Mateo", "Noor", "Oskar", "Priya", "Quinn", "Rosa"]
LAST = ["Garcia", "Nguyen", "Quintanilla", "Okonkwo", "Halvorsen", "Marchetti",
        "Szymanski", "Abernathy", "Villalobos", "Takahashi", "Oyelaran",
        "Castellanos", "Lindqvist", "Moreau", "Ivanova", "Haddad"]
SCHOOLS = ["Lincoln Elementary", "Roosevelt Middle", "Central High"]


def rng(name):
    return random.Random("steward-golden-" + name)


def phone(r, style):
    """A NANP number that validates (area and exchange 2-9, no N11, no
    555-01xx), written in one of the ways people write them."""
    while True:
        a, e, n = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
        if a % 100 != 11 and e % 100 != 11 and e != 555:
            break
    forms = {
        "dash": f"{a}-{e}-{n:04d}",
        "paren": f"({a}) {e}-{n:04d}",
        "dot": f"{a}.{e}.{n:04d}",
        "ext": f"{a}-{e}-{n:04d} x{r.randint(10, 9999)}",
        "plus": f"+1 {a} {e} {n:04d}",
        "local": f"{e}-{n:04d}",
    }
    return forms[style]


def birth(r):
    return r.randint(2008, 2019), r.randint(1, 12), r.randint(1, 28)


def students(name, id_base, id_step=7):
    r = rng(name)
    out = []
    for i in range(ROWS):
        y, m, d = birth(r)
        out.append({
            "id": id_base + i * id_step,
            "first": r.choice(FIRST),
            "last": r.choice(LAST),
            "birth": (y, m, d),
            "grade": f"{min(12, max(0, 2026 - y - 6)):02d}",
            "r": r,
        })
    return out


def csv(name, header, rows, sep=","):
    lines = [sep.join(header)] + [sep.join(str(c) for c in row) for row in rows]
    write(name, ("\n".join(lines) + "\n").encode())


def serial(y, m, d):
    """Excel's day number for a date (1900 system)."""
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1899, 12, 30)).days


def ods_bytes(sheet_name, rows):
    def cell(v):
        return ('<table:table-cell office:value-type="string"><text:p>'
                f'{v}</text:p></table:table-cell>')
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) +
                   "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="{sheet_name}">{body}</table:table>'
        '</office:spreadsheet></office:body></office:document-content>')
    mime = "application/vnd.oasis.opendocument.spreadsheet"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{mime}"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    import zipfile
    stored = zip_bytes([("mimetype", mime)], zipfile.ZIP_STORED)
    # The mimetype member first and stored, then the rest compressed.
    import io
    buf = io.BytesIO(stored)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        for n, data in [("META-INF/manifest.xml", manifest),
                        ("content.xml", content)]:
            info = zipfile.ZipInfo(n, (2026, 9, 1, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def main():
    # snake_case, as most SIS exports name columns.
    s = students("snake", 3100200)
    csv("table-snake-case.csv",
        ["student_id", "first_name", "last_name", "birth_date", "grade",
         "guardian_phone", "iep_flag"],
        [[x["id"], x["first"], x["last"],
          "%04d-%02d-%02d" % x["birth"], x["grade"],
          phone(x["r"], ["dash", "paren", "dot", "ext", "plus"][i % 5]),
          "Y" if i % 9 == 0 else "N"] for i, x in enumerate(s)])
    # CamelCase in a workbook; birth dates as Excel stores them.
    s = students("camel", 4200100)
    rows = [["StudentID", "FirstName", "LastName", "BirthDate",
             "GuardianPhone", "IEPFlag"]]
    for i, x in enumerate(s):
        rows.append([str(x["id"]), x["first"], x["last"], serial(*x["birth"]),
                     phone(x["r"], ["paren", "dash", "ext"][i % 3]),
                     "Y" if i % 11 == 0 else "N"])
    write("table-camel-case.xlsx", xlsx_bytes("Export", rows))
    # UPPER_SNAKE in a TSV.
    s = students("upper", 5300300)
    csv("table-upper-snake.tsv",
        ["STUDENT_NUMBER", "LAST_NAME", "FIRST_NAME", "BIRTHDATE",
         "HOME_PHONE", "SCHOOL"],
        [[x["id"], x["last"], x["first"], "%d/%d/%04d" % (
            x["birth"][1], x["birth"][2], x["birth"][0]),
          phone(x["r"], "dash"), x["r"].choice(SCHOOLS)]
         for x in s], sep="\t")
    # An SIS's abbreviations: stu_num, DOB, gdn_ph (a local number after
    # the phone word of its header), 504.
    s = students("abbrev", 6100050, 3)
    csv("table-sis-abbreviations.csv",
        ["stu_num", "stu_lname", "stu_fname", "DOB", "gdn_ph", "504", "gr"],
        [[x["id"], x["last"], x["first"], "%02d/%02d/%04d" % (
            x["birth"][1], x["birth"][2], x["birth"][0]),
          phone(x["r"], "local"), "Y" if i % 13 == 0 else "",
          x["grade"]] for i, x in enumerate(s)])
    # A permanent id and California's SSID in an OpenDocument sheet.
    s = students("perm", 7000000, 11)
    rows = [["perm_id", "ssid", "Last", "First", "D.O.B.", "Parent_Tel"]]
    for x in s:
        ssid = "%010d" % (1000000000 + x["r"].randint(0, 8999999999))
        rows.append([str(x["id"]), ssid, x["last"], x["first"],
                     "%02d/%02d/%04d" % (x["birth"][1], x["birth"][2],
                                         x["birth"][0]),
                     phone(x["r"], "paren")])
    write("table-perm-id.ods", ods_bytes("Roster", rows))
    # An HTML table, as a web export or a message body carries it.
    s = students("html", 8100400)
    cells = "".join(
        f"<tr><td>{x['id']}</td><td>{x['last']}, {x['first']}</td>"
        f"<td>{x['birth'][1]}/{x['birth'][2]}/{x['birth'][0]}</td>"
        f"<td>{phone(x['r'], 'dot')}</td></tr>\n" for x in s)
    write("table-html-export.html", (
        "<!doctype html><html><head><title>Period 3</title></head><body>\n"
        "<h1>Period 3 roster</h1>\n<table>\n<tr><th>Student #</th><th>Name"
        "</th><th>D.O.B.</th><th>Parent Phone</th></tr>\n" + cells +
        "</table>\n</body></html>\n").encode())

    # Twins. Products with an id and a date: no student data at all.
    r = rng("products")
    csv("table-products.csv", ["id", "date", "name", "price", "qty"],
        [[3100200 + 7 * i, "2026-%02d-%02d" % (r.randint(1, 12),
                                               r.randint(1, 28)),
          r.choice(["Pencils", "Binder", "Stapler", "Paper", "Markers"]),
          "%d.%02d" % (r.randint(1, 40), r.randint(0, 99)), r.randint(1, 50)]
         for i in range(ROWS)])
    # Staff with their work phones: phones, no students.
    r = rng("staff")
    csv("table-staff-phones.csv",
        ["employee_id", "first_name", "last_name", "department", "work_phone"],
        [[900100 + i, r.choice(FIRST), r.choice(LAST),
          r.choice(["Transportation", "Food Services", "Maintenance"]),
          phone(r, "dash")] for i in range(ROWS)])
    # A few students: identifiers, but fewer rows than a bulk extract.
    s = students("few", 3200100)[:6]
    csv("table-few-students.csv", ["student_id", "first_name", "last_name"],
        [[x["id"], x["first"], x["last"]] for x in s])
    # Counts per grade: headed by "students", no student in it.
    r = rng("counts")
    csv("table-student-counts.csv",
        ["grade", "students", "avg_score", "teacher_count"],
        [["%02d" % g, r.randint(180, 420), "%d.%d" % (r.randint(60, 95),
                                                    r.randint(0, 9)),
          r.randint(6, 18)] for g in range(13)])


if __name__ == "__main__":
    main()
