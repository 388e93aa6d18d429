"""How messages (one-time codes, extension notices) reach a data subject: a file outbox
(default), the console, or SMTP. The message body may hold a code, so it goes to the
recipient only, never to the logs."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from dsar.identities import Identity
from dsar.settings import NotifierSettings


class NotifierError(RuntimeError):
    """The message could not be sent (no reason text holds the recipient)."""


class Notifier(Protocol):
    async def send(self, to: Identity, subject: str, body: str) -> None: ...


class FileNotifier:
    """Appends one JSON line per message to a private file (demos, tests, or a mail relay
    that picks the file up)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, to: Identity, subject: str, body: str) -> None:
        line = json.dumps({"at": datetime.now(UTC).isoformat(), "channel": to.kind,
                           "to": to.value, "subject": subject, "body": body},
                          ensure_ascii=False)
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line + "\n")


class ConsoleNotifier:
    async def send(self, to: Identity, subject: str, body: str) -> None:
        print(f"To: {to.value}\nSubject: {subject}\n\n{body}\n", file=sys.stdout, flush=True)


class SmtpNotifier:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def send(self, to: Identity, subject: str, body: str) -> None:
        if to.kind != "email":
            raise NotifierError("the SMTP notifier can only reach an e-mail identity")
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = to.value
        message["Subject"] = subject
        message.set_content(body)
        try:
            await asyncio.to_thread(self._deliver, message)
        except (OSError, smtplib.SMTPException) as error:
            raise NotifierError(f"SMTP delivery failed ({type(error).__name__})") from None

    def _deliver(self, message: EmailMessage) -> None:
        settings = self._settings
        with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(message)


def make_notifier(settings: NotifierSettings, data_dir: Path) -> Notifier:
    if settings.type == "console":
        return ConsoleNotifier()
    if settings.type == "smtp":
        return SmtpNotifier(settings)
    return FileNotifier(data_dir / settings.path)
