"""Tasks sent after commit: services call ``enqueue(session, task, *args)``; the messages leave when the
session's outermost transaction commits, and are dropped when it rolls back.

This module imports no domain code and no task queue: the worker registers one sender per task name
(``register``, done by each ``api/<domain>/tasks.py`` on import), so services never import a tasks module.
A message that cannot be sent (no sender in this process, broker down) is logged and dropped: every
task sent this way is also re-derived from the database — webhook deliveries by the outbox sweeper,
pending posts by the recovery sweep, re-clustering by the next analysed batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("cocreate.queue")
_KEY = "cocreate.queue"  # the session's buffer of unsent messages (private to this module)
Sender = Callable[[tuple, int | None], None]  # (args, delay in ms or None)
_senders: dict[str, Sender] = {}


@dataclass(frozen=True)
class Message:
    task: str
    args: tuple
    delay_ms: int | None = None


def register(task: str, send: Sender) -> None:
    """How this process sends ``task`` (the worker registers its actors)."""
    _senders[task] = send


def actor_sender(actor) -> Sender:
    """The sender for a Dramatiq actor (``register(actor.actor_name, actor_sender(actor))``)."""
    return lambda args, delay_ms: actor.send_with_options(args=args, delay=delay_ms)


def registered() -> set[str]:
    return set(_senders)


def enqueue(session: Session, task: str, *args, delay_s: float | None = None, key: object = None) -> None:
    """Send ``task(*args)`` once this session's transaction commits (after ``delay_s`` seconds if given).

    Messages with the same ``key`` in one transaction are sent once (the last one enqueued wins)."""
    if not session.in_transaction():  # the message belongs to a transaction: a rollback must find it
        session.begin()
    box: dict = session.info.setdefault(_KEY, {})
    msg = Message(task, tuple(args), None if delay_s is None else max(0, int(delay_s * 1000)))
    box[key if key is not None else (len(box), id(msg))] = msg


def pending(session: Session) -> list[Message]:
    """The messages this session will send at commit (tests and diagnostics)."""
    return list(session.info.get(_KEY, {}).values())


def send(msg: Message) -> bool:
    """Send one message now; False (logged) when no sender is registered or sending failed."""
    sender = _senders.get(msg.task)
    if sender is None:
        log.warning("no sender registered for %s in this process; dropped (the sweepers recover it)", msg.task)
        return False
    try:
        sender(msg.args, msg.delay_ms)
        return True
    except Exception:  # noqa: BLE001 - the commit stands; the sweepers re-send from the database
        log.exception("sending %s%s failed; the sweepers will recover it", msg.task, msg.args)
        return False


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released: the outer transaction may still roll back
        return
    for msg in session.info.pop(_KEY, {}).values():
        send(msg)


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without commit (rollback, close)
        session.info.pop(_KEY, None)
