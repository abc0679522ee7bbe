"""/v1/alerts: crisis alerts for moderators; acknowledge, resolve, add 3R notes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import problems
from api.alerts import service as svc
from api.alerts.schemas import AlertPublic, AlertsPublic
from api.db.models import ApiKey
from api.deps import IdPath, get_session, role
from api.problems import Problem
from api.vocab import AlertKind, AlertStatus, Role

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=problems.responses(*problems.AUTH))


class AlertPatch(BaseModel):
    model_config = ConfigDict(use_enum_values=True)
    status: AlertStatus | None = None
    note: str | None = Field(
        None, max_length=5000, description="a 3R checklist note (respond, responsibility, rebuild)"
    )
    by: str = Field("moderator", max_length=100)


@router.get("", summary="Alerts, most severe first", response_model=AlertsPublic)
def list_alerts(
    key: ApiKey = Depends(role(Role.moderator, Role.pm)),
    session: Session = Depends(get_session),
    status: AlertStatus | None = None,
    kind: AlertKind | None = None,
):
    items = [
        svc.alert_json(a) for a in svc.list_alerts(session, key.tenant_id, status and status.value, kind and kind.value)
    ]
    return {"items": items, "count": len(items)}


@router.patch(
    "/{alert_id}",
    summary="Acknowledge or resolve an alert, or add a note",
    response_model=AlertPublic,
    responses=problems.responses(404),
)
def patch_alert(
    alert_id: IdPath,
    body: AlertPatch,
    key: ApiKey = Depends(role(Role.moderator)),
    session: Session = Depends(get_session),
):
    a = svc.get_alert(session, key.tenant_id, alert_id)
    if a is None:
        raise Problem(404, "Not Found", f"no alert {alert_id} in your tenant")
    svc.update_alert(session, a, body.status, body.note, body.by)
    session.commit()
    return svc.alert_json(a)
