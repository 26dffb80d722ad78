"""The peers' corpus (tests/corpus/peers/): 60 test files of other projects (calamine, python-calamine,
PhpSpreadsheet, roo, XlsxWriter, frictionless; licences in its README) each give the outcome recorded in
manifest.csv: the same finding codes, no traceback, and no valid file refused."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from helpers import ROOT, SAMPLE

PEERS = ROOT / "tests" / "corpus" / "peers"
FILE_LEVEL = {"E101", "E102", "E104", "E110", "E111", "E112", "E113", "E114", "E115"}


def _manifest() -> list[dict[str, str]]:
    with open(PEERS / "manifest.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.subprocess
def test_every_peer_file_gives_its_recorded_outcome() -> None:
    rows = _manifest()
    assert len(rows) >= 40 and {r["file"] for r in rows} == {p.name for p in (PEERS / "files").iterdir()}
    cmd = [sys.executable, "-m", "ledgerxl", "validate", "--master", str(SAMPLE / "挂牌事项清单.xlsx")]
    cmd += ["--period", "2025Q3", "--format", "json", str(PEERS / "files")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    codes: dict[str, set[str]] = {}
    for f in json.loads(r.stdout):
        if f["file"]:
            codes.setdefault(f["file"], set()).add(f["code"])
    wrong = []
    for row in rows:
        want = set(row["ledgerxl_codes"].split())
        got = codes.get(row["file"], set())
        if got != want:
            wrong.append(f"{row['file']}: recorded {sorted(want)}, now {sorted(got)}")
        # a file python-calamine reads is never refused as a file (no false refusal)
        if row["calamine"] == "ok":
            assert not got & FILE_LEVEL, f"{row['file']} is read by calamine but refused: {sorted(got)}"
    assert not wrong, "\n".join(wrong)


def test_the_licences_travel_with_the_files() -> None:
    projects = {r["project"] for r in _manifest()}
    readme = (PEERS / "README.md").read_text(encoding="utf-8")
    for project in projects:
        assert project in readme, project
    assert len(list((PEERS / "licences").iterdir())) >= len(projects)
