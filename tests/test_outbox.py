"""The after-commit queue (api/queue.py) and the webhook outbox: claims, leases and the sweeper."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from sqlalchemy import select, update

from api import queue
from tests.api_helpers import db_url, drop_pg_db


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, monkeypatch):
    url, pg_name = db_url(request.param, tmp_path)
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    from api.db.session import migrate

    migrate(url)
    yield url
    if pg_name:
        from api.db.session import engine_for

        engine_for(url).dispose()
        drop_pg_db(pg_name)


@pytest.fixture
def sent(monkeypatch):
    """Record what the queue sends instead of sending it (per task name)."""
    import api.tasks  # noqa: F401 - registers the real senders first, so the test's are undone to them

    log: list[tuple[str, tuple, int | None]] = []
    for task in ("probe", "deliver_webhook", "recluster_tenant"):
        monkeypatch.setitem(queue._senders, task, lambda args, delay, t=task: log.append((t, args, delay)))
    return log


def _receiver(seen: list, status: int = 200) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(status)))


def _tenant_with_hook(url: str) -> int:
    from api.auth.service import create_tenant
    from api.db.session import session_scope
    from api.webhooks.service import subscribe

    with session_scope(url) as s:
        t = create_tenant(s, "acme")
        subscribe(s, t.id, "https://example.test/hook", ["idea.status_changed", "alert.resolved"])
        return t.id


def test_messages_leave_at_the_outer_commit_and_die_with_a_rollback(db, sent):
    from api.db.session import sessions

    s = sessions(db)()
    queue.enqueue(s, "probe", 1)
    queue.enqueue(s, "probe", 2, delay_s=1.5)
    queue.enqueue(s, "probe", "a", key="k")
    queue.enqueue(s, "probe", "b", key="k")  # same key in one transaction: sent once, the last one
    with s.begin_nested():  # releasing a SAVEPOINT is not the commit
        queue.enqueue(s, "probe", 3)
    assert sent == [] and len(queue.pending(s)) == 4
    s.commit()
    assert sent == [("probe", (1,), None), ("probe", (2,), 1500), ("probe", ("b",), None), ("probe", (3,), None)]
    sent.clear()
    queue.enqueue(s, "probe", 4)
    s.rollback()
    s.commit()
    assert sent == [] and queue.pending(s) == []
    queue.enqueue(s, "probe", 5)
    s.close()  # closing without commit is a rollback
    s.commit()
    assert sent == []


def test_a_failing_sender_does_not_undo_the_commit(db, monkeypatch):
    from api.db.models import Tenant
    from api.db.session import sessions

    def broken(args, delay):
        raise ConnectionError("broker down")

    monkeypatch.setitem(queue._senders, "probe", broken)
    s = sessions(db)()
    s.add(Tenant(name="t1"))
    queue.enqueue(s, "probe", 1)
    queue.enqueue(s, "no_such_task", 1)
    s.commit()  # logged, not raised
    assert s.scalar(select(Tenant.name)) == "t1"
    s.close()


def test_emit_enqueues_one_delivery_per_subscription_after_commit(db, sent):
    from api.db.models import Idea, WebhookDelivery
    from api.db.session import sessions
    from api.ideas import service as ideas

    tid = _tenant_with_hook(db)
    s = sessions(db)()
    idea = Idea(tenant_id=tid, cluster_id=1, title="夜间模式")
    s.add(idea)
    s.flush()
    ideas.set_status(s, idea, "planned", by="pm")
    assert sent == []
    s.commit()
    (d,) = s.scalars(select(WebhookDelivery)).all()
    assert sent == [("deliver_webhook", (d.id,), None)] and d.status == "pending"
    s.close()


def test_the_sweeper_sends_what_a_crash_left_pending(db, sent):
    """A crash between commit and send (here: the message is recorded, never run): the delivery is
    committed and pending; the sweeper sends it once it is past the grace period, and only once."""
    from api.alerts import service as alerts
    from api.db.models import Alert, WebhookDelivery
    from api.db.session import session_scope, sessions
    from api.tasks import sweep_outbox
    from api.webhooks import service as webhooks
    from cocreate.settings import Settings

    tid = _tenant_with_hook(db)
    s = sessions(db)()
    a = Alert(tenant_id=tid, alert_key="x1", kind="crisis", severity=7, label="假货", opened_at=dt.datetime.now(dt.UTC))
    s.add(a)
    s.flush()
    alerts.update_alert(s, a, "resolved", None, by="mod")
    s.commit()
    s.close()
    seen: list[httpx.Request] = []
    settings = Settings()
    assert sweep_outbox(settings, client=_receiver(seen)) == 0 and seen == []  # not yet overdue
    with session_scope(db) as s:
        assert webhooks.due_deliveries(s) == []
        s.execute(
            update(WebhookDelivery).values(
                next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=webhooks.GRACE_S + 1)
            )
        )
    assert sweep_outbox(settings, client=_receiver(seen)) == 1
    assert [json.loads(r.content)["event"] for r in seen] == ["alert.resolved"]
    assert sweep_outbox(settings, client=_receiver(seen)) == 0 and len(seen) == 1
    with session_scope(db) as s:
        d = s.scalar(select(WebhookDelivery))
        assert d.status == "delivered" and d.attempts == 1


def test_a_claimed_delivery_has_one_sender_until_its_lease_ends(db, sent):
    from api.db.models import WebhookDelivery
    from api.db.session import session_scope, sessions
    from api.webhooks import service as webhooks

    tid = _tenant_with_hook(db)
    with session_scope(db) as s:
        (did,) = webhooks.emit(s, tid, "alert.resolved", {"alert_id": 1})
    a, b = sessions(db)(), sessions(db)()
    assert webhooks.claim(a, did) is True
    assert webhooks.claim(b, did) is False  # a second message for it (a duplicate, the sweeper) stays away
    seen: list = []
    assert webhooks.deliver(b, did, 6, client=_receiver(seen)) == "busy" and seen == []
    # the holder died mid-call: nobody sends it before the lease ends, the sweeper does after it
    with session_scope(db) as s:
        assert webhooks.due_deliveries(s, grace_s=0) == []
        s.execute(update(WebhookDelivery).values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=6)))
        assert webhooks.due_deliveries(s) == [did]
    assert webhooks.deliver(b, did, 6, client=_receiver(seen)) == "delivered"
    b.commit()
    assert len(seen) == 1 and seen[0].headers["X-Cocreate-Delivery"] == str(did)
    a.close()
    b.close()


def test_a_failed_attempt_waits_for_its_back_off(db, sent):
    from api.db.session import sessions
    from api.webhooks import service as webhooks

    tid = _tenant_with_hook(db)
    s = sessions(db)()
    (did,) = webhooks.emit(s, tid, "alert.resolved", {"alert_id": 1})
    s.commit()
    seen: list = []
    assert webhooks.deliver(s, did, 6, client=_receiver(seen, 503)) == "pending"
    s.commit()
    assert webhooks.deliver(s, did, 6, client=_receiver(seen)) == "busy"  # due in 2 s, not now
    assert len(seen) == 1
    s.close()


def test_ingested_posts_are_queued_for_analysis_at_commit(db, sent, monkeypatch):
    from api.auth.service import create_tenant
    from api.db.session import sessions
    from api.posts.service import ingest, queue_analysis
    from cocreate.settings import Settings

    log = []
    monkeypatch.setitem(queue._senders, "analyze_posts", lambda args, delay: log.append(args))
    s = sessions(db)()
    t = create_tenant(s, "acme")
    res = ingest(s, t, [{"external_id": f"p{i}", "text": "希望加夜间模式"} for i in range(5)], Settings())
    queue_analysis(s, res.new_ids, batch=2)
    assert log == []
    s.commit()
    assert log == [(res.new_ids[:2],), (res.new_ids[2:4],), (res.new_ids[4:],)]
    s.close()
