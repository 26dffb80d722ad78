"""The web intake's routes (Starlette): a department's page behind its link, and the clerk's desk.

Every page is rendered by jinja2 with autoescape; there is no JavaScript, so the Content-Security-Policy
allows none. A wrong or revoked token, like any unknown path, gets the same bare 404."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ledgerxl.errors import LedgerxlError
from ledgerxl.jobs.batch.logfile import log
from ledgerxl.jobs.intake import Intake
from ledgerxl.web import links, security
from ledgerxl.web.upload import MAX_UPLOAD_BYTES, UploadRefused, receive_file

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
UPLOADS_DIR = ".uploads"  # beside the database: uploads being received (removed once checked)
DESK_ACTOR = "督查室（网页）"
OUTPUT_SUFFIXES = (".xlsx", ".docx", ".pdf", ".txt", ".json")
OPENED_EVERY = 300.0  # seconds: how fresh the desk's "已打开" needs to be


@dataclass
class Web:
    """What every request shares."""

    intake: Intake
    base_url: str
    secure: bool = False  # served over TLS: cookies get `Secure`
    secret: bytes = b""
    sessions: security.Sessions = field(default_factory=security.Sessions)
    page_limit: security.RateLimit = field(default_factory=lambda: security.RateLimit(60, 1.0))
    upload_limit: security.RateLimit = field(default_factory=lambda: security.RateLimit(10, 6.0))
    login_limit: security.RateLimit = field(default_factory=lambda: security.RateLimit(5, 60.0))
    env: jinja2.Environment | None = None
    upload_bytes: int = MAX_UPLOAD_BYTES
    opened: dict[str, float] = field(default_factory=dict)  # department -> when its opened_at was last written

    def render(self, name: str, status: int = 200, **context: Any) -> Response:
        assert self.env is not None
        html = self.env.get_template(name).render(period=self.intake.period, org=self.intake.cfg.org, **context)
        return Response(html, status, media_type="text/html; charset=utf-8")


def build_app(intake: Intake, base_url: str, secure: bool = False) -> Starlette:
    web = Web(intake, base_url, secure, links.load_secret(intake.paths.db))
    # ledgerxl's own templates, not a clerk's: autoescaped, but not sandboxed (the sandbox's checks on
    # every attribute cost the server 1 ms a page)
    web.env = jinja2.Environment(
        loader=jinja2.PackageLoader("ledgerxl", "templates/web"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    web.env.filters["size"] = _size
    _warm_up(web.env)

    def route(path: str, fn: Any, methods: list[str] | None = None) -> Route:
        async def endpoint(request: Request) -> Response:
            return await fn(web, request)

        return Route(path, endpoint, methods=methods or ["GET"])

    routes = [
        route("/", home),
        route("/static/style.css", stylesheet),
        route("/d/{token}", department_page, ["GET", "POST"]),
        route("/d/{token}/form", department_form),
        route("/d/{token}/copy/{upload:int}", department_copy),
        route("/desk", desk),
        route("/desk/login", desk_login, ["GET", "POST"]),
        route("/desk/logout", desk_logout, ["POST"]),
        route("/desk/dept/{index:int}", desk_department),
        route("/desk/decide", desk_decide, ["POST"]),
        route("/desk/reminders", desk_reminders),
        route("/desk/publish", desk_publish, ["POST"]),
        route("/desk/runs", desk_runs),
        route("/desk/out/{name}", desk_output),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(_Headers)
    app.state.web = web
    return app


def _warm_up(env: jinja2.Environment) -> None:
    """Compile every template and import what the handlers import when first called, before the first
    request: in a burst of 50 uploads right after a start they cost the server 2 ms an upload."""
    import importlib

    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    for module in (
        "anyio._backends._asyncio",  # what the first run_in_threadpool imports
        "ledgerxl.jobs.history",
        "ledgerxl.jobs.batch.record",
        "ledgerxl.jobs.check",
        "ledgerxl.rules.previous_period",
        "ledgerxl.write.feedback",
        "ledgerxl.write.publish",
        "ledgerxl.write.form",
    ):
        importlib.import_module(module)


class _Headers:
    """Security headers on every response (ASGI middleware: no buffering of bodies)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    # the token is in the page's URL: never send it on to another site
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def not_found() -> Response:
    return PlainTextResponse("Not Found", 404)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


async def home(web: Web, request: Request) -> Response:
    return web.render("home.html")


async def stylesheet(web: Web, request: Request) -> Response:
    from importlib import resources

    css = resources.files("ledgerxl").joinpath("templates/web/style.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})


# ---- a department's page


def _department(web: Web, token: str) -> str | None:
    with web.intake.reading() as store:
        return store.link_department(links.token_hash(token))


def _limited(limit: security.RateLimit, key: str) -> Response | None:
    if limit.allow(key):
        return None
    return PlainTextResponse("操作太频繁，请稍后再试。", 429, headers={"retry-after": str(limit.retry_after())})


async def department_page(web: Web, request: Request) -> Response:
    token = request.path_params["token"]
    key = links.token_hash(token)
    if request.method == "GET":
        shown = request.query_params.get("u", "")
        if (refused := _limited(web.page_limit, key)) is not None:
            # a wrong token is never told apart from a right one: it is limited alike, and 404s after
            return refused
        context = await run_in_threadpool(_page_of, web, token, int(shown) if shown.isdigit() else None)
        if context is None:
            return not_found()
        return web.render("department.html", token=token, **context)
    # an indexed lookup (0.1 ms) on the event loop: a trip to the thread pool cost more than the query
    dept = _department(web, token)
    if dept is None:
        return not_found()
    if request.method == "POST":
        if (refused := _limited(web.upload_limit, key)) is not None:
            return refused
        return await _upload(web, request, dept, token)
    if (refused := _limited(web.page_limit, key)) is not None:
        return refused
    shown = request.query_params.get("u", "")
    context = await run_in_threadpool(_department_context, web, dept, int(shown) if shown.isdigit() else None)
    return web.render("department.html", token=token, **context)


def _page_of(web: Web, token: str, shown: int | None) -> dict[str, Any] | None:
    """The department page's context for `token`, or None (404), in one trip to the thread pool."""
    dept = _department(web, token)
    return None if dept is None else _department_context(web, dept, shown)


async def _upload(web: Web, request: Request, dept: str, token: str) -> Response:
    folder = web.intake.paths.db.parent / UPLOADS_DIR
    try:
        got = await receive_file(request, folder, limit=web.upload_bytes)
    except UploadRefused as e:
        await run_in_threadpool(_audit, web, dept, "上传被拒", e.message, _client(request))
        context = await run_in_threadpool(_department_context, web, dept, None)
        context["refused"] = e.message
        page = web.render("department.html", e.status, token=token, **context)
        # the rest of a refused body is not read: the connection closes (else the server went on parsing
        # a 21 MB upload it had already refused)
        page.headers["connection"] = "close"
        return page
    try:
        received = await run_in_threadpool(web.intake.receive, dept, got.path, got.name, got.sha256, _client(request))
    except LedgerxlError as e:  # the lock held past its wait (a long batch run), the database unwritable
        got.path.unlink(missing_ok=True)
        context = await run_in_threadpool(_department_context, web, dept, None)
        context["refused"] = str(e)
        return web.render("department.html", 503, token=token, **context)
    return RedirectResponse(f"/d/{token}?u={received.upload_id}#result", 303)


def _audit(web: Web, actor: str, action: str, detail: str, address: str, department: str = "") -> None:
    with web.intake.db() as store, store.transaction():
        store.audit(actor, action, department or actor, detail, address)


def _department_context(web: Web, dept: str, shown: int | None) -> dict[str, Any]:
    from ledgerxl.jobs.history import stored_selection

    intake = web.intake
    now = time.monotonic()
    if now - web.opened.get(dept, -OPENED_EVERY) >= OPENED_EVERY:  # a write (an fsync) per view cost 10 ms
        web.opened[dept] = now
        with intake.db() as writer:
            writer.mark_link(dept, "opened_at")
    with intake.reading() as store:
        versions = stored_selection(store, intake.period, dept).versions
        uploads = store.uploads(intake.period, dept)
    current = next((v for v in versions if v.current), None)
    result = next((u for u in uploads if u.id == shown), None) if shown is not None else None
    current_files = {v.file_id for v in versions if v.current}
    return {
        "department": dept,
        "deadline": intake.cfg.deadline,
        "items": intake.master.items_of(dept),
        "current": current,
        "versions": versions,
        "uploads": uploads,
        "result": result,
        "result_current": result is not None and result.file_id in current_files,
        "refused": "",
        "copyable": {u.id for u in uploads if u.file_id is not None and u.findings},
    }


def _owner(web: Web, request: Request) -> str | Response:
    """The department whose link the request came by, or the answer to give instead (404, 429)."""
    token = request.path_params["token"]
    dept = _department(web, token)  # an indexed lookup: on the event loop (see department_page)
    if dept is None:
        return not_found()
    if (refused := _limited(web.page_limit, links.token_hash(token))) is not None:
        return refused
    return dept


async def department_form(web: Web, request: Request) -> Response:
    dept = _owner(web, request)
    if isinstance(dept, Response):
        return dept
    data, name = await run_in_threadpool(_prefilled_form, web, dept)
    return _download(data, name)


def _prefilled_form(web: Web, dept: str) -> tuple[bytes, str]:
    """The department's form for the period, pre-filled with its current version's texts when it has one
    (a correction starts from what it sent), else empty."""
    from ledgerxl.write.form import build_form, form_name

    intake = web.intake
    progress: dict[int, str] = {}
    with intake.reading() as store:
        for sub, _ in store.current_files(intake.period):
            if sub.department == dept:
                progress = {e.number: e.progress for e in sub.entries if e.number is not None}
    when = intake.cfg.date_for(intake.period)
    data = build_form(dept, intake.master.items_of(dept), intake.period, progress, intake.cfg.org, date=when)
    return data, form_name(dept, intake.period)


async def department_copy(web: Web, request: Request) -> Response:
    dept = _owner(web, request)
    if isinstance(dept, Response):
        return dept
    made = await run_in_threadpool(_annotated, web, dept, request.path_params["upload"])
    if made is None:
        return not_found()
    return _download(*made)


def _annotated(web: Web, dept: str, upload_id: int) -> tuple[bytes, str] | None:
    """The marked-up copy of one of the department's own recorded uploads, made in a worker."""
    from ledgerxl.contained import Failed
    from ledgerxl.jobs.validate import annotated_copy
    from ledgerxl.write.feedback import copy_name

    intake = web.intake
    with intake.reading() as store:
        upload = next((u for u in store.uploads(intake.period, dept, 500) if u.id == upload_id), None)
        if upload is None or upload.file_id is None:
            return None
        _, archived = store.archive_of(upload.file_id)
    path = intake.paths.archive / archived
    with intake.pool() as pool:
        data = pool.call(annotated_copy, None, path, upload.findings)
    if isinstance(data, (Failed, str)):
        return None
    return data, copy_name(Path(upload.name), dept)


def _download(data: bytes, name: str) -> Response:
    quoted = urllib.parse.quote(name)
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    disposition = f"attachment; filename=\"{_ascii_name(name)}\"; filename*=UTF-8''{quoted}"
    return Response(data, media_type=ctype, headers={"content-disposition": disposition})


def _ascii_name(name: str) -> str:
    suffix = Path(name).suffix if Path(name).suffix.isascii() else ""
    return f"ledgerxl{suffix}"


# ---- the clerk's desk


def _session(web: Web, request: Request) -> security.Session | None:
    return web.sessions.get(request.cookies.get(security.SESSION_COOKIE))


def _login_redirect() -> Response:
    return RedirectResponse("/desk/login", 303)


async def _checked_post(web: Web, request: Request) -> tuple[security.Session, dict[str, str]] | Response:
    """A desk POST's session and fields, or the answer to a POST without a session (303 to the login)
    or without the session's CSRF token (403)."""
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    form = await request.form(max_files=0, max_fields=20, max_part_size=8192)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not security.same(fields.get("csrf"), session.csrf):
        return PlainTextResponse("表单已过期，请返回刷新页面后重试。", 403)
    return session, fields


async def desk_login(web: Web, request: Request) -> Response:
    if request.method == "GET":
        return web.render("desk_login.html", error="", csrf=_login_csrf(web, request))
    address = _client(request)
    if not web.login_limit.allow(address):
        return web.render("desk_login.html", 429, error="登录尝试太频繁，请一分钟后再试。", csrf="")
    form = await request.form(max_files=0, max_fields=5, max_part_size=1024)
    password = form.get("password")
    if not security.same(str(form.get("csrf", "")), _login_csrf(web, request)):
        return web.render(
            "desk_login.html", 403, error="页面已过期，请重新打开登录页。", csrf=_login_csrf(web, request)
        )
    with web.intake.reading() as store:
        stored = store.setting(security.PASSWORD_KEY)
    ok = await run_in_threadpool(security.check_password, str(password or ""), stored)
    if not ok:
        await run_in_threadpool(_audit, web, DESK_ACTOR, "登录失败", "", address, "-")
        error = "密码不对。" if stored else "还没有设置督查室密码：请在服务器上运行 ledgerxl desk-password。"
        return web.render("desk_login.html", 403, error=error, csrf=_login_csrf(web, request))
    await run_in_threadpool(_audit, web, DESK_ACTOR, "登录", "", address, "-")
    response = RedirectResponse("/desk", 303)
    response.set_cookie(
        security.SESSION_COOKIE,
        web.sessions.new(),
        httponly=True,
        samesite="strict",
        secure=web.secure,
        path="/desk",
    )
    return response


def _login_csrf(web: Web, request: Request) -> str:
    """The login form's token: bound to the client's address (there is no session before the login)."""
    return hashlib.sha256(web.secret + b"login\0" + _client(request).encode()).hexdigest()[:32]


async def desk_logout(web: Web, request: Request) -> Response:
    checked = await _checked_post(web, request)
    if isinstance(checked, Response):
        return checked
    web.sessions.end(request.cookies.get(security.SESSION_COOKIE))
    response = RedirectResponse("/desk/login", 303)
    response.delete_cookie(security.SESSION_COOKIE, path="/desk")
    return response


async def desk(web: Web, request: Request) -> Response:
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    context = await run_in_threadpool(_desk_context, web)
    return web.render("desk.html", csrf=session.csrf, notice=request.query_params.get("msg", ""), **context)


@dataclass
class DeskRow:
    index: int
    department: str
    current: Any
    versions: int
    last_upload: str
    link: str  # 未生成 / 已发出 / 已打开


def _desk_context(web: Web) -> dict[str, Any]:
    from ledgerxl.jobs.history import stored_selection

    intake = web.intake
    with intake.reading() as store:
        versions = stored_selection(store, intake.period).versions
        have = store.links()
        last = store.last_uploads(intake.period)
        runs = store.runs(intake.period, 5)
    by_department: dict[str | None, list[Any]] = {}
    for v in versions:  # grouped once: a scan per department was quadratic at 5,000 departments
        by_department.setdefault(v.department, []).append(v)
    rows = []
    for i, dept in enumerate(intake.master.departments):
        mine = by_department.get(dept, [])
        state = have.get(dept)
        link = "未生成" if state is None else "已打开" if state[3] else "已发出" if state[2] else "已生成"
        current = next((v for v in mine if v.current), None)
        rows.append(DeskRow(i, dept, current, len(mine), last.get(dept, ""), link))
    done = sum(1 for r in rows if r.current is not None and not r.current.errors)
    return {
        "rows": rows,
        "done": done,
        "deadline": intake.cfg.deadline,
        "outputs": _outputs(intake.paths.out),
        "runs": runs,
        "unassigned": [v for v in versions if v.department is None],
    }


def _outputs(out: Path) -> list[tuple[str, int, str]]:
    if not out.is_dir():
        return []
    found = []
    for p in sorted(out.iterdir()):
        if p.is_file() and not p.is_symlink() and p.suffix.lower() in OUTPUT_SUFFIXES and not p.name.startswith("."):
            st = p.stat()
            when = dt.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M")
            found.append((p.name, st.st_size, when))
    return found


def _index(web: Web, raw: object) -> str | None:
    departments = web.intake.master.departments
    return departments[int(str(raw))] if str(raw).isdigit() and int(str(raw)) < len(departments) else None


async def desk_department(web: Web, request: Request) -> Response:
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    dept = _index(web, request.path_params["index"])
    if dept is None:
        return not_found()
    context = await run_in_threadpool(_desk_department_context, web, dept)
    return web.render(
        "desk_department.html", csrf=session.csrf, index=request.path_params["index"], notice="", **context
    )


def _desk_department_context(web: Web, dept: str) -> dict[str, Any]:
    from ledgerxl.jobs.history import stored_selection

    intake = web.intake
    with intake.reading() as store:
        versions = stored_selection(store, intake.period, dept).versions
        findings = {v.file_id: store.findings_of([v.file_id]) for v in versions}
        uploads = store.uploads(intake.period, dept)
        link = links.link_of(store, web.secret, dept, web.base_url)
    if link:
        with intake.db() as writer:
            writer.mark_link(dept, "shown_at")
    return {"department": dept, "versions": versions, "findings": findings, "uploads": uploads, "link": link}


async def desk_decide(web: Web, request: Request) -> Response:
    checked = await _checked_post(web, request)
    if isinstance(checked, Response):
        return checked
    _, fields = checked
    dept = _index(web, fields.get("index", ""))
    action = fields.get("action", "")
    if dept is None or action not in ("use", "withdraw") or not fields.get("version", "").isdigit():
        return PlainTextResponse("请求有误。", 400)
    reason = fields.get("reason", "").strip()[:200]
    try:
        await run_in_threadpool(_decide, web, dept, fields["version"], action, reason)
    except LedgerxlError as e:
        context = await run_in_threadpool(_desk_department_context, web, dept)
        session = _session(web, request)
        csrf = session.csrf if session else ""
        return web.render("desk_department.html", 409, csrf=csrf, index=fields["index"], notice=str(e), **context)
    await run_in_threadpool(
        _audit,
        web,
        DESK_ACTOR,
        "采用" if action == "use" else "撤回",
        f"版本 {fields['version']} {reason}",
        _client(request),
        dept,
    )
    return RedirectResponse(f"/desk/dept/{fields['index']}", 303)


def _decide(web: Web, dept: str, version: str, action: str, reason: str) -> None:
    from ledgerxl.jobs.decide import decide

    web.intake.serialized(decide, web.intake.cfg, dept, version, action, reason, web.intake.period.code, DESK_ACTOR)


async def desk_reminders(web: Web, request: Request) -> Response:
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    text = await run_in_threadpool(_reminder_text, web)
    return web.render("desk_reminders.html", csrf=session.csrf, text=text)


def _reminder_text(web: Web) -> str:
    """The 催报 list for a chat group: who has not sent a form without errors, each with its link."""
    from ledgerxl.jobs.history import stored_selection

    intake = web.intake
    with intake.reading() as store:
        versions = stored_selection(store, intake.period).versions
        good = {v.department for v in versions if v.current and not v.errors}
        sent = {v.department for v in versions}
        missing = [d for d in intake.master.departments if d not in good]
        found = {d: links.link_of(store, web.secret, d, web.base_url) for d in missing}
    with intake.db() as writer, writer.transaction():
        for d in missing:
            if found[d]:
                writer.mark_link(d, "shown_at")
    if not missing:
        return f"{intake.period}进展情况：各单位均已报送。"
    deadline = intake.cfg.deadline
    when = f"请于{deadline.month}月{deadline.day}日前" if deadline else "请尽快"
    lines = [
        f"【催报】{intake.period}政府工作报告公开挂牌事项进展情况，以下单位尚未报送（或报送有误待更正），{when}通过本单位的报送链接上传："
    ]
    for n, d in enumerate(missing, 1):
        state = "（已报送，有错误待更正）" if d in sent else ""
        lines.append(f"{n}. {d}{state}：{found[d] or '（尚未生成链接，请督查室运行 ledgerxl links）'}")
    return "\n".join(lines)


async def desk_publish(web: Web, request: Request) -> Response:
    checked = await _checked_post(web, request)
    if isinstance(checked, Response):
        return checked
    try:
        message = await run_in_threadpool(_publish, web)
    except LedgerxlError as e:
        message = f"发布失败：{e}"
    except Exception as e:  # a bug: the clerk is told, the log keeps the traceback for the maintainer
        log.exception("发布时程序内部错误")
        message = f"发布失败：程序内部错误（{type(e).__name__}），详情见日志 {web.intake.paths.log}。"
    await run_in_threadpool(_audit, web, DESK_ACTOR, "发布", message, _client(request), "-")
    return RedirectResponse(f"/desk?msg={urllib.parse.quote(message)}#outputs", 303)


def _publish(web: Web) -> str:
    """merge → 台账.xlsx, 附件.docx (通知.docx when [notice] is set), 催报名单, by the batch job over the
    same history, then 校验报告.xlsx of the period's findings."""
    from ledgerxl.jobs.batch import BatchOptions, run_batch
    from ledgerxl.write.publish import write_atomic
    from ledgerxl.write.report import REPORT_NAME, build_report

    intake = web.intake
    result = intake.serialized(run_batch, BatchOptions(config=intake.cfg))
    date = intake.cfg.date_for(intake.period)
    write_atomic(intake.paths.out / REPORT_NAME, build_report(result.findings, f"{intake.period}校验报告", date))
    return " ".join(result.summary())


async def desk_runs(web: Web, request: Request) -> Response:
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    with web.intake.reading() as store:
        runs = store.runs(web.intake.period, 100)
        audit = store.audit_log(200)
    return web.render("desk_runs.html", csrf=session.csrf, runs=runs, audit=audit)


async def desk_output(web: Web, request: Request) -> Response:
    session = _session(web, request)
    if session is None:
        return _login_redirect()
    name = request.path_params["name"]
    if name not in {n for n, _, _ in _outputs(web.intake.paths.out)}:
        return not_found()
    data = (web.intake.paths.out / name).read_bytes()
    return _download(data, name)
