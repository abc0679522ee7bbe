"""Server-rendered pages: the co-creation board, idea pages, roadmap, credits, users and the moderator
console. Sign-in with a tenant's API key (role pm, moderator or admin): the signed session cookie then
carries only a random session id (api/auth/service.py WebSessions), never the key.
Templates autoescape, so a post containing <script> renders as text; no asset comes from the internet."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.alerts import service as alert_svc
from api.auth.service import AuthError, authenticate, authenticate_hash
from api.db.models import ApiKey, CommunityUser, Idea, Post, StatusChange
from api.deps import get_session
from api.ideas import service as idea_svc
from api.users import service as user_svc
from api.vocab import Role
from api.web.i18n import translator
from model.ranking import sparkline

router = APIRouter(prefix="/web", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
WEB_ROLES = (Role.pm, Role.moderator, Role.admin)


class NeedLogin(Exception):
    pass


def _lang(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in ("en", "zh"):
        request.session["lang"] = q
    return request.session.get("lang", "zh")


def web_key(request: Request, session: Session = Depends(get_session)) -> ApiKey:
    held = request.app.state.web_sessions.lookup(request.session.get("sid"))
    if held is None:
        raise NeedLogin()
    try:
        key = authenticate_hash(session, *held)
    except AuthError as e:
        raise NeedLogin() from e
    if key.role not in WEB_ROLES:
        raise NeedLogin()
    return key


def render(request: Request, name: str, key: ApiKey | None, **ctx) -> HTMLResponse:
    lang = _lang(request)
    return templates.TemplateResponse(
        request, name, {"t": translator(lang), "lang": lang, "role": key.role if key else None, **ctx}
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: int = 0):
    return render(request, "login.html", None, title="sign in", page="login", error=error)


@router.post("/login")
def login(request: Request, key: str = Form(""), session: Session = Depends(get_session)):
    try:
        k = authenticate(session, key.strip())
    except AuthError:
        return RedirectResponse("/web/login?error=1", status_code=303)
    if k.role not in WEB_ROLES:
        return RedirectResponse("/web/login?error=1", status_code=303)
    sessions = request.app.state.web_sessions
    sessions.drop(request.session.get("sid"))  # a new id at every sign-in (no session fixation)
    request.session.pop("key", None)  # a cookie from before session ids
    request.session["sid"] = sessions.create(k)
    return RedirectResponse("/web/console" if k.role == "moderator" else "/web/board", status_code=303)


@router.get("/logout")
def logout(request: Request):
    request.app.state.web_sessions.drop(request.session.pop("sid", None))
    return RedirectResponse("/web/login", status_code=303)


def _now(session: Session, tenant_id: int) -> dt.datetime:
    """The board's "now": the newest post (a replayed demo community keeps its own clock)."""
    t = session.scalar(select(func.max(Post.created_at)).where(Post.tenant_id == tenant_id))
    if t is None:
        return dt.datetime.now(dt.UTC)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


@router.get("/board", response_class=HTMLResponse)
def board(
    request: Request,
    sort: str = "most_wanted",
    status: str | None = None,
    key: ApiKey = Depends(web_key),
    session: Session = Depends(get_session),
):
    if sort not in idea_svc.SORTS:
        sort = "most_wanted"
    if status not in idea_svc.STATUSES:
        status = None
    ideas = idea_svc.list_ideas(session, key.tenant_id, status=status, sort=sort, limit=100)
    now = _now(session, key.tenant_id)
    for i in ideas:
        times = session.scalars(select(Post.created_at).where(Post.idea_id == i["id"]))
        i["spark"] = sparkline([t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in times], now, days=14)
    return render(
        request,
        "board.html",
        key,
        title="board",
        page="board",
        ideas=ideas,
        sort=sort,
        status=status,
        statuses=idea_svc.STATUSES[:-1],
    )


@router.get("/roadmap", response_class=HTMLResponse)
def roadmap(request: Request, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    ideas = idea_svc.list_ideas(session, key.tenant_id, sort="most_wanted", limit=500)
    cols = {s: [i for i in ideas if i["status"] == s] for s in idea_svc.STATUSES}
    return render(request, "roadmap.html", key, title="roadmap", page="roadmap", columns=cols)


@router.get("/ideas/{idea_id}", response_class=HTMLResponse)
def idea_page(request: Request, idea_id: int, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    idea = idea_svc.get_idea(session, key.tenant_id, idea_id)
    if idea is None:
        return HTMLResponse("not found", status_code=404)
    d = idea_svc.idea_json(session, idea, detail=True)
    posts = list(session.scalars(select(Post).where(Post.idea_id == idea.id).order_by(Post.created_at)))
    days = Counter((p.created_at.date().isoformat()) for p in posts)
    if posts:
        d0, d1 = posts[0].created_at.date(), posts[-1].created_at.date()
        per_day = [
            ((d0 + dt.timedelta(days=k)).isoformat(), days.get((d0 + dt.timedelta(days=k)).isoformat(), 0))
            for k in range((d1 - d0).days + 1)
        ]
    else:
        per_day = []
    sig = Counter(s for p in posts if p.analysis for s in p.analysis.signals)
    sent = Counter(p.analysis.sentiment_label for p in posts if p.analysis)
    weights = user_svc.vote_weights(session, key.tenant_id)
    sup_ids = idea_svc.supporters(session, idea.id)
    sups = (
        [
            {"id": u.external_id, "super": weights.get(u.id, 1.0) >= 1.3}
            for u in session.scalars(select(CommunityUser).where(CommunityUser.id.in_(sup_ids)))
        ]
        if sup_ids
        else []
    )
    sups.sort(key=lambda u: (not u["super"], u["id"]))
    return render(
        request,
        "idea.html",
        key,
        title=d["title"],
        page="idea",
        idea=d,
        per_day=per_day,
        signals=sig.most_common(),
        sentiments=dict(sent),
        supporters=sups,
        posts=[
            {"created_at": p.created_at.isoformat(), "user": p.user.external_id if p.user else None, "text": p.text}
            for p in posts
        ],
        can_edit=key.role in ("pm", "admin"),
        statuses=idea_svc.STATUSES[:-1],
    )


def _pm(key: ApiKey) -> None:
    if key.role not in ("pm", "admin"):
        raise NeedLogin()


@router.post("/ideas/{idea_id}/status")
def set_status(
    request: Request,
    idea_id: int,
    status: str = Form(...),
    key: ApiKey = Depends(web_key),
    session: Session = Depends(get_session),
):
    _pm(key)
    idea = idea_svc.get_idea(session, key.tenant_id, idea_id)
    if idea is not None and status in idea_svc.STATUSES:
        idea_svc.set_status(session, idea, status, by=f"pm:{key.prefix}")
        session.commit()
    return RedirectResponse(f"/web/ideas/{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}/merge")
def merge(
    request: Request,
    idea_id: int,
    target: int = Form(...),
    key: ApiKey = Depends(web_key),
    session: Session = Depends(get_session),
):
    _pm(key)
    src, dst = idea_svc.get_idea(session, key.tenant_id, idea_id), idea_svc.get_idea(session, key.tenant_id, target)
    if src is not None and dst is not None:
        try:
            idea_svc.merge(session, src, dst, by=f"pm:{key.prefix}")
            session.commit()
            return RedirectResponse(f"/web/ideas/{target}", status_code=303)
        except ValueError:
            session.rollback()
    return RedirectResponse(f"/web/ideas/{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}/respond")
def respond(
    request: Request,
    idea_id: int,
    text: str = Form(""),
    key: ApiKey = Depends(web_key),
    session: Session = Depends(get_session),
):
    idea = idea_svc.get_idea(session, key.tenant_id, idea_id)
    if idea is not None and text.strip():
        idea_svc.respond(session, idea, staff=key.role, text=text.strip())
        session.commit()
    return RedirectResponse(f"/web/ideas/{idea_id}", status_code=303)


@router.get("/console", response_class=HTMLResponse)
def console(request: Request, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    rows = [a for a in alert_svc.list_alerts(session, key.tenant_id) if a.status != "resolved"]
    now = dt.datetime.now(dt.UTC)
    alerts = []
    for a in rows:
        d = alert_svc.alert_json(a)
        opened = a.opened_at if a.opened_at.tzinfo else a.opened_at.replace(tzinfo=dt.UTC)
        end = a.acknowledged_at or now
        end = end if end.tzinfo else end.replace(tzinfo=dt.UTC)
        d["minutes_open"] = max(0.0, (end - opened).total_seconds() / 60)
        d["done"] = {
            n["text"].split(":", 1)[0]
            for n in a.notes
            if n["text"].startswith(("respond:", "responsibility:", "rebuild:"))
        }
        ids = [int(x) for x in a.detail.get("post_ids", []) if str(x).isdigit()][:200]
        ps = (
            list(
                session.scalars(
                    select(Post).where(Post.id.in_(ids), Post.tenant_id == key.tenant_id).order_by(Post.created_at)
                )
            )
            if ids
            else []
        )
        d["posts"] = [
            {"id": p.id, "created_at": p.created_at.isoformat(), "text": p.text, "flagged": p.flagged} for p in ps
        ]
        alerts.append(d)
    clock = user_svc.response_clock(session, key.tenant_id)["posts"]
    return render(request, "console.html", key, title="console", page="console", alerts=alerts, clock=clock)


@router.post("/alerts/{alert_id}")
def alert_action(
    request: Request,
    alert_id: int,
    action: str = Form("note"),
    note: str = Form(""),
    respond: str | None = Form(None),
    responsibility: str | None = Form(None),
    rebuild: str | None = Form(None),
    key: ApiKey = Depends(web_key),
    session: Session = Depends(get_session),
):
    a = alert_svc.get_alert(session, key.tenant_id, alert_id)
    if a is not None and key.role in ("moderator", "admin"):
        steps = [s for s, v in (("respond", respond), ("responsibility", responsibility), ("rebuild", rebuild)) if v]
        for s in steps:
            if not any(n["text"].startswith(s + ":") for n in a.notes):
                alert_svc.update_alert(session, a, None, f"{s}: done", by=f"moderator:{key.prefix}")
        status = {"acknowledge": "acknowledged", "resolve": "resolved"}.get(action)
        alert_svc.update_alert(session, a, status, note.strip() or None, by=f"moderator:{key.prefix}")
        session.commit()
    return RedirectResponse("/web/console", status_code=303)


@router.post("/posts/{post_id}/flag")
def flag(request: Request, post_id: int, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    p = session.get(Post, post_id)
    if p is not None and p.tenant_id == key.tenant_id:
        p.flagged = True
        session.commit()
    return RedirectResponse("/web/console", status_code=303)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    return render(
        request,
        "users.html",
        key,
        title="users",
        page="users",
        supers=user_svc.list_users(session, key.tenant_id, "super", 15),
        risky=[u for u in user_svc.list_users(session, key.tenant_id, "risk", 15) if u["at_risk"]],
    )


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: str, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    u = user_svc.get_user(session, key.tenant_id, user_id)
    if u is None:
        return HTMLResponse("not found", status_code=404)
    return render(request, "user.html", key, title=user_id, page="users", u=user_svc.user_json(session, u, True))


@router.get("/credits", response_class=HTMLResponse)
def credits(request: Request, key: ApiKey = Depends(web_key), session: Session = Depends(get_session)):
    shipped = []
    wall: Counter = Counter()
    for i in session.scalars(select(Idea).where(Idea.tenant_id == key.tenant_id, Idea.status == "shipped")):
        at = session.scalar(
            select(func.max(StatusChange.at)).where(StatusChange.idea_id == i.id, StatusChange.to_status == "shipped")
        )
        first = session.execute(
            select(CommunityUser.external_id, func.min(Post.created_at))
            .join(Post, Post.user_id == CommunityUser.id)
            .where(Post.idea_id == i.id)
            .group_by(CommunityUser.external_id)
            .order_by(func.min(Post.created_at))
            .limit(100)
        ).all()
        names = [u for u, _ in first]
        wall.update(names)
        shipped.append({"title": i.title, "shipped_at": at.isoformat() if at else "", "credits": names})
    return render(
        request, "credits.html", key, title="credits", page="credits", shipped=shipped, wall=wall.most_common()
    )
