"""The web intake under test: a working folder from the shipped sample, its links, a desk password, and the
app behind Starlette's TestClient (in-process HTTP: every route, status and header, without a socket)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers import SAMPLE
from starlette.testclient import TestClient

from ledgerxl.config import load_config
from ledgerxl.jobs.intake import Intake, load_intake
from ledgerxl.web.app import Web, build_app
from ledgerxl.web.links import Link, links_for
from ledgerxl.web.security import set_desk_password

PASSWORD = "督查室-2025-秋"
BASE = "http://127.0.0.1:8080"
FORMS = SAMPLE / "submissions"


def working_folder(root: Path) -> Path:
    """The sample's master list and settings, an empty inbox (the forms come through the links)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "挂牌事项清单.xlsx", root)
    toml = (SAMPLE / "ledgerxl.toml").read_text(encoding="utf-8").replace('"submissions"', '"inbox"')
    (root / "ledgerxl.toml").write_text("deadline = 2025-10-15\n" + toml, encoding="utf-8")
    (root / "inbox").mkdir()
    return root / "ledgerxl.toml"


def form_of(department: str) -> Path:
    return next(FORMS.glob(f"{department}-*.xlsx"))


@dataclass
class Site:
    client: TestClient
    intake: Intake
    links: dict[str, Link]
    config: Path
    web: Web

    def path(self, department: str) -> str:
        """The department's page as a path (/d/<token>)."""
        return "/" + self.links[department].url.split("/", 3)[3]

    def upload(self, department: str, data: bytes, name: str = "", via: str | None = None) -> tuple[int, str]:
        """POST to `via`'s page (default: the department's own), then the page it redirects to."""
        page = self.path(via or department)
        r = self.client.post(page, files={"file": (name or f"{department}.xlsx", data)}, follow_redirects=False)
        if r.status_code != 303:
            return r.status_code, r.text
        return 200, self.client.get(r.headers["location"]).text

    def login(self, password: str = PASSWORD) -> str:
        """Log the client in; the desk's CSRF token."""
        csrf = csrf_of(self.client.get("/desk/login").text)
        r = self.client.post("/desk/login", data={"password": password, "csrf": csrf})
        assert r.status_code == 200, r.text
        return csrf_of(r.text)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


@contextmanager
def site(root: Path, workers: int = 1) -> Iterator[Site]:
    config = working_folder(root)
    cfg = load_config(config)
    issued = {link.department: link for link in links_for(cfg, BASE)}
    set_desk_password(cfg, PASSWORD)
    intake = load_intake(cfg, workers)
    try:
        app = build_app(intake, BASE)
        with TestClient(app, base_url=BASE) as client:
            yield Site(client, intake, issued, config, app.state.web)
    finally:
        intake.close()
