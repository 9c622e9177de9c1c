#!/usr/bin/env python3
"""Scores Frontdesk's email channel on the shared real-world mail corpus.

Sends every sample of the corpus (manifest.json) byte for byte over SMTP to
the support address (bare LF -> CRLF; envelope sender = Return-Path, else
From, "<>" for bounces), then reads the Zendesk API and scores each sample as
the corpus README describes: smtp, ticket / no ticket, subject, from
(via.source.from.address), body snippet in the first comment.

Usage: mailcorpus_smtp.py CORPUS_DIR BASE_URL AUTH_HEADER SMTP_HOST SMTP_PORT SUPPORT_ADDRESS [-v]
Called by scripts/mailcorpus-smtp, which starts a fresh server first.
"""
import base64, html, json, re, smtplib, sys, time, unicodedata, urllib.request

def norm(s):
    s = unicodedata.normalize("NFC", s or "")
    s = s.replace("\u00a0", " ")
    return " ".join(s.split())

def strip_tags(s):
    return html.unescape(re.sub(r"<[^>]+>", " ", s or ""))

class API:
    def __init__(self, base, auth):
        self.base, self.auth = base.rstrip("/"), auth
    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Authorization": self.auth, "Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)
    def ticket_ids(self):
        ids, path = set(), "/api/v2/tickets.json?page[size]=100"
        while path:
            body = self.get(path)
            ids.update(t["id"] for t in body["tickets"])
            nxt = (body.get("links") or {}).get("next")
            path = nxt[len(self.base):] if nxt and body.get("meta", {}).get("has_more") else None
        return ids

def envelope_from(raw, kind):
    if kind == "bounce":
        return ""
    head = raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n")
    head = re.sub(rb"\n[ \t]+", b" ", head)
    for name in (b"return-path", b"from"):
        for line in head.split(b"\n"):
            k, _, v = line.partition(b":")
            if k.strip().lower() == name:
                m = re.search(rb"<([^<>@\s]*@[^<>\s]*)>", v) or re.search(rb"([^\s<>\"]+@[^\s<>\"]+)", v)
                if m:
                    return m.group(1).decode("utf-8", "replace")
                if name == b"return-path" and b"<>" in v:
                    return ""
    return ""

def send(host, port, sender, rcpt, raw):
    data = re.sub(rb"(?<!\r)\n", b"\r\n", raw)
    with smtplib.SMTP(host, port, timeout=120) as s:
        s.ehlo()
        opts = []
        if s.has_extn("8bitmime") and re.search(rb"[\x80-\xff]", data):
            opts.append("BODY=8BITMIME")
        if s.has_extn("smtputf8") and not sender.isascii():
            opts.append("SMTPUTF8")
        try:
            s.sendmail(sender, [rcpt], data, mail_options=opts)
            return 250, ""
        except smtplib.SMTPResponseException as e:
            return e.smtp_code, e.smtp_error.decode("utf-8", "replace")
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = list(e.recipients.values())[0]
            return code, msg.decode("utf-8", "replace")

def first_comment(api, tid):
    cs = api.get("/api/v2/tickets/%d/comments.json" % tid)["comments"]
    if not cs:
        return ""
    c = cs[0]
    return " ".join([c.get("body") or "", c.get("plain_body") or "", strip_tags(c.get("html_body"))])

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    corpus, base, auth, host, port, support = args[0], args[1], args[2], args[3], int(args[4]), args[5]
    manifest = json.load(open(corpus + "/manifest.json"))["samples"]
    api = API(base, auth)
    known = api.ticket_ids()
    score = {"smtp": 0, "ticket": 0, "subject": 0, "from": 0, "body": 0, "no-ticket": 0}
    n_ticket = sum(1 for s in manifest if s["expect_ticket"])
    n_body = sum(1 for s in manifest if s["expect_ticket"] and s.get("body_snippet") is not None)
    full = 0
    for s in manifest:
        raw = open(corpus + "/" + s["file"], "rb").read()
        code, msg = send(host, port, envelope_from(raw, s["kind"]), support, raw)
        smtp_ok = 200 <= code < 300 or (not s["expect_ticket"] and 500 <= code < 600)
        problems = [] if smtp_ok else ["smtp %d %s" % (code, msg)]
        now = api.ticket_ids()
        new = sorted(now - known)
        known = now
        if not s["expect_ticket"]:
            if not new:
                score["no-ticket"] += 1
            else:
                problems.append("made ticket(s) %s" % new)
        elif len(new) != 1:
            problems.append("%d new tickets" % len(new))
        else:
            score["ticket"] += 1
            t = api.get("/api/v2/tickets/%d.json" % new[0])["ticket"]
            want = norm(s["subject"])
            got = [norm(t.get("subject")), norm(t.get("raw_subject"))]
            mp = s.get("subject_min_prefix")
            if want in got or (mp and any(len(g) >= mp and want.startswith(g.rstrip("…").rstrip()) for g in got)):
                score["subject"] += 1
            else:
                problems.append("subject %r, want %r" % (got[0], want))
            frm = ((t.get("via") or {}).get("source") or {}).get("from", {}).get("address", "")
            if not frm:
                frm = api.get("/api/v2/users/%d.json" % t["requester_id"])["user"].get("email", "")
            if frm.lower() == s["from"].lower():
                score["from"] += 1
            else:
                problems.append("from %r, want %r" % (frm, s["from"]))
            if s.get("body_snippet") is not None:
                body = norm(first_comment(api, t["id"]))
                if norm(s["body_snippet"]) in body:
                    score["body"] += 1
                else:
                    problems.append("body lacks %r (got %r)" % (s["body_snippet"][:60], body[:120]))
        if smtp_ok:
            score["smtp"] += 1
        if problems:
            print("FAIL %s: %s" % (s["file"], "; ".join(problems)))
        else:
            full += 1
            if verbose:
                print("ok   %s" % s["file"])
    total = len(manifest)
    print("mail corpus: %d/%d samples fully correct (smtp %d/%d, ticket %d/%d, subject %d/%d, from %d/%d, body %d/%d, no-ticket %d/%d)" % (
        full, total, score["smtp"], total, score["ticket"], n_ticket, score["subject"], n_ticket, score["from"], n_ticket,
        score["body"], n_body, score["no-ticket"], total - n_ticket))
    sys.exit(0 if full * 10 >= total * 9 else 1)

if __name__ == "__main__":
    main()
