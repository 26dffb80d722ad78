"""The web intake's security over HTTP: tokens, the desk's login and CSRF, escaping, limits, hostile
uploads among good ones, and two uploads of one department at the same moment."""

from __future__ import annotations

import io
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from helpers import ROOT
from webkit import Site, form_of, site

from ledgerxl.web.links import make_token

sys.path.insert(0, str(ROOT / "tests" / "corpus"))
import make_corpus  # noqa: E402

pytestmark = pytest.mark.slow

DEPT = "市统计局"
DESK_GETS = ["/desk", "/desk/dept/0", "/desk/reminders", "/desk/runs", "/desk/out/台账.xlsx"]


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    with site(tmp_path / "w", workers=2) as s:
        yield s


def with_cells(cells: dict[str, object], department: str = DEPT) -> bytes:
    wb = openpyxl.load_workbook(form_of(department))
    for ref, v in cells.items():
        wb["填报表"][ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb() -> bytes:
    """An .xlsx whose sheet unpacks about 1,000 times larger than it is packed."""
    return make_corpus.raw_xlsx(make_corpus._sheet(" " * 20_000_000))


def killing_form() -> bytes:
    """A form calamine cannot build inside the worker's memory limit (cells A1 and XFD1048576)."""
    far = make_corpus._istr("XFD1048576", "x")
    return make_corpus.raw_xlsx(
        make_corpus._sheet(f'<row r="1">{make_corpus._istr("A1", "序号")}</row><row r="1048576">{far}</row>')
    )


def test_a_wrong_or_revoked_token_gets_the_bare_404_of_any_unknown_path(web: Site) -> None:
    unknown = web.client.get("/no/such/page")
    good = web.links[DEPT].url.rsplit("/", 1)[1]
    for path in [
        "/d/" + "A" * 24,
        "/d/" + good[:-1] + ("A" if good[-1] != "A" else "B"),
        "/d/" + good + "x",
        "/d/" + make_token(b"another secret", DEPT, 1),
        f"/d/{good[:-1]}/form",
        "/d/%00",
    ]:
        r = web.client.get(path)
        assert (r.status_code, r.text) == (404, unknown.text) == (404, "Not Found"), path
        assert DEPT not in r.text
    r = web.client.post("/d/" + "A" * 24, files={"file": ("x.xlsx", form_of(DEPT).read_bytes())})
    assert r.status_code == 404
    from ledgerxl.config import load_config
    from ledgerxl.web.links import links_for

    links_for(load_config(web.config), rotate=[DEPT])
    assert web.client.get(web.path(DEPT)).status_code == 404  # the old link is revoked
    assert web.client.get(web.path("市财政局")).status_code == 200


def test_the_desk_shows_nothing_without_a_login(web: Site) -> None:
    web.upload(DEPT, form_of(DEPT).read_bytes())
    for path in DESK_GETS:
        r = web.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/desk/login", path
        assert DEPT not in r.text and "市财政局" not in r.text
    for path in ["/desk/publish", "/desk/decide", "/desk/logout"]:
        r = web.client.post(path, data={"csrf": "x"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/desk/login", path
    assert not (web.config.parent / "out").exists() or not any((web.config.parent / "out").iterdir())
    login = web.client.get("/desk/login").text
    assert DEPT not in login


def test_desk_posts_need_the_sessions_csrf_token(web: Site) -> None:
    csrf = web.login()
    for token in ["", "x" * 43, csrf[:-1]]:
        r = web.client.post("/desk/publish", data={"csrf": token}, follow_redirects=False)
        assert r.status_code == 403, token
    assert not (web.config.parent / "out" / "台账.xlsx").exists()
    r = web.client.post("/desk/publish", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and (web.config.parent / "out" / "台账.xlsx").exists()


def test_the_session_cookie_is_httponly_strict_and_ends_at_logout(web: Site) -> None:
    from webkit import PASSWORD, csrf_of

    login_csrf = csrf_of(web.client.get("/desk/login").text)
    r = web.client.post("/desk/login", data={"password": PASSWORD, "csrf": login_csrf}, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/desk" in cookie
    session = re.search(r"ledgerxl_desk=([^;]+)", cookie)
    assert session
    csrf = csrf_of(web.client.get("/desk").text)
    web.client.post("/desk/logout", data={"csrf": csrf})
    web.client.cookies.set("ledgerxl_desk", session.group(1), path="/desk")
    assert web.client.get("/desk", follow_redirects=False).status_code == 303


def test_wrong_passwords_are_refused_then_rate_limited_and_audited(web: Site) -> None:
    from webkit import csrf_of

    csrf = csrf_of(web.client.get("/desk/login").text)
    codes = [web.client.post("/desk/login", data={"password": f"guess{i}", "csrf": csrf}).status_code for i in range(7)]
    assert codes[:5] == [403] * 5 and codes[5:] == [429, 429]
    with web.intake.db() as store:
        assert sum(1 for row in store.audit_log() if row[2] == "登录失败") == 5


def test_department_text_and_file_names_are_escaped(web: Site) -> None:
    evil = '<script>alert("x")</script>'
    _, page = web.upload(DEPT, with_cells({"B2": f"市{evil}局"}), f"{evil}.xlsx")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page  # the department cell, quoted in a finding
    _, page = web.upload(DEPT, with_cells({"B5": f"全市生产总值增长5.5%左右。{evil}"}), "b.xlsx")
    assert "<script>alert" not in page and "E203" in page
    csrf = web.login()
    for path in DESK_GETS[:4]:
        assert "<script>" not in web.client.get(path).text
    assert csrf


def test_an_upload_over_the_limit_is_refused_while_it_streams(web: Site) -> None:
    web.web.upload_bytes = 100_000
    status, page = web.upload(DEPT, b"PK" + b"\0" * 200_000, "big.xlsx")
    assert status == 413 and "MB 的上限" in page
    assert not any((web.config.parent / ".uploads").glob("*"))
    r = web.client.post(web.path(DEPT), content=b"not multipart", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and "Traceback" not in r.text
    body = b"--xx\r\nContent-Disposition: form-data; name=file; filename=a.xlsx\r\n\r\nPK\x03"  # cut off
    r = web.client.post(web.path(DEPT), content=body, headers={"content-type": "multipart/form-data; boundary=xx"})
    assert r.status_code == 400
    assert not any((web.config.parent / ".uploads").glob("*"))


def test_uploads_are_rate_limited_per_link(web: Site) -> None:
    data = form_of(DEPT).read_bytes()
    statuses = [web.upload(DEPT, data)[0] for _ in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    assert web.upload("市财政局", form_of("市财政局").read_bytes())[0] == 200  # another link is not slowed


def test_a_bomb_and_a_killing_file_during_other_uploads_hurt_no_one(web: Site) -> None:
    hostile = {"市财政局": ("炸弹.xlsx", zip_bomb()), "市科技局": ("杀手.xlsx", killing_form())}
    good = [d for d in web.links if d not in hostile][:8]
    pages: dict[str, str] = {}

    def send(dept: str, name: str, data: bytes) -> None:
        pages[dept] = web.upload(dept, data, name)[1]

    threads = [threading.Thread(target=send, args=(d, *hostile[d])) for d in hostile]
    threads += [threading.Thread(target=send, args=(d, form_of(d).name, form_of(d).read_bytes())) for d in good]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert "E104" in pages["市财政局"] and "没有收下" in pages["市财政局"]
    assert "E115" in pages["市科技局"] and "没有收下" in pages["市科技局"]
    for d in good:
        assert "已收下，现为当前版本" in pages[d], d
    # and the server goes on: the killed worker was replaced
    assert "已收下，现为当前版本" in web.upload("市科技局", form_of("市科技局").read_bytes())[1]


def test_two_uploads_of_one_department_at_the_same_moment(web: Site) -> None:
    first = with_cells({"F3": "2025-10-08", "D5": "三季度，第一份。" * 3})
    second = with_cells({"F3": "2025-10-09", "D5": "三季度，第二份。" * 3})
    barrier = threading.Barrier(2)
    pages: list[str] = []

    def send(data: bytes) -> None:
        barrier.wait()
        pages.append(web.upload(DEPT, data)[1])

    threads = [threading.Thread(target=send, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(pages) == 2 and all("已收下" in p for p in pages)
    with web.intake.db() as store:
        versions = store.versions(web.intake.period)
        current = [v for v in versions if v.current]
        subs = [s for s, _ in store.current_files(web.intake.period)]
    assert len(versions) == 2 and len(current) == 1
    assert subs[0].entries[0].progress.startswith("三季度，第二份")  # the later 填报日期 wins, whichever came first
    inbox = sorted(p.name for p in (web.config.parent / "inbox").iterdir())
    assert len(inbox) == 2
