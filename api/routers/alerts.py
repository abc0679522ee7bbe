"""/v1/alerts: crisis alerts for moderators; acknowledge, resolve, add 3R notes."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.models import ApiKey
from api.deps import IdPath, get_session, role
from api.problems import Problem
from api.services import alerts as svc
from api.services.webhooks import flush_outbox

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


class AlertPatch(BaseModel):
    status: Literal["open", "acknowledged", "resolved"] | None = None
    note: str | None = Field(None, max_length=5000, description="a 3R checklist note (respond, responsibility, rebuild)")
    by: str = Field("moderator", max_length=100)


@router.get("", summary="Alerts, most severe first")
def list_alerts(key: ApiKey = Depends(role("moderator", "pm")), session: Session = Depends(get_session),
                status: Literal["open", "acknowledged", "resolved"] | None = None, kind: str | None = None):
    return {"items": [svc.alert_json(a) for a in svc.list_alerts(session, key.tenant_id, status, kind)]}


@router.patch("/{alert_id}", summary="Acknowledge or resolve an alert, or add a note")
def patch_alert(alert_id: IdPath, body: AlertPatch, key: ApiKey = Depends(role("moderator")),
                session: Session = Depends(get_session)):
    a = svc.get_alert(session, key.tenant_id, alert_id)
    if a is None:
        raise Problem(404, "Not Found", f"no alert {alert_id} in your tenant")
    svc.update_alert(session, a, body.status, body.note, body.by)
    session.commit()
    flush_outbox(session)
    return svc.alert_json(a)
