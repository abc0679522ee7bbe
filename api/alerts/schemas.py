"""Crisis alerts and their moderator notes."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas import IsoDatetime, Public
from api.vocab import AlertKind, AlertStatus


class AlertNotePublic(Public):
    by: str
    at: IsoDatetime
    text: str


class AlertPublic(Public):
    id: int
    alert_key: str
    kind: AlertKind
    severity: int
    label: str
    status: AlertStatus
    opened_at: IsoDatetime
    respond_by: IsoDatetime = Field(description="one hour after opening")
    acknowledged_at: IsoDatetime | None
    resolved_at: IsoDatetime | None
    notes: list[AlertNotePublic]
    detail: dict[str, Any] = Field(
        description="the detector's evidence: counts, baseline, signal mix, playbook, post ids"
    )


class AlertsPublic(Public):
    items: list[AlertPublic]
    count: int
