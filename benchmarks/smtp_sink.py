"""A tiny SMTP server that accepts every message and keeps what arrived (stdlib only:
asyncio in a thread of its own). Enough of RFC 5321 for Odoo's smtplib client
without encryption or authentication: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

``SmtpSink().start()`` listens on a free loopback port (``.port``); ``.messages``
lists ``(monotonic time, envelope recipients, parsed email.message.Message)``."""

import asyncio
import email
import email.policy
import threading
import time


class SmtpSink:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.port = None
        self.messages = []
        self._lock = threading.Lock()
        self._loop = None
        self._server = None
        self._thread = None

    # -- what arrived ---------------------------------------------------------------

    def snapshot(self):
        with self._lock:
            return list(self.messages)

    # -- the server -------------------------------------------------------------------

    def start(self):
        ready = threading.Event()

        def serve():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._session, self.host, 0)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="smtp-sink", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def stop(self):
        if self._loop and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _session(self, reader, writer):
        def reply(line):
            writer.write(line.encode() + b"\r\n")

        reply("220 hrc-smtp-sink ESMTP")
        sender, recipients = None, []
        try:
            while True:
                await writer.drain()
                raw = await reader.readline()
                if not raw:
                    break
                command = raw.decode("utf-8", "replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    reply("250-hrc-smtp-sink")
                    reply("250-8BITMIME")
                    reply("250 SMTPUTF8")
                elif verb == "HELO":
                    reply("250 hrc-smtp-sink")
                elif verb == "MAIL":
                    sender, recipients = command[10:].strip(), []
                    reply("250 OK")
                elif verb == "RCPT":
                    address = command[8:].strip().split(" ")[0].strip("<>").lower()
                    recipients.append(address)
                    reply("250 OK")
                elif verb == "DATA":
                    if sender is None or not recipients:
                        reply("503 need MAIL and RCPT first")
                        continue
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    lines = []
                    while True:
                        line = await reader.readline()
                        if not line or line in (b".\r\n", b".\n"):
                            break
                        lines.append(line[1:] if line.startswith(b".") else line)  # dot-stuffing
                    message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    with self._lock:
                        self.messages.append((time.monotonic(), tuple(recipients), message))
                    sender, recipients = None, []
                    reply("250 OK queued")
                elif verb == "RSET":
                    sender, recipients = None, []
                    reply("250 OK")
                elif verb == "NOOP":
                    reply("250 OK")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    break
                else:
                    reply("502 command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def body_text(message):
    """Every text part of ``message``, decoded (HTML included), joined."""
    parts = message.walk() if message.is_multipart() else [message]
    texts = []
    for part in parts:
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except (LookupError, ValueError):
                texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    return "\n".join(texts)
