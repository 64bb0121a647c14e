"""Notify channels: how a stored message leaves the building. Channels are plugins.

A channel is a class registered under the entry point group ``propdesk.notify_channels`` (see
pyproject.toml); the entry point's name is the channel name a message is routed to
(`workflows/messages/domain.channel_for`). `installed()` instantiates each one once per process
with the `Settings`; the delivery timer (`workflows/messages/timers.py`) calls `send(message)` for
every due message, outside any database transaction:

    class SmsChannel(Channel):
        name = "sms"
        def send(self, message) -> None:    # raise on failure: the message is retried
            ...

`message` is a stored `Message` row (read its attributes; don't change it). `send` may be
called twice for one message (a crash between sending and recording it: at-least-once), so a
channel should make a repeat harmless where it can (the mail spool overwrites the same file).
"""
from __future__ import annotations

import functools
import os
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from propdesk import plugins
from propdesk.config import Settings
from propdesk.domain import as_utc

#: Sender of resident mail, and the domain standing in for residents' addresses until a real
#: SMTP channel looks them up from residents (``.invalid`` can never be delivered by mistake).
SENDER = Address("物业客服部 Customer Service", "service-desk", "propdesk.local")
RESIDENT_MAIL_DOMAIN = "residents.propdesk.invalid"


class Channel:
    """One way out for messages. Subclasses set `name` and implement `send`."""

    name: str = ""

    def __init__(self, settings: Settings):
        self.settings = settings

    def send(self, message) -> None:
        """Deliver one message; raise on failure (the service records the error and retries)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement send()")


class StaffInboxChannel(Channel):
    """The desk's inbox (front desk, Security, ...): the stored message row IS the inbox entry, so
    delivering it only makes it readable there (status "sent", listed by `list_messages`). Never
    fails."""

    name = "staff_inbox"

    def send(self, message) -> None:
        return None


class MailSpoolChannel(Channel):
    """Mail to residents, written as RFC 5322 ``.eml`` files into ``<data dir>/mail_spool/`` (one
    file per message, named by its message id) for a mail relay to pick up. The mail is dated when
    the message was made (`created_at`), so sending it again writes the very same file."""

    name = "mail_spool"

    @property
    def spool_dir(self) -> Path:
        return self.settings.data_dir / "mail_spool"

    def path_for(self, message_id: str) -> Path:
        return self.spool_dir / f"{message_id}.eml"

    def send(self, message) -> None:
        if not message.recipient_id:
            raise LookupError(f"no address for the {message.recipient_role} of {message.correlation_id}: "
                              "recipient unknown")
        mail = EmailMessage(policy=SMTP)
        mail["Message-ID"] = f"<{message.message_id}@propdesk.local>"
        mail["Date"] = format_datetime(as_utc(message.created_at))
        mail["From"] = SENDER
        mail["To"] = Address(message.recipient_id, message.recipient_id, RESIDENT_MAIL_DOMAIN)
        mail["Subject"] = message.subject
        mail["X-Propdesk-Recipient-Role"] = message.recipient_role
        mail["X-Propdesk-Recipient-Id"] = message.recipient_id
        mail["X-Propdesk-Correlation-Id"] = message.correlation_id
        mail["X-Propdesk-Event"] = f"{message.event_type} {message.event_id}"
        mail.set_content(message.body)

        self.spool_dir.mkdir(parents=True, exist_ok=True)
        final = self.path_for(message.message_id)
        partial = final.with_name(f".{final.name}.part")  # a relay never sees half a file
        with open(partial, "wb") as f:
            f.write(mail.as_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, final)


def installed(settings: Settings | None = None) -> dict[str, Channel]:
    """The discovered channel plugins, {name: channel}, each instantiated once per process for
    `settings` (default: the process's, from the environment, as the service's own settings are)."""
    return _instantiate(settings or Settings.from_env())


@functools.cache
def _instantiate(settings: Settings) -> dict[str, Channel]:
    return {name: cls(settings) for name, cls in plugins.notify_channels().items()}
