"""How 附件.docx and 通知.docx are asked for: [attachment] / [notice] in ledgerxl.toml and merge's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import W, docx_lines, docx_xml, invoke

from ledgerxl.config import load_config, parse_font_size
from ledgerxl.errors import ConfigError


def toml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "ledgerxl.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_sections_are_read(tmp_path: Path) -> None:
    cfg = load_config(
        toml(
            tmp_path,
            '[attachment]\nlabel = " 附件3 "\nfont_size = "小四"\nwith_departments = true\n'
            '[notice]\noffice = "市政府办公厅"\nnumber = "青政办字〔2025〕1号"\ntemplate = "模板/通知.docx"\n',
        )
    )
    assert (cfg.attachment.label, cfg.attachment.font_size, cfg.attachment.with_departments) == ("附件3", 12.0, True)
    assert cfg.notice.enabled and cfg.notice.office == "市政府办公厅" and cfg.notice.number == "青政办字〔2025〕1号"
    assert cfg.notice.template == tmp_path.resolve() / "模板" / "通知.docx"


def test_defaults_without_sections(tmp_path: Path) -> None:
    cfg = load_config(toml(tmp_path, 'org = "市"\n'))
    assert (cfg.attachment.label, cfg.attachment.font_size, cfg.attachment.with_departments) == ("附件", 14.0, False)
    assert not cfg.notice.enabled and cfg.notice.template is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("[attachment]\nlabels = 1\n", "[attachment] 中不认识的设置项 labels。"),
        ("[attachment]\nwith_departments = 1\n", "[attachment] with_departments 应为 true 或 false。"),
        ("[attachment]\nfont_size = true\n", '[attachment] font_size 应为磅值（如 14）或字号（如 "四号"）。'),
        ("[attachment]\nfont_size = 30\n", "[attachment] font_size 字号“30”不可用。"),
        ("[notice]\noffice = 3\n", "[notice] office 应为文字（用英文双引号括起来）。"),
        ('notice = "yes"\n', "notice 应写成 [notice] 小节。"),
    ],
)
def test_section_errors(tmp_path: Path, text: str, message: str) -> None:
    path = toml(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.message == f"配置文件 {path}：{message}"
    assert e.value.exit_code == 2


@pytest.mark.parametrize("value,want", [(14, 14.0), ("10.5", 10.5), ("四号", 14.0), ("五号", 10.5), (" 三号 ", 16.0)])
def test_font_sizes(value: object, want: float) -> None:
    assert parse_font_size(value) == want


def test_cli_attachment_options(sample_dir: Path) -> None:
    r = invoke(["merge", "--with-departments", "--table-font-size", "12", "--attachment-label", "附件2"], sample_dir)
    assert r.exit_code == 0, r.output
    docx = sample_dir / "out" / "附件.docx"
    lines = docx_lines(docx)
    assert lines[0] == "附件2" and lines[2:6] == ["序号", "事项内容", "责任单位", "进展情况"]
    assert {s.get(f"{W}val") for s in docx_xml(docx).find(f"{W}body/{W}tbl").iter(f"{W}sz")} == {"24"}
    assert not (sample_dir / "out" / "通知.docx").exists()  # only on request
    r = invoke(["merge", "--no-attachment-label"], sample_dir)
    assert r.exit_code == 0 and docx_lines(docx)[0].startswith("2025年")


def test_cli_option_errors(sample_dir: Path) -> None:
    r = invoke(["merge", "--attachment-label", "附件2", "--no-attachment-label"], sample_dir)
    assert r.exit_code == 2 and "--attachment-label 和 --no-attachment-label 只能选一个。" in r.output
    r = invoke(["merge", "--table-font-size", "大号"], sample_dir)
    assert r.exit_code == 2
    assert "错误：--table-font-size 字号“大号”不可用。" in r.output
    assert not (sample_dir / "out").exists()
