#!/usr/bin/env python3
"""Generates a mixed document corpus for bench/documents.sh.

  bench/make_documents.py OUT_DIR [SCALE]

PDF, DOCX, XLSX, CSV, HTML and zip files of District-like text (with some
identifiers in it), built with the golden-case writers. SCALE (default 1)
multiplies the file counts; scale 1 is about 60 MB.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "golden", "make"))
import documents as d  # noqa: E402

WORDS = ("the district board meeting agenda student attendance report "
         "teacher classroom schedule lunch bus route field trip permission "
         "parent conference grade level assessment reading math science "
         "library budget facilities maintenance technology device laptop "
         "policy review committee minutes approved motion second vote "
         "principal counselor nurse office enrollment calendar holiday").split()


def sentence(rng):
    n = rng.randint(6, 16)
    s = " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."
    r = rng.random()
    if r < 0.02:
        s += f" SSN {rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}."
    elif r < 0.04:
        s += f" Call {rng.randint(200, 999)}-555-{rng.randint(1000, 9999)}."
    return s


def main():
    out = sys.argv[1]
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    d.OUT = out
    for i in range(120 * scale):
        pages = [[sentence(rng)[:95] for _ in range(45)] for _ in range(12)]
        d.write(f"report-{i:04d}.pdf", d.pdf_bytes(pages))
    for i in range(150 * scale):
        paras = [" ".join(sentence(rng) for _ in range(4)) for _ in range(120)]
        d.write(f"memo-{i:04d}.docx", d.docx_bytes(paras))
    for i in range(40 * scale):
        rows = [["Student ID", "Name", "Course", "Grade", "Comment"]]
        for r in range(1500):
            rows.append([str(3000000 + r), f"Student {r}", rng.choice(WORDS),
                         rng.choice("ABCDF"), sentence(rng)])
        d.write(f"grades-{i:04d}.xlsx", d.xlsx_bytes("Grades", rows))
    for i in range(60 * scale):
        lines = ["id,first,last,school,notes"]
        for r in range(3000):
            lines.append(f"{4000000 + r},First{r},Last{r},School {r % 6},{sentence(rng)}")
        d.write(f"export-{i:04d}.csv", ("\n".join(lines) + "\n").encode())
    for i in range(150 * scale):
        body = "".join(f"<p>{sentence(rng)}</p>" for _ in range(150))
        d.write(f"page-{i:04d}.html", (
            f"<!doctype html><html><head><title>Page {i}</title></head><body>"
            f'<img src="a.jpg" alt="{sentence(rng)}">{body}</body></html>').encode())
    for i in range(30 * scale):
        paras = [" ".join(sentence(rng) for _ in range(4)) for _ in range(80)]
        d.write(f"packet-{i:04d}.zip", d.zip_bytes([
            ("letter.docx", d.docx_bytes(paras)),
            ("list.csv", "\n".join(sentence(rng) for _ in range(500))),
        ]))


if __name__ == "__main__":
    main()
