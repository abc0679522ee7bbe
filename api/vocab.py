"""Every closed vocabulary of the service, in one place: the API schemas use these enums, and services
may import them instead of repeating the strings. ``StrEnum`` members equal their strings
(``IdeaStatus.planned == "planned"``), so code that still compares strings keeps working.
The analyzer's labels follow ../shared/docs/LABELS.md (model/heads.py holds the same lists)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """An API key's role; admin may do everything."""

    ingest = "ingest"
    pm = "pm"
    moderator = "moderator"
    admin = "admin"


class SentimentLabel(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class Intent(StrEnum):
    feature_request = "feature_request"
    bug_report = "bug_report"
    complaint = "complaint"
    praise = "praise"
    question = "question"
    other = "other"


class Signal(StrEnum):
    """Trust signals: withdrawals, deposits and the four highs of a super user."""

    deception = "deception"
    mistake = "mistake"
    safety_privacy = "safety_privacy"
    churn = "churn"
    reliability = "reliability"
    care = "care"
    purchase = "purchase"
    repurchase = "repurchase"
    share = "share"
    referral = "referral"


class PostStatus(StrEnum):
    pending = "pending"
    analyzed = "analyzed"
    failed = "failed"


class IdeaStatus(StrEnum):
    open = "open"
    under_review = "under_review"
    planned = "planned"
    in_progress = "in_progress"
    shipped = "shipped"
    declined = "declined"
    duplicate = "duplicate"


class IdeaSort(StrEnum):
    trending = "trending"
    most_wanted = "most_wanted"
    newest = "newest"
    most_negative = "most_negative"


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class AlertKind(StrEnum):
    """What the crisis detector opened: a crisis (webhook alert.opened), or a notice."""

    crisis = "crisis"
    grumble = "grumble"
    praise_spike = "praise_spike"


class WebhookEvent(StrEnum):
    post_analyzed = "post.analyzed"
    idea_created = "idea.created"
    idea_status_changed = "idea.status_changed"
    alert_opened = "alert.opened"
    alert_resolved = "alert.resolved"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class UserSort(StrEnum):
    super = "super"
    risk = "risk"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The plain strings of ``enum``, in declaration order (for services that keep tuples)."""
    return tuple(m.value for m in enum)
