#!/usr/bin/env python3
"""SMTP clients for the Postfix tests: a load of mixed messages over
parallel sessions, hostile messages from the corpora, and one long session
across a policy reload. Each prints one JSON object on stdout."""
import json
import smtplib
import sys
import threading
import time
from email.utils import make_msgid

HOST = "127.0.0.1"

# The load's mix: (kind, recipients, body, expected outcome).
MIX = [
    ("allow", ["friend@gmail.com"],
     "See you at lunch on Friday. Bring the field trip forms.", "delivered"),
    ("warn", ["counselor@example-usd.org"],
     "Maria's Social Security number is 512-44-7832; her IEP meeting is "
     "Thursday.", "delivered"),
    ("quarantine", ["friend@gmail.com"],
     "Her date of birth is 04/12/2011 and she lives at 42 Oak Street.",
     "quarantined"),
    ("reject", ["friend@gmail.com"],
     "Maria's Social Security number is 512-44-7832 and her date of birth "
     "is 04/12/2011.", "rejected"),
]


# The "conduct" mix adds insults from five employees to three colleagues
# (C.19): the k-th such message goes from teacher(k % 5) to colleague(k % 3),
# so each of the 15 pairs gets every 15th.
CONDUCT = ("conduct", None,
           "That meeting was a fucking waste of time, you useless idiot.",
           "quarantined")


def pick(n, mix):
    """(kind, sender, recipients, body, expected outcome) of message n."""
    entries = MIX + [CONDUCT] if mix == "conduct" else MIX
    kind, rcpts, body, expect = entries[n % len(entries)]
    sender = "ateacher@example-usd.org"
    if kind == "conduct":
        k = n // len(entries)
        sender = "teacher%d@example-usd.org" % (k % 5)
        rcpts = ["colleague%d@example-usd.org" % (k % 3)]
    return kind, sender, rcpts, body, expect


def message(n, kind, rcpts, body, size, sender="ateacher@example-usd.org"):
    filler = ""
    if size > 0:
        line = "The quick brown fox jumps over the lazy dog, lesson %d.\r\n" % n
        filler = line * max(0, (size - len(body) - 400) // len(line))
    return ("From: %s\r\n"
            "To: %s\r\nSubject: load %d %s\r\nMessage-ID: <load-%d@steward.test>\r\n"
            "X-Test-Id: load-%d\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n%s" %
            (sender, ", ".join(rcpts), n, kind, n, n, body, filler)).encode()


def send_one(port, sender, rcpts, data, retries, sleep):
    """Sends one message, retrying on 4xx and lost connections; returns
    (code, reply, attempts)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            with smtplib.SMTP(HOST, port, timeout=120) as s:
                s.sendmail(sender, rcpts, data)
                return 250, "", attempts
        except smtplib.SMTPDataError as e:
            code, reply = e.smtp_code, e.smtp_error.decode(errors="replace")
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = list(e.recipients.values())[0]
            reply = reply.decode(errors="replace")
        except smtplib.SMTPResponseException as e:
            code, reply = e.smtp_code, str(e.smtp_error)
        except (smtplib.SMTPServerDisconnected, ConnectionError, OSError) as e:
            code, reply = 421, str(e)
        if code < 400 or code >= 500 or attempts > retries:
            return code, reply, attempts
        time.sleep(sleep)


def load(port, total, sessions, size, first=0, mix=""):
    """Messages first .. first + total - 1 of the mix."""
    results = {}
    lock = threading.Lock()
    counter = iter(range(first, first + total))
    counter_lock = threading.Lock()
    tempfails = [0]

    def worker():
        # One SMTP connection per worker, reopened after a failure.
        conn = None
        while True:
            with counter_lock:
                n = next(counter, None)
            if n is None:
                break
            kind, sender, rcpts, body, expect = pick(n, mix)
            data = message(n, kind, rcpts, body, size, sender)
            attempts = 0
            while True:
                attempts += 1
                try:
                    if conn is None:
                        conn = smtplib.SMTP(HOST, port, timeout=120)
                    conn.sendmail(sender, rcpts, data)
                    outcome = (250, "")
                except smtplib.SMTPDataError as e:
                    outcome = (e.smtp_code, e.smtp_error.decode(errors="replace"))
                except (smtplib.SMTPException, ConnectionError, OSError) as e:
                    outcome = (421, str(e))
                    try:
                        conn.close()
                    except Exception:
                        pass
                    conn = None
                if 400 <= outcome[0] < 500 and attempts < 200:
                    with lock:
                        tempfails[0] += 1
                    if conn is not None:
                        try:
                            conn.rset()
                        except Exception:
                            conn = None
                    time.sleep(0.25)
                    continue
                break
            with lock:
                results[n] = {"kind": kind, "expect": expect, "sender": sender,
                              "to": rcpts[0],
                              "code": outcome[0], "attempts": attempts}
        if conn is not None:
            try:
                conn.quit()
            except Exception:
                pass

    start = time.time()
    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.time() - start
    accepted = sorted(n for n, r in results.items() if r["code"] == 250)
    rejected = sorted(n for n, r in results.items() if 500 <= r["code"] < 600)
    other = sorted(n for n, r in results.items() if n not in accepted and n not in rejected)
    wrong = sorted(n for n, r in results.items()
                   if (r["expect"] == "rejected") != (500 <= r["code"] < 600))
    print(json.dumps({"sent": len(results), "seconds": round(seconds, 2),
                      "accepted": accepted, "rejected": rejected,
                      "unanswered": other, "wrong_code": wrong,
                      "tempfails": tempfails[0],
                      "expect": {str(n): r["expect"] for n, r in results.items()},
                      "conduct": {str(n): [r["sender"], r["to"]]
                                  for n, r in results.items()
                                  if r["kind"] == "conduct"}}))


def hostile(port, files):
    out = {"sent": 0, "codes": {}, "errors": []}
    for f in files:
        data = open(f, "rb").read()
        code, reply, _ = send_one(port, "ateacher@example-usd.org",
                                  ["friend@gmail.com"], data, 0, 0)
        out["sent"] += 1
        out["codes"][str(code)] = out["codes"].get(str(code), 0) + 1
        if code == 421 or (400 <= code < 500):
            out["errors"].append({"file": f, "code": code, "reply": reply[:200]})
    print(json.dumps(out))


def reload_session(port, signal_file, ready_file):
    """Sends one message, waits until `signal_file` exists (the reload),
    then sends another over the same connection."""
    ssn = ("Maria's Social Security number is 512-44-7832 and her date of "
           "birth is 04/12/2011.")
    codes = []
    with smtplib.SMTP(HOST, port, timeout=60) as s:
        for i in range(2):
            if i == 1:
                open(ready_file, "w").close()
                for _ in range(600):
                    try:
                        open(signal_file).close()
                        break
                    except OSError:
                        time.sleep(0.1)
            data = message(900000 + i, "reload", ["friend@gmail.com"], ssn, 0)
            try:
                s.sendmail("ateacher@example-usd.org", ["friend@gmail.com"], data)
                codes.append(250)
            except smtplib.SMTPDataError as e:
                codes.append(e.smtp_code)
    print(json.dumps({"codes": codes}))


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "load":
        load(port, int(sys.argv[3]), int(sys.argv[4]),
             int(sys.argv[5]) if len(sys.argv) > 5 else 0,
             int(sys.argv[6]) if len(sys.argv) > 6 else 0,
             sys.argv[7] if len(sys.argv) > 7 else "")
    elif cmd == "hostile":
        hostile(port, sys.argv[3:])
    elif cmd == "reload":
        reload_session(port, sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)
