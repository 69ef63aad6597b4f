#!/usr/bin/env python3
"""Accounts for every message of a load (smtp_driver.py load): delivered
(its X-Test-Id in a sink), held (its Message-ID in the quarantine) or
rejected, exactly once, and as expected. Prints one summary line and a
PROBLEM line for each message that is not; exits 1 when there is one.

  accounting.py TOTAL DELIVERED QUARANTINE_JSON LOAD_JSON... [options]

DELIVERED: the load numbers found in the sinks, one a line.
  --seconds S        the load's duration (default: the drivers' own)
  --doors N          the number of doors, for the summary (default 1)
  --incidents FILE   also check C.19: FILE holds "sender recipient|repeats|
                     events" per repeated-conduct incident; each sender and
                     colleague with three insults or more must have one,
                     with every later message an event of it (up to N - 1
                     fewer when N doors decided a pair's messages at once).
"""
import argparse
import collections
import json
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("total", type=int)
    ap.add_argument("delivered")
    ap.add_argument("quarantine")
    ap.add_argument("loads", nargs="+")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--doors", type=int, default=1)
    ap.add_argument("--incidents")
    a = ap.parse_args()

    delivered = collections.Counter(int(x) for x in open(a.delivered).read().split())
    quarantined = collections.Counter()
    for e in json.load(open(a.quarantine)):
        m = re.match(r"<?load-(\d+)@steward.test>?", e["message_id"])
        if m:
            quarantined[int(m.group(1))] += 1
    expect, rejected, conduct = {}, set(), {}
    sent, tempfails, unanswered, seconds = 0, 0, 0, 0.0
    for f in a.loads:
        load = json.load(open(f))
        expect.update(load["expect"])
        rejected.update(load["rejected"])
        conduct.update(load.get("conduct", {}))
        sent += load["sent"]
        tempfails += load["tempfails"]
        unanswered += len(load["unanswered"])
        seconds = max(seconds, load["seconds"])
    if a.seconds is not None:
        seconds = a.seconds

    problems = []
    for n in range(a.total):
        places = delivered[n] + quarantined[n] + (1 if n in rejected else 0)
        if places != 1:
            problems.append("load-%d: delivered %d, quarantined %d, rejected %s" %
                            (n, delivered[n], quarantined[n], n in rejected))
            continue
        got = ("delivered" if delivered[n] else "quarantined" if quarantined[n]
               else "rejected")
        if expect.get(str(n)) != got:
            problems.append("load-%d: expected %s, was %s" %
                            (n, expect.get(str(n)), got))

    summary = ""
    if a.incidents is not None:
        incidents = check_conduct(conduct, a.incidents, a.doors, problems)
        summary = "; C.19 incidents %d" % incidents
    print("%d door(s): sent %d in %.1f s (%.0f msg/s); delivered %d, "
          "quarantined %d, rejected %d%s; temporary failures retried %d; "
          "unanswered %d" %
          (a.doors, sent, seconds, sent / max(seconds, 0.001),
           sum(1 for n in delivered if n < a.total), len(quarantined),
           len(rejected), summary, tempfails, unanswered))
    for p in problems[:20]:
        print("PROBLEM " + p)
    sys.exit(1 if problems or sent != a.total else 0)


def check_conduct(conduct, path, doors, problems):
    """C.19: one incident per sender and colleague, opened by the third
    message, every later one an event of it (repeats: events less one). A
    door counts the messages recorded before its own: two doors deciding a
    pair's second and third messages at once may each count one, and the
    fourth opens the incident; so up to doors - 1 messages may be missing
    from it, never more, and there is never a second incident."""
    pairs = collections.Counter("%s %s" % tuple(v) for v in conduct.values())
    incidents = collections.defaultdict(list)
    for line in open(path).read().splitlines():
        key, repeats, events = line.split("|")
        incidents[key].append((int(repeats), int(events)))
    slack = doors - 1
    for pair, count in sorted(pairs.items()):
        got = incidents.get(pair, [])
        if count < 3 + slack and len(got) <= 1:
            continue
        ok = (len(got) == 1 and count - 2 - slack <= got[0][1] <= count - 2
              and got[0][0] == got[0][1] - 1)
        if not ok:
            problems.append("C.19 %s: %d messages, incidents (repeats, events) "
                            "%s; expected one with %d to %d events" %
                            (pair, count, got, count - 2 - slack, count - 2))
    for key in incidents:
        if key not in pairs:
            problems.append("C.19: an incident for %s, who sent no insult" % key)
    return len(incidents)


if __name__ == "__main__":
    main()
