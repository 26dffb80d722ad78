"""The web intake over HTTP (in process): links, a department's page and uploads, the desk, publishing.
Security (tokens, CSRF, XSS, limits, hostile uploads, concurrency) is in test_web_security.py."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from helpers import docx_lines, expected_lines, invoke
from webkit import BASE, Site, csrf_of, form_of, site, working_folder

from ledgerxl.config import load_config
from ledgerxl.jobs.batch import BatchOptions, run_batch
from ledgerxl.jobs.store import Store
from ledgerxl.read.submission import read_submission

pytestmark = pytest.mark.slow  # each test starts a worker process and reads forms

DEPT = "市统计局"


def with_cells(path: Path, cells: dict[str, object]) -> bytes:
    wb = openpyxl.load_workbook(path)
    for ref, v in cells.items():
        wb["填报表"][ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    with site(tmp_path / "w") as s:
        yield s


def test_links_prints_one_line_per_department_and_the_same_links_again(tmp_path: Path) -> None:
    config = working_folder(tmp_path / "w")
    first = invoke(["links", "--config", str(config), "--base-url", "https://duban.example.cn/"])
    assert first.exit_code == 0, first.output
    lines = first.output.strip().split("\n")
    assert len(lines) == 22
    dept, url = lines[0].split("\t")
    assert dept == "市统计局"
    token = url.removeprefix("https://duban.example.cn/d/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token)  # 18 bytes: 144 bits
    again = invoke(["links", "--config", str(config), "--base-url", "https://duban.example.cn"])
    assert again.output == first.output
    rotated = invoke(["links", "--config", str(config), "--base-url", "https://duban.example.cn", "--rotate", DEPT])
    new = rotated.output.strip().split("\n")
    assert new[0] != lines[0] and new[0].startswith(f"{DEPT}\t") and new[1:] == lines[1:]
    # only hashes are stored
    db = Store.open(tmp_path / "w" / "ledgerxl.db")
    try:
        stored = [r[0] for r in db.conn.execute("SELECT token_sha256 FROM links")]
    finally:
        db.close()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_links_refuses_an_unknown_department(tmp_path: Path) -> None:
    config = working_folder(tmp_path / "w")
    r = invoke(["links", "--config", str(config), "--rotate", "市不存在局"])
    assert r.exit_code == 2 and "市不存在局" in r.output and "Traceback" not in r.output


def test_all_22_forms_through_their_links_give_the_published_ledger(web: Site) -> None:
    for dept in web.links:
        status, page = web.upload(dept, form_of(dept).read_bytes(), form_of(dept).name)
        assert status == 200
        assert "已收下，现为当前版本" in page and "错误 0 条" in page, dept
    csrf = web.login()
    r = web.client.post("/desk/publish", data={"csrf": csrf})
    assert r.status_code == 200 and "已报送 22/22" in r.text
    out = web.config.parent / "out"
    assert docx_lines(out / "附件.docx")[1:] == expected_lines()
    names = re.findall(r'href="/desk/out/([^"]+)"', r.text)
    assert {"台账.xlsx", "附件.docx", "%E6%A0%A1%E9%AA%8C%E6%8A%A5%E5%91%8A.xlsx"} <= set(
        names
    ) or "校验报告.xlsx" in r.text
    got = web.client.get("/desk/out/附件.docx")
    assert got.status_code == 200 and got.content == (out / "附件.docx").read_bytes()
    # the scheduled job over the same folder finds nothing new and the same ledger
    result = run_batch(BatchOptions(config=load_config(web.config)))
    assert result.new == [] and len(result.submitted) == 22


def test_an_error_is_shown_with_its_code_and_cell_then_the_correction_becomes_current(web: Site) -> None:
    bad = with_cells(form_of(DEPT), {"D5": None})
    status, page = web.upload(DEPT, bad, "统计局.xlsx")
    assert status == 200
    assert "E206" in page or "E2" in page
    assert "D5" in page and "怎么改" in page
    assert "已收下，但不是当前版本" not in page  # no good version before it: it is the current one, with its error
    status, page = web.upload(DEPT, form_of(DEPT).read_bytes(), "统计局（改）.xlsx")
    assert "已收下，现为当前版本" in page and "错误 0 条" in page
    assert page.count("<tr><td>") == 2  # the history lists both uploads


def test_a_repeated_upload_is_no_new_version(web: Site) -> None:
    data = form_of(DEPT).read_bytes()
    web.upload(DEPT, data)
    _, page = web.upload(DEPT, data)
    assert "现为当前版本" in page
    with web.intake.db() as store:
        assert len(store.versions(web.intake.period)) == 1


def test_another_departments_form_is_not_received(web: Site) -> None:
    other = "市财政局"
    _, page = web.upload(DEPT, form_of(other).read_bytes(), via=DEPT)
    assert "E230" in page and "没有收下" in page and other in page
    with web.intake.db() as store:
        assert store.versions(web.intake.period) == []
    assert list((web.config.parent / "inbox").iterdir()) == []


def test_a_file_that_is_not_a_form_says_so(web: Site) -> None:
    _, page = web.upload(DEPT, b"%PDF-1.4 not a form", "说明.pdf")
    assert "W313" in page and "没有收下" in page


def test_the_page_shows_items_period_deadline_and_nothing_of_other_departments(web: Site) -> None:
    page = web.client.get(web.path(DEPT)).text
    assert "2025年三季度" in page and "2025年10月15日" in page and "尚未报送" in page
    assert "全市生产总值增长5.5%左右。" in page
    web.upload("市财政局", form_of("市财政局").read_bytes())
    page = web.client.get(web.path(DEPT)).text
    assert "市财政局" not in page and "尚未报送" in page


def test_prefilled_form_and_annotated_copy_downloads(web: Site, tmp_path: Path) -> None:
    r = web.client.get(web.path(DEPT) + "/form")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(r.content)
    sub = read_submission(blank, web.intake.departments)
    assert sub.department == DEPT and [e.number for e in sub.entries] == [1]
    _, page = web.upload(DEPT, with_cells(form_of(DEPT), {"D5": None}))
    copy = re.search(r'href="(/d/[^"]+/copy/\d+)"', page)
    assert copy, page
    r = web.client.get(copy.group(1))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    # after a good upload the form comes pre-filled with the current version's text
    web.upload(DEPT, form_of(DEPT).read_bytes())
    refilled = tmp_path / "refilled.xlsx"
    refilled.write_bytes(web.client.get(web.path(DEPT) + "/form").content)
    assert read_submission(refilled, web.intake.departments).entries[0].progress.startswith("三季度")


def test_desk_shows_states_and_withdraw_changes_the_current_version(web: Site) -> None:
    first = with_cells(form_of(DEPT), {"F3": "2025-10-08"})
    second = with_cells(form_of(DEPT), {"F3": "2025-10-09", "D5": "三季度，全市GDP增长5.6%。"})
    web.upload(DEPT, first)
    web.upload(DEPT, second)
    csrf = web.login()
    desk = web.client.get("/desk").text
    assert "已报送 1/22" in desk and "（共 2 份）" in desk and "2025-10-09" in desk
    page = web.client.get("/desk/dept/0").text
    assert "第 2 份" in page and "当前版本" in page and "/d/" in page  # the link, shown to the clerk
    r = web.client.post(
        "/desk/decide", data={"csrf": csrf, "index": "0", "version": "2", "action": "withdraw", "reason": "草稿"}
    )
    assert r.status_code == 200, r.text
    with web.intake.db() as store:
        current = [v for v in store.versions(web.intake.period) if v.current]
    assert len(current) == 1 and current[0].name.endswith(".xlsx") and "-网上" in current[0].name
    assert "已撤回（草稿）" in r.text
    log = web.client.get("/desk/runs").text
    assert "撤回" in log and "上传" in log and "督查室（网页）" in log


def test_reminders_list_the_missing_with_their_links(web: Site) -> None:
    web.upload(DEPT, form_of(DEPT).read_bytes())
    web.login()
    text = web.client.get("/desk/reminders").text
    assert DEPT + "：" not in text
    assert "市财政局：" + web.links["市财政局"].url in text
    assert "10月15日前" in text


def test_serve_plan_is_loopback_by_default_and_warns_otherwise(tmp_path: Path) -> None:
    from ledgerxl.errors import UsageError
    from ledgerxl.web.address import ServeOptions, plan

    cfg = load_config(working_folder(tmp_path / "w"))
    s = plan(ServeOptions(cfg))
    assert (s.host, s.port, s.base_url, s.exposed, s.tls) == ("127.0.0.1", 8080, "http://127.0.0.1:8080", False, False)
    lan = plan(ServeOptions(cfg, host="0.0.0.0", base_url="http://10.1.2.3:8080"))
    assert lan.exposed and lan.base_url == "http://10.1.2.3:8080"
    with pytest.raises(UsageError):
        plan(ServeOptions(cfg, certfile=tmp_path / "c.pem"))
    for bad in ("c.pem", "k.pem"):
        (tmp_path / bad).write_text("-----BEGIN CERTIFICATE-----\nnot base64\n", encoding="ascii")
    r = invoke(
        [
            "serve",
            "--config",
            str(cfg.source),
            "--certfile",
            str(tmp_path / "c.pem"),
            "--keyfile",
            str(tmp_path / "k.pem"),
        ]
    )
    assert r.exit_code == 2 and "无法使用" in r.output and "Traceback" not in r.output, r.output
    assert BASE == s.base_url


def test_desk_password_is_stored_as_scrypt(tmp_path: Path) -> None:
    config = working_folder(tmp_path / "w")
    r = invoke(["desk-password", "--config", str(config), "--password", "short"])
    assert r.exit_code == 2 and "至少 8" in r.output
    r = invoke(["desk-password", "--config", str(config), "--password", "long enough pw"])
    assert r.exit_code == 0, r.output
    db = Store.open(tmp_path / "w" / "ledgerxl.db")
    try:
        stored = db.setting("desk_password") or ""
    finally:
        db.close()
    assert stored.startswith("scrypt$") and "long enough" not in stored


def test_every_page_is_chinese_and_escaped_by_its_template(web: Site) -> None:
    for path in ("/", web.path(DEPT), "/desk/login"):
        r = web.client.get(path)
        assert r.status_code == 200 and 'lang="zh-CN"' in r.text
        assert "content-security-policy" in r.headers and r.headers["referrer-policy"] == "no-referrer"
    assert csrf_of(web.client.get("/desk/login").text)


@pytest.mark.subprocess
def test_readme_web_intake_section(tmp_path: Path) -> None:
    """The set-ups in README use real options and keys; the systemd unit passes systemd-analyze verify."""
    import shutil
    import subprocess

    from helpers import ROOT

    from ledgerxl.config import config_from_dict, tomllib

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Web intake", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", section, re.S)
    assert toml is not None
    cfg = config_from_dict(tomllib.loads(toml.group(1)), ROOT / "x" / "ledgerxl.toml")
    assert cfg.serve.host == "127.0.0.1" and cfg.serve.base_url.startswith("https://")
    from ledgerxl.cli.serve_cmd import desk_password, links, serve

    real = {o for cmd in (serve, links, desk_password) for p in cmd.params for o in p.opts}
    said = {o for ln in section.splitlines() if "ledgerxl " in ln for o in re.findall(r"(?<=\s)(--[a-z][a-z-]*)", ln)}
    assert said and said <= real, said - real
    assert re.search(r'schtasks /Create .*/SC ONSTART .*ledgerxl\.exe\\" serve --config ', section)
    unit = re.findall(r"```ini\n(.*?)```", section, re.S)
    assert len(unit) == 1 and "ExecStart=/usr/local/bin/ledgerxl serve --config " in unit[0]
    for image in re.findall(r"\]\((docs/images/[^)]+)\)", section):
        assert (ROOT / image).is_file(), image
    if shutil.which("systemd-analyze") is None:
        return
    service = tmp_path / "ledgerxl-serve.service"
    service.write_text(unit[0].replace("/usr/local/bin/ledgerxl", "/bin/true").replace("User=ledger\n", ""), "utf-8")
    r = subprocess.run(["systemd-analyze", "verify", str(service)], capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
