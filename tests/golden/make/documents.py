#!/usr/bin/env python3
"""Writes the golden document cases (tests/golden/cases/doc-*, hostile-*).

The files are committed; this script says how they were made and remakes
them byte for byte (fixed timestamps), except the encrypted PDF, whose salt
qpdf draws at random. Run from the repository root:
    python3 tests/golden/make/documents.py
Only the standard library is used.
"""
import io
import os
import shutil
import struct
import subprocess
import zipfile

OUT = "tests/golden/cases"
STAMP = (2026, 9, 1, 8, 0, 0)

# Students of tests/golden/roster (kept in step with users.csv there).
STUDENTS = [
    ("2004117", "Maria", "Garcia", "04"),
    ("2004118", "Daniel", "Nguyen", "11"),
    ("2004121", "Aurelio", "Quintanilla", "09"),
    ("2004122", "Beatriz", "Okonkwo", "09"),
    ("2004123", "Cosimo", "Halvorsen", "09"),
    ("2004124", "Delphine", "Marchetti", "09"),
    ("2004125", "Evander", "Szymanski", "10"),
    ("2004126", "Fenella", "Abernathy", "10"),
    ("2004127", "Gideon", "Villalobos", "10"),
    ("2004128", "Honora", "Takahashi", "10"),
    ("2004129", "Ignatius", "Oyelaran", "11"),
    ("2004130", "Juniper", "Castellanos", "11"),
]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = compression
            z.writestr(info, data)
    return buf.getvalue()


def pdf_bytes(pages, extra_catalog=b""):
    """A PDF with one Helvetica text page per entry (a list of lines)."""
    objs = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then page/content pairs.
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content = b"BT /F1 11 Tf 72 720 Td 14 TL\n"
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            content += f"({esc}) Tj T*\n".encode("latin-1")
        content += b"ET"
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content +
                    b"\nendstream")
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return out


def docx_bytes(paragraphs, extra=()):
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>'
        for p in paragraphs)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/'
           'wordprocessingml/2006/main"><w:body>' + body +
           '</w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
             'schemas.openxmlformats.org/package/2006/content-types">'
             '<Override PartName="/word/document.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.wordprocessingml.document.main'
             '+xml"/></Types>')
    return zip_bytes([("[Content_Types].xml", types),
                      ("word/document.xml", doc)] + list(extra))


def col(i):
    return chr(ord("A") + i)


def xlsx_bytes(sheet_name, rows):
    strings, index = [], {}

    def sid(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    def cell(ref, v):
        if isinstance(v, int):  # a date serial, shown with style 1 (m/d/yyyy)
            return f'<c r="{ref}" s="1"><v>{v}</v></c>'
        return f'<c r="{ref}" t="s"><v>{sid(v)}</v></c>'

    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(cell(f"{col(c)}{r}", v) for c, v in enumerate(row))
        xml_rows.append(f'<row r="{r}">{cells}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = ('xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
           'relationships"')
    sheet = f'<worksheet {ns}><sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
    sst = (f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">' +
           "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    workbook = (f'<workbook {ns} {rns}><sheets><sheet name="{sheet_name}" '
                'sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>')
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"/>')
    styles = (f'<styleSheet {ns}><cellXfs count="2"><xf numFmtId="0"/>'
              '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
    return zip_bytes([("[Content_Types].xml", types),
                      ("xl/workbook.xml", workbook),
                      ("xl/styles.xml", styles),
                      ("xl/_rels/workbook.xml.rels", rels),
                      ("xl/sharedStrings.xml", sst),
                      ("xl/worksheets/sheet1.xml", sheet)])


def main():
    # An IEP as a PDF: the student named on page 2.
    write("doc-iep-plan.pdf", pdf_bytes([
        ["Example Unified School District", "Special Education Services",
         "Annual review meeting notes"],
        ["Individualized Education Program (IEP)",
         "Student: Maria Garcia, grade 4",
         "Present levels of performance: reading below grade level.",
         "Accommodations: extended time, preferential seating."],
    ]))
    # Grades as XLSX: one sheet, a row per student.
    rows = [["Student ID", "Last Name", "First Name", "Course", "Grade"]]
    for sid, first, last, _ in STUDENTS:
        rows.append([sid, last, first, "Algebra I", "B+"])
    write("doc-grades.xlsx", xlsx_bytes("Period 3", rows))
    # Birth dates as Excel stores them: day numbers shown as dates.
    rows = [["Student", "Date of Birth"]]
    for i, (sid, first, last, _) in enumerate(STUDENTS[:4]):
        rows.append([f"{first} {last}", 39448 + 97 * i])  # 2008-01-01 on
    write("doc-birthdates.xlsx", xlsx_bytes("Roster", rows))
    # A class roster as CSV.
    lines = ["student_id,first_name,last_name,grade,homeroom"]
    for sid, first, last, grade in STUDENTS:
        lines.append(f"{sid},{first},{last},{grade},Room 12")
    write("doc-class-roster.csv", ("\n".join(lines) + "\n").encode())
    # Names only, split over two columns, family name first: the roster
    # knows them once the columns are joined.
    lines = ["Last Name,First Name,Reading Score"]
    for sid, first, last, _ in STUDENTS:
        lines.append(f"{last},{first},{len(first) * 37 % 100}")
    write("doc-names-only.csv", ("\n".join(lines) + "\n").encode())
    # A vendor export with student numbers far below their header, and no
    # roster to name anyone: the column header gives the context.
    lines = ["Student Number,Reading Level,Lexile"]
    for i in range(40):
        lines.append(f"{3100200 + 7 * i},{'ABCDEFGH'[i % 8]},{400 + 10 * i}")
    write("doc-vendor-export.csv", ("\n".join(lines) + "\n").encode())
    # A zip holding a letter with SSNs.
    letter = docx_bytes([
        "To the benefits office,",
        "Please update the records for the following employees.",
        "Employee SSN: 536-22-1847 (Ellen Park)",
        "Employee SSN: 412-58-9033 (Tom Baker)",
    ])
    write("doc-letter-in-zip.zip", zip_bytes([("hr/letter.docx", letter)]))
    # A page naming a student in alt text, loading an ad network's script.
    write("doc-web-page.html", (
        "<!doctype html><html><head><title>Science fair</title>"
        '<script src="https://ads.example-adnetwork.com/tag.js"></script>'
        "</head><body><h1>Science fair winners</h1>"
        '<img src="winner.jpg" alt="Daniel Nguyen with his volcano">'
        "<p>Congratulations to all our participants!</p>"
        "<!-- draft: Daniel Nguyen, student id 2004118 -->"
        "</body></html>").encode())

    # A DOCX carrying a workbook as an embedded object.
    rows = [["Staff", "SSN"], ["Ellen Park", "536-22-1847"]]
    write("doc-embedded-workbook.docx", docx_bytes(
        ["Budget notes: see the embedded table."],
        [("word/embeddings/Microsoft_Excel_Worksheet.xlsx",
          xlsx_bytes("Staff", rows))]))
    # An encrypted PDF (needs qpdf; the committed file stays when absent).
    if shutil.which("qpdf"):
        plain = os.path.join(OUT, "hostile-encrypted.tmp.pdf")
        write("hostile-encrypted.tmp.pdf",
              pdf_bytes([["Student: Maria Garcia", "SSN 536-22-1847"]]))
        subprocess.run(
            ["qpdf", "--static-id", "--encrypt", "user-secret", "owner-secret",
             "256", "--", plain, os.path.join(OUT, "hostile-encrypted.pdf")],
            check=True)
        os.remove(plain)
    # Hostile: a zip bomb (20 MB of zeros in a few kilobytes).
    write("hostile-zip-bomb.zip",
          zip_bytes([("zeros.txt", b"\0" * (20 << 20))]))
    # Hostile: zips nested 20 deep around a text with an SSN.
    inner = zip_bytes([("deep.txt", b"SSN 536-22-1847\n")])
    for i in range(20):
        inner = zip_bytes([(f"level{i}.zip", inner)])
    write("hostile-nested-zips.zip", inner)
    # Hostile: a DOCX cut off half way.
    whole = docx_bytes(["SSN: 536-22-1847"] * 200)
    write("hostile-truncated.docx", whole[: len(whole) // 2])
    # Hostile: a Windows program named like a PDF.
    mz = bytearray(512)
    mz[0:2] = b"MZ"
    struct.pack_into("<I", mz, 0x3C, 0x80)
    mz[0x80:0x84] = b"PE\0\0"
    struct.pack_into("<H", mz, 0x84, 0x14C)  # i386
    write("hostile-invoice.pdf", bytes(mz))
    # Hostile: a macro-enabled document.
    write("hostile-macros.docm", docx_bytes(
        ["Quarterly budget"], [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0fake")]))
    # Hostile: a PDF that runs JavaScript on opening.
    write("hostile-javascript.pdf", pdf_bytes(
        [["Open me"]],
        b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> "))
    # Hostile: an encrypted zip member (the flag set, the data unreadable).
    z = bytearray(zip_bytes([("secret.txt", b"SSN 536-22-1847\n" * 10)],
                            zipfile.ZIP_STORED))
    local = z.find(b"PK\x03\x04")
    central = z.find(b"PK\x01\x02")
    z[local + 6] |= 1
    z[central + 8] |= 1
    write("hostile-encrypted-member.zip", bytes(z))


if __name__ == "__main__":
    main()
