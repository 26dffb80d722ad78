"""ledgerxl.toml: the working folder's settings. Paths in it are relative to the file's folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerxl.errors import ConfigError, LedgerxlError, UsageError
from ledgerxl.periods import Period, parse_period

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_NAME = "ledgerxl.toml"
DEFAULT_TITLE = "{year}年{org}政府工作报告公开挂牌事项{period}{kind}台账"
DEFAULT_PLACEHOLDER = "（未报送）"
DB_NAME = "ledgerxl.db"  # the history database beside ledgerxl.toml, unless `db` names another
DEFAULT_ERROR_PLACEHOLDER = "（报送有误，待更正）"  # an item a department reported with an error
TITLE_HINT = "可用的占位符：{year} {org} {period} {kind}；花括号须成对，标题文字本身的花括号写成 {{ 和 }}。"
MASTER_HINT = "请用 --master 指定，或在 ledgerxl.toml 中设置 master。"
MASTER_ARGUMENT_HINT = "请在命令后给出清单文件，或在含 ledgerxl.toml 的工作目录中运行。"  # master check/targets

_TOP_KEYS = {"org", "period", "master", "inbox", "out", "placeholder", "title", "document_date", "aliases"}
# the scheduled batch job's files (defaults next to the config file, see batch.BatchPaths)
_TOP_KEYS |= {"db", "archive", "log", "reminder_template"}
_TOP_KEYS |= {"attachment", "notice", "jobs", "error_placeholder", "deadline", "previous", "serve"}
_TOP_KEYS |= {"contact", "ledger"}
# 附件.docx table text: Chinese type sizes (字号) or points
FONT_SIZES = {"五号": 10.5, "小四": 12.0, "四号": 14.0, "小三": 15.0, "三号": 16.0}
MIN_FONT_SIZE, MAX_FONT_SIZE = 8.0, 22.0


@dataclass
class AttachmentConfig:
    """[attachment]: the Word attachment 附件.docx."""

    label: str = "附件"  # "附件2" for a numbered attachment, "" for none
    font_size: float = 14.0  # table text, pt (四号)
    with_departments: bool = False  # add a 责任单位 column


@dataclass
class LedgerConfig:
    """[ledger]: the workbook 台账.xlsx."""

    with_previous: bool = False  # last period's progress (the `previous` ledger) beside this period's


@dataclass
class NoticeConfig:
    """[notice]: the cover notice 通知.docx, written when this table is present (or with --notice)."""

    enabled: bool = False
    office: str = ""  # 发文机关; default "{org}政府办公室"
    number: str = ""  # 发文字号, e.g. 青政办字〔2025〕12号
    template: Path | None = None  # the clerk's own .docx; default: the built-in templates/notice.docx
    # 版头 and 版记 (GB/T 9704 7.2, 7.4) of the built-in template; none set: neither is printed
    masthead: str = ""  # 发文机关标志, e.g. 青岛市人民政府办公厅文件
    cc: str = ""  # 抄送机关, e.g. 市委各部门，市人大常委会办公厅 (a list in the file is joined with ，)
    printed_by: str = ""  # 印发机关; the 印发日期 is the documents' date


@dataclass
class ServeConfig:
    """[serve]: the web intake (ledgerxl serve, ledgerxl links); the command's options override it."""

    host: str = "127.0.0.1"  # loopback: only this machine; "0.0.0.0" for the office network
    port: int = 8080
    base_url: str = ""  # how departments reach it (the links); default http://<host>:<port>
    certfile: Path | None = None  # TLS certificate (PEM); with keyfile, served over https
    keyfile: Path | None = None


@dataclass
class Config:
    base_dir: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    org: str = "市"
    period: Period | None = None
    master: Path | None = None
    inbox: Path | None = None
    out: Path | None = None
    placeholder: str = DEFAULT_PLACEHOLDER
    error_placeholder: str = DEFAULT_ERROR_PLACEHOLDER
    jobs: int | None = None  # worker processes for large merges (parallel.py); None: chosen by input size
    title: str = DEFAULT_TITLE
    document_date: dt.date | None = None
    deadline: dt.date | None = None  # 报送截止日期: said in feedback, on the forms and on the upload pages
    contact: str = ""  # the 督查室's contact as printed on the forms: "市政府督查室 张三 0532-12345678"
    # alias -> canonical department name
    aliases: dict[str, str] = field(default_factory=dict)
    previous: Path | None = None  # last period's 台账.xlsx for W301 (merge, validate); next-period sets it
    db: Path | None = None  # batch history (SQLite)
    archive: Path | None = None  # raw files received by batch, by content hash
    log: Path | None = None  # batch log file (rotated)
    reminder_template: Path | None = None  # jinja2 text of the 催报 list, instead of the built-in one
    attachment: AttachmentConfig = field(default_factory=AttachmentConfig)
    notice: NoticeConfig = field(default_factory=NoticeConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)

    def ledger_title(self, period: Period) -> str:
        try:
            return self.title.format(
                year=period.year,
                org=self.org,
                period=period.label,
                kind="完成情况" if period.is_annual else "进展情况",
            )
        except KeyError as e:
            raise ConfigError(
                f"{self._where()}title 模板“{self.title}”中有不认识的占位符 {{{e.args[0]}}}。", TITLE_HINT
            ) from e
        except (IndexError, ValueError) as e:  # "{", "{}", "{0}", "{year!z}"…
            raise ConfigError(f"{self._where()}title 模板“{self.title}”中的花括号有误。", TITLE_HINT) from e

    @property
    def aliased_departments(self) -> list[str]:
        """The canonical names [aliases] gives, in the file's order."""
        return list(dict.fromkeys(self.aliases.values()))

    def master_list(self, given: Path | None = None, hint: str = MASTER_HINT) -> Path:
        """The master list given on the command line, else the one this config names."""
        path = given or self.master
        if path is None:
            raise UsageError("没有指定挂牌事项清单。", hint)
        return Path(path)

    def report_period(self, given: str | Period | None = None) -> Period:
        """The period given on the command line, else the one this config names."""
        chosen = given if given is not None else self.period
        if chosen is None:
            raise UsageError(
                "没有指定报告期。", "请用 --period 指定，如 --period 2025Q3，或在 ledgerxl.toml 中设置 period。"
            )
        return chosen if isinstance(chosen, Period) else parse_period(chosen)

    def with_outputs(
        self,
        attachment_label: str | None = None,
        with_departments: bool = False,
        table_font_size: str | float | None = None,
        notice: bool = False,
        notice_template: Path | None = None,
        with_previous: bool = False,
    ) -> Config:
        """This config with the command line's choices for 附件.docx, 通知.docx and 台账.xlsx applied over it
        (None / False: as the file says). `attachment_label` "" drops the label; the font size is pt or 四号/小四…"""
        att, notes = self.attachment, self.notice
        size = table_font_size
        attachment = AttachmentConfig(
            label=att.label if attachment_label is None else attachment_label,
            font_size=att.font_size if size is None else parse_font_size(size, "--table-font-size "),
            with_departments=with_departments or att.with_departments,
        )
        notes = dataclasses.replace(
            notes,
            enabled=notes.enabled or notice or notice_template is not None,
            template=notice_template or notes.template,
        )
        ledger = LedgerConfig(with_previous=with_previous or self.ledger.with_previous)
        return dataclasses.replace(self, attachment=attachment, notice=notes, ledger=ledger)

    def date_for(self, period: Period) -> dt.date:
        """The date stamped into documents: fixed, so reruns are byte-identical."""
        return self.document_date or period.end_date

    def _where(self) -> str:
        return f"配置文件 {self.source}：" if self.source else ""


def find_config(start: Path | None = None) -> Path | None:
    p = (start or Path.cwd()) / CONFIG_NAME
    return p if p.is_file() else None


def load_config(path: Path | None = None) -> Config:
    """Load `path`, or ledgerxl.toml in the current folder if there is one, or defaults."""
    if path is None:
        path = find_config()
        if path is None:
            return Config()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"找不到配置文件 {path}。", "请检查路径，或用 ledgerxl init 新建工作目录。")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码。", "请用记事本“另存为 UTF-8”后再试。") from e
    except tomllib.TOMLDecodeError as e:
        # tomllib says where in English: "Expected '=' after a key in a key/value pair (at line 3, column 5)"
        detail = str(e)
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", detail)
        where = f"第 {at[1]} 行第 {at[2]} 列附近" if at else ""
        detail = detail[: at.start()] if at else detail
        raise ConfigError(
            f"配置文件 {path} {where}格式有误（{detail}）。",
            "请对照 README 中的示例检查引号和等号：文字要加英文双引号。",
        ) from e
    return config_from_dict(data, path)


def named_master(given: Path | None, config_path: Path | None = None, hint: str = MASTER_ARGUMENT_HINT) -> Path:
    """The master list named on the command line, else the one ledgerxl.toml names (read only then)."""
    return Path(given) if given is not None else load_config(config_path).master_list(hint=hint)


def config_from_dict(data: dict[str, Any], path: Path) -> Config:
    cfg = Config(base_dir=path.parent.resolve(), source=path)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"配置文件 {path}：不认识的设置项 {'、'.join(unknown)}。",
            f"可用的设置项：{'、'.join(sorted(_TOP_KEYS))}。",
        )

    def text(key: str) -> str | None:
        v = data.get(key)
        if v is None:
            return None
        if not isinstance(v, str):
            raise ConfigError(f"配置文件 {path}：{key} 应为文字（用英文双引号括起来）。")
        return v

    cfg.org = text("org") or cfg.org
    cfg.placeholder = text("placeholder") or cfg.placeholder
    cfg.error_placeholder = text("error_placeholder") or cfg.error_placeholder
    cfg.title = text("title") or cfg.title
    cfg.contact = " ".join((text("contact") or "").split())  # one line on the form
    if (p := text("period")) is not None:
        try:
            cfg.period = parse_period(p)
        except LedgerxlError as e:
            raise ConfigError(f"配置文件 {path}：{e.message}", e.hint) from e
    for key in ("master", "inbox", "out", "previous", "db", "archive", "log", "reminder_template"):
        if (v := text(key)) is not None:
            setattr(cfg, key, cfg.base_dir / v)
    if "jobs" in data:
        cfg.jobs = _jobs(data["jobs"], path)
    if "document_date" in data:
        cfg.document_date = _date(data["document_date"], path)
    if "deadline" in data:
        cfg.deadline = _date(data["deadline"], path, "deadline")
    cfg.aliases = _aliases(data.get("aliases", {}), path)
    _output_sections(cfg, data, path)
    return cfg


def _jobs(jobs: object, path: Path) -> int | None:
    if jobs is None:
        return None
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(
            f"配置文件 {path}：jobs 应为不小于 1 的整数（并行进程数，1 表示不并行）。",
            "不写 jobs 时按报送表数量和 CPU 数自动选择。",
        )
    return jobs


def _date(d: object, path: Path, key: str = "document_date") -> dt.date | None:
    if d is None or isinstance(d, dt.date):
        return d
    try:
        return dt.date.fromisoformat(str(d))
    except ValueError as e:
        raise ConfigError(f"配置文件 {path}：{key} 应写成 2025-10-15 这样的日期。") from e


def _aliases(aliases: object, path: Path) -> dict[str, str]:
    """[aliases] canonical = [alias, …] as alias -> canonical; one alias may name one department only."""
    if not isinstance(aliases, dict):
        raise ConfigError(f"配置文件 {path}：[aliases] 应为“规范名称 = [别名, …]”。")
    out: dict[str, str] = {}
    for canonical, names in aliases.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"配置文件 {path}：[aliases] 中“{canonical}”的别名应为文字列表。")
        for n in names:
            prev = out.get(n)
            if prev and prev != canonical:
                raise ConfigError(f"配置文件 {path}：别名“{n}”同时指向“{prev}”和“{canonical}”。")
            out[n] = canonical
    return out


def parse_font_size(value: object, where: str = "") -> float:
    """A table font size: points (14, 10.5) or a Chinese type size name (四号, 小四)."""
    size: float | None = None
    if isinstance(value, str):
        size = FONT_SIZES.get(value.strip())
    if size is None and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            size = float(value)
        except ValueError:
            size = None
    if size is None or not MIN_FONT_SIZE <= size <= MAX_FONT_SIZE:
        raise ConfigError(
            f"{where}字号“{value}”不可用。",
            f"请写 {MIN_FONT_SIZE:g} 到 {MAX_FONT_SIZE:g} 之间的磅值（如 14），或 {'、'.join(FONT_SIZES)}。",
        )
    return size


_SECTIONS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "attachment": {"label": str, "font_size": (int, float, str), "with_departments": bool},
    "notice": {
        "office": str,
        "number": str,
        "template": str,
        "masthead": str,
        "cc": (str, list),
        "printed_by": str,
    },
    "serve": {"host": str, "port": int, "base_url": str, "certfile": str, "keyfile": str},
    "ledger": {"with_previous": bool},
}

_WANTS: dict[type | tuple[type, ...], str] = {
    bool: "应为 true 或 false",
    int: "应为整数（如 8080）",
    str: "应为文字（用英文双引号括起来）",
    (int, float, str): '应为磅值（如 14）或字号（如 "四号"）',
    (str, list): '应为文字或文字的列表（如 ["市委各部门", "市人大常委会办公厅"]）',
}


def _output_sections(cfg: Config, data: dict[str, Any], path: Path) -> None:
    """[attachment] and [notice]: how 附件.docx and 通知.docx are written."""
    for section, allowed in _SECTIONS.items():
        table = data.get(section)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"配置文件 {path}：{section} 应写成 [{section}] 小节。")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise ConfigError(
                f"配置文件 {path}：[{section}] 中不认识的设置项 {'、'.join(unknown)}。",
                f"可用的设置项：{'、'.join(allowed)}。",
            )
        for key, value in table.items():
            if not isinstance(value, allowed[key]) or (isinstance(value, bool) and allowed[key] is not bool):
                raise ConfigError(f"配置文件 {path}：[{section}] {key} {_WANTS[allowed[key]]}。")
    serve = data.get("serve", {})
    cfg.serve.host = serve.get("host", cfg.serve.host).strip()
    cfg.serve.port = serve.get("port", cfg.serve.port)
    cfg.serve.base_url = serve.get("base_url", "").strip()
    for key in ("certfile", "keyfile"):
        if serve.get(key):
            setattr(cfg.serve, key, cfg.base_dir / serve[key])
    att = data.get("attachment", {})
    cfg.attachment.label = att.get("label", cfg.attachment.label).strip()
    if "font_size" in att:
        cfg.attachment.font_size = parse_font_size(att["font_size"], f"配置文件 {path}：[attachment] font_size ")
    cfg.attachment.with_departments = att.get("with_departments", False)
    cfg.ledger.with_previous = data.get("ledger", {}).get("with_previous", False)
    if "notice" in data:
        notice = data["notice"]
        cfg.notice.enabled = True
        cfg.notice.office = notice.get("office", "").strip()
        cfg.notice.number = notice.get("number", "").strip()
        cfg.notice.masthead = notice.get("masthead", "").strip()
        cfg.notice.printed_by = notice.get("printed_by", "").strip()
        cc = notice.get("cc", "")
        if isinstance(cc, list):
            if not all(isinstance(c, str) for c in cc):
                raise ConfigError(f"配置文件 {path}：[notice] cc {_WANTS[(str, list)]}。")
            cc = "，".join(c.strip() for c in cc if c.strip())
        cfg.notice.cc = cc.strip()
        if notice.get("template"):
            cfg.notice.template = cfg.base_dir / notice["template"]
