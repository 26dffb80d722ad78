"""The stable finding codes. A code never changes meaning once released; new rules get new codes.

E1xx: the file itself; E2xx: the content of a submission; W3xx: warnings (never block publishing);
M1xx: the master list itself (`ledgerxl master check`; errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ledgerxl.errors import ReadError
from ledgerxl.model import Finding, Severity

# Each code as a name: code refers to codes.E101, never the bare string, so mypy checks every use.
E101: Final = "E101"
E102: Final = "E102"
E103: Final = "E103"
E104: Final = "E104"
E110: Final = "E110"
E111: Final = "E111"
E112: Final = "E112"
E113: Final = "E113"
E114: Final = "E114"
E115: Final = "E115"
E201: Final = "E201"
E202: Final = "E202"
E203: Final = "E203"
E204: Final = "E204"
E205: Final = "E205"
E206: Final = "E206"
E207: Final = "E207"
E208: Final = "E208"
E220: Final = "E220"
E221: Final = "E221"
E209: Final = "E209"
E230: Final = "E230"
W301: Final = "W301"
W302: Final = "W302"
W303: Final = "W303"
W304: Final = "W304"
W305: Final = "W305"
W306: Final = "W306"
W307: Final = "W307"
W320: Final = "W320"
W321: Final = "W321"
W322: Final = "W322"
W323: Final = "W323"
W324: Final = "W324"
W308: Final = "W308"
W309: Final = "W309"
W310: Final = "W310"
W311: Final = "W311"
W312: Final = "W312"
W313: Final = "W313"
W315: Final = "W315"
W316: Final = "W316"
W317: Final = "W317"
W330: Final = "W330"
M101: Final = "M101"
M102: Final = "M102"
M103: Final = "M103"
M104: Final = "M104"
M105: Final = "M105"
M106: Final = "M106"
M107: Final = "M107"
M108: Final = "M108"
M109: Final = "M109"
M110: Final = "M110"
M111: Final = "M111"
M112: Final = "M112"
W340: Final = "W340"
W341: Final = "W341"
W342: Final = "W342"
W343: Final = "W343"
W350: Final = "W350"
W351: Final = "W351"


# Errors about one item of a form: with --allow-errors and in batch, the form's other items are published
# and this one shows the error placeholder. Every other error is about the file (unreadable, wrong period,
# department unknown, two forms that cannot be told apart) and keeps the whole form out.
ITEM_LEVEL = frozenset({E201, E202, E203, E204, E205, E209, E220})

# Findings only the supervision office can act on (which version counts, who has not sent, what the
# inbox holds, the configured period). Feedback to a department leaves them out: a department told
# "以较新的一份为准" or "请督促该单位" has nothing to do with it.
FOR_CLERK = frozenset({E208, W305, W306, W313, W315, W317, W350, W351})


@dataclass(frozen=True)
class Code:
    code: str
    slug: str
    title: str  # short Chinese name shown in reports
    hint: str  # default advice to the clerk or department

    @property
    def severity(self) -> Severity:
        return "warning" if self.code.startswith("W") else "error"


CODES: dict[str, Code] = {
    c.code: c
    for c in [
        Code(
            E101,
            "unreadable-file",
            "文件无法读取",
            "请确认文件是 Excel 表格（.xlsx/.xls/.ods/.csv）且未损坏，重新保存后再报送。",
        ),
        Code(E102, "password-protected", "文件有密码保护", "请取消文件打开密码后重新报送。"),
        Code(E103, "no-header", "找不到表头", "请使用下发的填报表，保留“序号”“进展情况”等表头行。"),
        Code(E104, "file-too-large", "文件过大或结构异常", "请只保留填报表内容，另存为新文件后重新报送。"),
        Code(E110, "empty-file", "文件为空", "文件可能在下载或复制时出错，请重新导出并报送。"),
        Code(
            E111,
            "wrong-file-type",
            "文件内容与扩展名不符",
            "请用 Excel/WPS 打开后另存为 .xlsx（Excel 工作簿）再报送；如发错了文件，请重新报送正确的文件。",
        ),
        Code(
            E112,
            "file-not-accessible",
            "文件无法打开",
            "请检查文件权限，并把真正的文件（而不是快捷方式）放进收件目录。",
        ),
        Code(
            E113,
            "unsafe-xml",
            "文件含有不安全的 XML 声明",
            "正常的 Excel/WPS 文件不含 DOCTYPE/ENTITY 声明。请用 Excel/WPS 打开后另存为新的 .xlsx 再报送。",
        ),
        Code(E114, "no-visible-sheet", "没有可见的工作表", "请在 Excel/WPS 中取消隐藏填报表后重新报送。"),
        Code(
            E115,
            "unsafe-to-read",
            "文件无法安全读取",
            "读取该文件时超出了内存或时间上限，或读取程序异常退出，文件可能已损坏或结构异常。请用 Excel/WPS "
            "打开后另存为新的 .xlsx 再报送；其他单位的报送不受影响。",
        ),
        Code(E201, "unknown-item", "事项序号不在挂牌事项清单中", "请核对序号，使用下发填报表中的序号。"),
        Code(E202, "item-not-assigned", "该事项不属于本单位", "请删除该行，或与督查室确认责任分工。"),
        Code(
            E203,
            "item-text-edited",
            "事项内容被改动",
            "事项内容以挂牌事项清单为准，请恢复原文，进展写在“进展情况”列。",
        ),
        Code(E204, "duplicate-item", "同一事项重复填报", "请合并为一行后重新报送。"),
        Code(E205, "empty-progress", "进展情况为空", "请填写该事项的进展情况。"),
        Code(E206, "wrong-period", "报告期不符", "请使用本期填报表，并核对“报告期”。"),
        Code(
            E207,
            "unknown-department",
            "无法识别填报单位",
            "请在“填报单位”处填写单位规范名称，或在 ledgerxl.toml 中登记别名。",
        ),
        Code(E208, "conflicting-submissions", "同一单位有多份报送", "请只保留一份，或填写填报日期以便确定以哪份为准。"),
        Code(
            E220,
            "text-too-long",
            "进展情况超过 Excel 单元格上限",
            "Excel 一个单元格最多 32767 个字符，超出部分会被截断。请精简到 32767 字以内后重新报送。",
        ),
        Code(
            E221, "duplicate-column", "表头有重复的列", "请删除或改名重复的列，只保留一列“序号”“事项内容”“进展情况”。"
        ),
        Code(
            E209,
            "merged-input-cells",
            "一个单元格跨多个事项",
            "请取消合并单元格，每个事项的进展情况写在本行的单元格里。",
        ),
        Code(
            E230,
            "not-this-departments-form",
            "不是本链接单位的报送表",
            "网上报送链接只收本单位本期的报送表：请核对填报单位和报告期后重新上传。",
        ),
        Code(W301, "stale-progress", "进展情况与上期相同", "请更新为本期进展。"),
        Code(W302, "earlier-period-figures", "只引用了以前期间的数据", "请补充本期数据。"),
        Code(W303, "short-progress", "进展情况过短", "请具体说明进展，包括数量、进度等。"),
        Code(W304, "formula-or-hyperlink", "单元格含公式或超链接", "请粘贴为纯文本。"),
        Code(W305, "missing-department", "单位未报送", "请督促该单位尽快报送。"),
        Code(
            W306,
            "resubmission",
            "单位重复报送，以较新的一份为准",
            "督查室：如需改用这一份，运行 ledgerxl versions 单位 查看各版，再运行 ledgerxl use 单位 版本号；"
            "报送单位无须处理。",
        ),
        Code(W307, "missing-item", "本单位事项未填报", "请补充该事项的进展情况。"),
        Code(
            W320,
            "control-characters",
            "含有不可见的控制字符",
            "这些字符无法写入 Excel/Word，发布时已删除；如影响原意，请修改后重新报送。",
        ),
        Code(
            W321,
            "formula-like-text",
            "文字像公式或 DDE 指令",
            "台账中按原文作为文字显示，不会执行。如非本意，请删除开头的“=”“+”“-”“@”等符号。",
        ),
        Code(
            W322,
            "number-instead-of-text",
            "进展情况只有数字或日期",
            "数字或日期单元格读出的值可能与屏幕显示不同（如 85% 读为 0.85）。请用文字说明进展，或设为文本格式。",
        ),
        Code(
            W324,
            "joined-progress-too-long",
            "合计进展超过 Excel 单元格上限",
            "附件.docx 保留全文；台账.xlsx 中该项的单元格改为提示“全文见附件.docx”。如需在台账.xlsx 中完整显示，"
            "请相关单位精简进展情况。",
        ),
        Code(W323, "no-entries", "表中没有填报内容", "请在表头下逐项填写序号和进展情况后重新报送。"),
        Code(
            W308,
            "several-sheets",
            "多个工作表都有表头",
            "请只保留一个填报工作表；如使用的工作表不对，请删除其他工作表后重新报送。",
        ),
        Code(W309, "hidden-row-used", "隐藏行的内容已采用", "请确认该行应当报送；不应报送的请删除该行。"),
        Code(W310, "hidden-row-ignored", "隐藏行未采用", "隐藏行与可见行重复，已采用可见行；请删除不用的行。"),
        Code(
            W311,
            "unknown-status",
            "完成状态不在可选范围内",
            "请从下拉列表中选择：已完成、序时推进、进度滞后、未启动。",
        ),
        Code(
            W317,
            "withdrawn-version",
            "已撤回的版本",
            "督查室已撤回此版本；如需重新采用，请运行 ledgerxl use 单位 版本号（再次放入收件箱不会自动恢复）。",
        ),
        Code(
            W313,
            "stray-file",
            "不是报送表，已跳过",
            "如这是某单位的报送，请让该单位用下发的 Excel 填报表（或含“序号”“进展情况”表格的 Word 文件）重新报送；"
            "否则可以把它移出收件目录。",
        ),
        Code(
            W315,
            "configured-period-mismatch",
            "配置的报告期与多数报送表不同",
            "请核对 ledgerxl.toml 的 period（或命令行的 --period）；若配置无误，再请各单位改用本期填报表。",
        ),
        Code(
            W316,
            "newer-version-with-errors",
            "较新的报送有错误，未替换原版本",
            "请按错误提示修改这份报送表后重新报送；改正前台账仍采用此前没有错误的版本。",
        ),
        Code(
            W312,
            "department-from-file-name",
            "表中没有填报单位，按文件名识别",
            "请使用下发的填报表，保留“填报单位”一栏。",
        ),
        Code(
            W330,
            "progress-disappeared",
            "上期有进展的事项本期没有填报",
            "请补充该事项本期的进展情况；如已完成，请写明完成情况。",
        ),
        # M1xx: the master list itself (`ledgerxl master check`; issue 8). All are errors.
        Code(M101, "master-bad-number", "序号不是正整数", "序号请填写 1、2、3……的整数。"),
        Code(M102, "master-duplicate-number", "序号重复", "每个事项的序号应唯一，请重新编号。"),
        Code(M103, "master-missing-number", "序号不连续", "请补上缺少的事项，或重新连续编号。"),
        Code(M104, "master-empty-text", "事项内容为空", "请照录政府工作报告原文，或删除这一行。"),
        Code(M105, "master-duplicate-text", "事项内容重复", "同一事项只应列一次；请删除重复的一行，或核对原文。"),
        Code(
            M106,
            "master-no-department",
            "没有责任单位",
            "请填写责任单位，多个单位用顿号“、”分隔，牵头单位在前。",
        ),
        Code(
            M107,
            "master-unknown-department",
            "责任单位不在单位名单中",
            "请核对单位名称；确是新单位时，把它加到“单位名单”表或 ledgerxl.toml 的 [aliases] 中。",
        ),
        Code(
            M108,
            "master-alias-used",
            "责任单位写的是别名",
            "清单中请用规范名称（ledgerxl.toml [aliases] 中等号左边的名称），否则各单位的报送表对不上。",
        ),
        Code(
            M109,
            "ambiguous-alias",
            "别名指向两个单位",
            "一个别名只能属于一个单位，请在 ledgerxl.toml 的 [aliases] 中删去多余的一处。",
        ),
        Code(
            M110,
            "alias-is-another-department",
            "别名与另一个单位同名",
            "请在 ledgerxl.toml 的 [aliases] 中删去该别名，它已是另一个单位的名称。",
        ),
        Code(
            M111,
            "master-bad-target",
            "目标无法识别",
            "目标写成 ≥ 15 家、≈ 5.5 %、≤ 3 %、8 条 或 5.5–6 %，多个用“；”分隔；没有量化目标的留空。",
        ),
        Code(M112, "master-repeated-department", "同一事项重复列出一个单位", "请删去重复的单位名称。"),
        # W340–W349: 完成值 against the item's target (issue 8)
        Code(W340, "done-below-target", "已完成但未达到目标", "请核对完成值或完成状态。"),
        Code(W341, "late-but-target-reached", "已达到目标但标为进度滞后", "请核对完成值或完成状态。"),
        Code(W342, "unreadable-value", "完成值无法识别", "完成值请只写数字和单位，如 19家、5.4%；多个目标用“；”分隔。"),
        Code(W343, "value-unit-mismatch", "完成值与目标单位不同", "请按目标的单位填写完成值。"),
        # W350–W359: the outputs themselves (merge --pdf); the Word documents are published all the same
        Code(
            W350,
            "pdf-no-libreoffice",
            "未生成 PDF：本机没有 LibreOffice",
            "Word 文档已照常写出。要自动生成 PDF，请安装 LibreOffice（免费，libreoffice.org）后重新运行；"
            "也可以在 Word/WPS 中打开文档，“另存为”PDF。",
        ),
        Code(
            W351,
            "pdf-conversion-failed",
            "PDF 转换失败",
            "Word 文档已照常写出。请重新运行；仍不成功时，在 Word/WPS 中打开文档，“另存为”PDF。",
        ),
    ]
}


def make(code: str, message: str, **where: str) -> Finding:
    """Build a finding for a registered code, with its severity and default hint."""
    c = CODES[code]
    hint = where.pop("hint", "") or c.hint
    return Finding(code=code, severity=c.severity, message=message, hint=hint, **where)


def unreadable(e: ReadError, file: str) -> Finding:
    """The finding for a file that could not be read (the ReadError carries its code)."""
    return make(e.code, e.message, hint=e.hint, file=file, sheet=e.sheet, cell=e.cell)
