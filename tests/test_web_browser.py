"""The web intake in a real browser: `ledgerxl serve` started as a process on 127.0.0.1, driven by headless
Chromium through Selenium (Debian's chromium and chromium-driver, which .ci/run installs).

LEDGERXL_SCREENSHOTS=DIR keeps the pages' screenshots there (scripts/make_readme_images.py uses them for
README)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest
from webkit import PASSWORD, form_of, working_folder

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

pytestmark = [pytest.mark.slow, pytest.mark.subprocess]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
DEPT = "市统计局"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A running `ledgerxl serve` over a new working folder: its base URL, folder and links."""
    config = working_folder(tmp_path / "w")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    py = [sys.executable, "-m", "ledgerxl"]
    out = subprocess.run(
        [*py, "links", "--config", str(config), "--base-url", base], capture_output=True, text=True, env=env
    )
    links = dict(line.split("\t") for line in out.stdout.strip().split("\n"))
    subprocess.run([*py, "desk-password", "--config", str(config), "--password", PASSWORD], check=True, env=env)
    proc = subprocess.Popen(
        [*py, "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                time.sleep(0.1)
        yield base, config.parent, links
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not (CHROMIUM and DRIVER):
        if os.environ.get("LEDGERXL_CI_VENV"):
            pytest.fail("CI must run the browser tests: chromium and chromium-driver are missing")
        pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1400", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: WebDriver, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    keep = os.environ.get("LEDGERXL_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def _click(d: WebDriver, element: WebElement) -> None:
    """Click what loads a new page, and wait until it has (a 303 after a POST: the old page goes stale)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = d.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(d, 60).until(ec.staleness_of(old))


def _with_error(tmp_path: Path) -> Path:
    wb = openpyxl.load_workbook(form_of(DEPT))
    wb["填报表"]["D5"] = None
    path = tmp_path / "市统计局-有错.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def test_a_department_uploads_sees_its_finding_then_corrects_it(
    server: tuple[str, Path, dict[str, str]], browser: WebDriver, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    _, _, links = server
    d.get(links[DEPT])
    assert "尚未报送" in d.find_element(By.ID, "status").text
    d.find_element(By.ID, "file").send_keys(str(_with_error(tmp_path)))
    _click(d, d.find_element(By.ID, "submit"))
    result = d.find_element(By.ID, "result").text
    assert "E2" in result and "D5" in result and "怎么改" in result
    _shot(d, "web-department-error", tmp_path)
    d.find_element(By.ID, "file").send_keys(str(form_of(DEPT)))
    _click(d, d.find_element(By.ID, "submit"))
    assert "已收下，现为当前版本" in d.find_element(By.ID, "result").text
    assert "已报送" in d.find_element(By.ID, "status").text
    _shot(d, "web-department-ok", tmp_path)
    d.set_window_size(390, 844)  # a phone
    d.refresh()
    width = d.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    _shot(d, "web-department-phone", tmp_path)


def test_the_clerk_logs_in_withdraws_a_version_publishes_and_downloads(
    server: tuple[str, Path, dict[str, str]], browser: WebDriver, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    base, folder, links = server
    for dept in list(links)[:3]:  # three departments send their forms
        d.get(links[dept])
        d.find_element(By.ID, "file").send_keys(str(form_of(dept)))
        _click(d, d.find_element(By.ID, "submit"))
    d.get(links[DEPT])
    d.find_element(By.ID, "file").send_keys(str(_with_error(tmp_path)))
    _click(d, d.find_element(By.ID, "submit"))

    d.get(base + "/desk")
    assert "/desk/login" in d.current_url
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click(d, d.find_element(By.ID, "login"))
    assert "已报送 3/22" in d.find_element(By.TAG_NAME, "h1").text
    _shot(d, "web-desk", tmp_path)
    _click(d, d.find_element(By.LINK_TEXT, DEPT))
    forms = d.find_elements(By.CSS_SELECTOR, "form.decide")
    assert len(forms) == 2
    second = forms[1]
    second.find_element(By.NAME, "reason").send_keys("有错误的一份")
    _click(d, second.find_element(By.CSS_SELECTOR, "button[value=withdraw]"))
    assert "已撤回（有错误的一份）" in d.find_element(By.TAG_NAME, "main").text
    _click(d, d.find_element(By.LINK_TEXT, "各单位"))
    _click(d, d.find_element(By.ID, "publish"))
    said = d.find_element(By.TAG_NAME, "main").text
    assert (folder / "out" / "附件.docx").exists(), said[:600]
    d.find_element(By.LINK_TEXT, "附件.docx").click()  # a download: no new page
    got = tmp_path / "downloads" / "附件.docx"
    deadline = time.monotonic() + 15
    while not got.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert got.read_bytes() == (folder / "out" / "附件.docx").read_bytes()
    _shot(d, "web-desk-published", tmp_path)


def test_a_file_over_the_limit_gets_the_chinese_message_not_a_browser_error(
    server: tuple[str, Path, dict[str, str]], browser: WebDriver, tmp_path: Path
) -> None:
    """The server refuses the body as it streams and closes the connection (it does not read 21 MB it has
    refused); the browser still shows the page that says why."""
    from selenium.webdriver.common.by import By

    big = tmp_path / "太大.xlsx"
    big.write_bytes(b"PK\x03\x04" + os.urandom(21 * 1024 * 1024))
    _, folder, links = server
    browser.get(links[DEPT])
    browser.find_element(By.ID, "file").send_keys(str(big))
    _click(browser, browser.find_element(By.ID, "submit"))
    assert "文件超过 20 MB 的上限" in browser.find_element(By.ID, "result").text
    assert not any((folder / ".uploads").glob("*"))


def test_serve_speaks_https_with_a_certificate_and_marks_its_cookie_secure(tmp_path: Path) -> None:
    """--certfile/--keyfile: the same server over TLS (a self-signed certificate made by openssl), and the
    desk's session cookie gets `Secure`."""
    import http.client
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    config = working_folder(tmp_path / "w")
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    py = [sys.executable, "-m", "ledgerxl"]
    subprocess.run([*py, "desk-password", "--config", str(config), "--password", PASSWORD], check=True)
    port = _free_port()
    args = ["--port", str(port), "--certfile", str(cert), "--keyfile", str(key)]
    proc = subprocess.Popen([*py, "serve", "--config", str(config), *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert f"https://127.0.0.1:{port}" in proc.stdout.readline()  # what the links will say
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
                conn.request("GET", "/desk/login")
                page = conn.getresponse()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
        body = page.read().decode()
        assert page.status == 200 and 'name="csrf"' in body
        import re

        csrf = re.search(r'name="csrf" value="([^"]+)"', body)
        assert csrf
        import urllib.parse

        form = urllib.parse.urlencode({"password": PASSWORD, "csrf": csrf.group(1)}).encode()
        conn.request("POST", "/desk/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        login = conn.getresponse()
        login.read()
        assert login.status == 303 and "Secure" in (login.getheader("set-cookie") or "")
        # the connection stays open (keep-alive): stopping the server must not wait for it for ever
    finally:
        proc.terminate()
        proc.wait(10)
