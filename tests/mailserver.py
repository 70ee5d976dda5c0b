"""A real SMTP server for the tests that send e-mail: TinySMTP and the ``smtp_server`` fixture."""

import asyncio
import threading

import pytest
from django.test import override_settings


class TinySMTP:
    """A minimal SMTP server on 127.0.0.1 (asyncio, in a thread): keeps each message it is given."""

    def __init__(self):
        self.messages: list[dict] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _session(self, reader, writer):
        def reply(line: str):
            writer.write(line.encode() + b"\r\n")

        reply("220 tiny ESMTP")
        envelope = {"from": "", "to": [], "data": b""}
        while line := (await reader.readline()).decode("ascii", "replace"):
            verb = line.strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                reply("250 tiny")
            elif verb == "MAIL":
                envelope["from"] = line.split(":", 1)[1].strip()
                reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(line.split(":", 1)[1].strip().strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (data := await reader.readline()) not in (b".\r\n", b""):
                    chunks.append(data[1:] if data.startswith(b"..") else data)  # dot-stuffing undone
                envelope["data"] = b"".join(chunks)
                self.messages.append(dict(envelope))
                envelope = {"from": "", "to": [], "data": b""}
                reply("250 OK queued")
            elif verb == "RSET":
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 Bye")
                await writer.drain()
                break
            else:
                reply("502 Command not implemented")
            await writer.drain()
        writer.close()

    def start(self):
        self.thread.start()
        self.ready.wait(5)
        return self

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def smtp_server():
    server = TinySMTP().start()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=server.port, EMAIL_USE_TLS=False, EMAIL_USE_SSL=False,
                           DEFAULT_FROM_EMAIL="so-diem@truong.test"):
        yield server
    server.stop()
