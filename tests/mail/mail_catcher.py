"""A local mail catcher: a real SMTP server (aiosmtpd) that keeps every mail
it receives, and a small web page listing them, so the links patients would
get can be followed. Used by `./build.sh run` and the end-to-end tests.

    python3 tests/mail/mail_catcher.py [--smtp-port N] [--http-port N]

Prints one line: `mail-catcher listening on http://127.0.0.1:HTTP smtp=127.0.0.1:SMTP`.
GET /            the mails, newest first (HTML)
GET /messages    the mails as JSON: [{id, to, from, subject, body, received}]
POST /clear      forgets them
Only binds 127.0.0.1. Nothing is written to disk.
"""
import argparse
import html
import json
import socket
import sys
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

MAILS = []
LOCK = threading.Lock()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keep:
    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        with LOCK:
            MAILS.append({
                "id": len(MAILS) + 1,
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "subject": str(msg.get("subject", "")),
                "body": body.get_content() if body else "",
                "received": time.time(),
            })
        return "250 Message accepted"


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Mail catcher</title>
<style>body{{font:15px/1.5 Arial,sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#1f2933}}
article{{border:1px solid #cbd2d9;border-radius:6px;padding:12px 16px;margin:12px 0}}
pre{{white-space:pre-wrap;font:inherit}} .meta{{color:#52606d}}</style></head>
<body><h1>Mails patients would receive</h1>
<p class="meta">Local only: a real SMTP server on this computer keeps them in memory. Newest first.</p>{items}</body></html>"""


def linkify(text):
    out = []
    for word in html.escape(text).split(" "):
        if word.startswith("http://") or word.startswith("https://"):
            out.append(f'<a href="{word}">{word}</a>')
        else:
            out.append(word)
    return " ".join(out)


class Web(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, kind):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with LOCK:
            mails = list(MAILS)
        if self.path.startswith("/messages"):
            return self.send(200, json.dumps(mails), "application/json")
        if self.path in ("/", "/index.html"):
            items = "".join(
                f'<article><div class="meta">To {html.escape(", ".join(m["to"]))} · '
                f'{time.strftime("%H:%M:%S", time.localtime(m["received"]))}</div>'
                f'<h2>{html.escape(m["subject"])}</h2><pre>{linkify(m["body"])}</pre></article>'
                for m in reversed(mails)
            ) or "<p>No mail yet.</p>"
            return self.send(200, PAGE.format(items=items), "text/html; charset=utf-8")
        self.send(404, "not found", "text/plain")

    def do_POST(self):
        if self.path == "/clear":
            with LOCK:
                MAILS.clear()
            return self.send(204, "", "text/plain")
        self.send(404, "not found", "text/plain")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smtp-port", type=int, default=0)
    parser.add_argument("--http-port", type=int, default=0)
    args = parser.parse_args()
    smtp_port = args.smtp_port or free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    web = ThreadingHTTPServer(("127.0.0.1", args.http_port), Web)
    print(f"mail-catcher listening on http://127.0.0.1:{web.server_address[1]} smtp=127.0.0.1:{smtp_port}", flush=True)
    try:
        web.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
