#!/usr/bin/env python3
"""The benchmarks' inputs of ordinary staff prose, which every door lets
through: sentences of twelve words, a line each, from a fixed seed.

  bench/prose.py mail DIR   msg-4k.eml, msg-20k.eml, msg-100k.eml: staff
                            mail inside the District (bench/mail.sh)
  bench/prose.py web DIR    clean-1k, blocked-1k (a student's SSN and date
                            of birth), clean-5m, clean-50m (bench/web.sh)
"""
import random
import sys

WORDS = ("the class will meet in room twelve after lunch to finish the science "
         "project and the field trip forms are due on friday please bring a "
         "signed copy for each student and remember the staff meeting moves to "
         "the library next week budget questions go to the office").split()


def prose(n, rng):
    """At least n bytes of prose, whole lines."""
    out, size = [], 0
    while size < n:
        line = " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ".\n"
        out.append(line)
        size += len(line)
    return "".join(out)


def mail(d):
    rng = random.Random(7)
    for name, size in (("4k", 4096), ("20k", 20480), ("100k", 102400)):
        head = ("From: Ann Teacher <ateacher@example-usd.org>\n"
                "To: Team <team@example-usd.org>\nSubject: notes %s\n"
                "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
                % name)
        with open("%s/msg-%s.eml" % (d, name), "w") as f:
            f.write(head + prose(size - len(head), rng))


def web(d):
    rng = random.Random(7)
    open(d + "/clean-1k", "wb").write(prose(1024, rng).encode()[:1024])
    ssn = b"Maria's Social Security number is 512-44-7832, date of birth 04/12/2011.\n"
    open(d + "/blocked-1k", "wb").write(ssn + prose(1024, rng).encode()[:1024 - len(ssn)])
    block = prose(1 << 20, rng).encode()[:1 << 20]
    for name, n in (("clean-5m", 5 * 1000 * 1000), ("clean-50m", 50 * 1000 * 1000)):
        with open(d + "/" + name, "wb") as f:
            left = n
            while left:
                f.write(block[:min(left, len(block))])
                left -= min(left, len(block))


if __name__ == "__main__":
    {"mail": mail, "web": web}[sys.argv[1]](sys.argv[2])
