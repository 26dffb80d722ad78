"""README shows one page of each output, as PNGs rendered by scripts/make_readme_images.py."""

from __future__ import annotations

import re

from helpers import ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def test_readme_pictures_every_output() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[([^\]]*)\]\((docs/images/[^)]+\.png)\)", text)
    alts = " ".join(alt for alt, _ in images)
    for output in ("附件.docx", "通知.docx", "台账.xlsx", "汇总"):
        assert output in alts, output
    for _, path in images:
        data = (ROOT / path).read_bytes()
        assert data.startswith(PNG) and len(data) > 20_000, path  # a real rendered page, not a stub
    assert "scripts/make_readme_images.py" in text and (ROOT / "scripts" / "make_readme_images.py").is_file()
