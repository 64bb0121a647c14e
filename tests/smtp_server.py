"""A real SMTP server for tests (tests/unit/test_alert_delivery.py), run as its own process:

    python -m tests.smtp_server PORT CERT KEY MAILDIR USER PASSWORD

aiosmtpd (pinned in requirements-test.lock) on 127.0.0.1:PORT, as strict as an office mail relay:
STARTTLS required (CERT/KEY), then AUTH as USER with PASSWORD before any MAIL FROM. Every accepted
message is stored in MAILDIR with its envelope (headers X-MailFrom, X-RcptTo, X-Peer).

AUTH LOGIN is not offered: aiosmtpd prompts "User Name" where Go's net/smtp LOGIN client (Alertmanager)
expects "Username:"; PLAIN is what such a client then uses. Its own process because the test process is
eventlet-patched (conftest.py) and aiosmtpd runs on asyncio. Stops on SIGTERM.
"""
from __future__ import annotations

import asyncio
import ssl
import sys

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main(argv: list[str]) -> None:
    port, cert, key, maildir, user, password = argv
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        return AuthResult(success=isinstance(auth_data, LoginPassword)
                          and (auth_data.login, auth_data.password) == (user.encode(), password.encode()))

    handler = Mailbox(maildir)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, tls_context=tls, require_starttls=True, auth_required=True, authenticator=authenticator,
                     auth_exclude_mechanism=["LOGIN"], loop=loop),
        "127.0.0.1", int(port)))
    loop.run_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
