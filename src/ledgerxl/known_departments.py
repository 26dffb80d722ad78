"""Departments a city (市) office usually assigns items to, with the other names forms use for them.

`ledgerxl init` writes these into ledgerxl.toml's [aliases] and the master list's drop-down when the
organisation is 市; `ledgerxl master check` counts them as known. Names follow the Qingdao 2025 ledger
(市发展改革委, 市工业和信息化局 …); an office with other names edits its ledgerxl.toml.
"""

from __future__ import annotations

# canonical name -> aliases (short forms and full names seen on forms)
CITY_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "市发展改革委": ("市发改委", "市发展和改革委员会", "青岛市发展和改革委员会"),
    "市教育局": ("青岛市教育局",),
    "市科技局": ("市科学技术局", "青岛市科学技术局"),
    "市工业和信息化局": ("市工信局", "青岛市工业和信息化局"),
    "市民族宗教局": ("市民族宗教事务局",),
    "市公安局": ("青岛市公安局",),
    "市民政局": ("青岛市民政局",),
    "市司法局": ("青岛市司法局",),
    "市财政局": ("青岛市财政局",),
    "市人力资源社会保障局": ("市人社局", "市人力资源和社会保障局", "青岛市人力资源和社会保障局"),
    "市自然资源和规划局": ("市自然资源局", "市自然资源规划局", "青岛市自然资源和规划局"),
    "市生态环境局": ("青岛市生态环境局",),
    "市住房城乡建设局": ("市住建局", "市住房和城乡建设局", "青岛市住房和城乡建设局"),
    "市城市管理局": ("市城管局", "青岛市城市管理局"),
    "市交通运输局": ("市交通局", "青岛市交通运输局"),
    "市水务管理局": ("市水务局", "青岛市水务管理局"),
    "市农业农村局": ("市农业局", "青岛市农业农村局"),
    "市海洋发展局": ("市海洋局", "青岛市海洋发展局"),
    "市商务局": ("青岛市商务局",),
    "市文化和旅游局": ("市文旅局", "青岛市文化和旅游局"),
    "市卫生健康委": ("市卫健委", "市卫生健康委员会", "青岛市卫生健康委员会"),
    "市退役军人局": ("市退役军人事务局",),
    "市应急局": ("市应急管理局",),
    "市审计局": ("青岛市审计局",),
    "市国资委": ("市政府国资委", "青岛市人民政府国有资产监督管理委员会"),
    "市市场监管局": ("市市场监督管理局",),
    "市体育局": ("青岛市体育局",),
    "市统计局": ("青岛市统计局",),
    "市医保局": ("市医疗保障局",),
    "市园林和林业局": ("市园林林业局", "青岛市园林和林业局"),
    "市民营经济发展局": ("市民营局", "青岛市民营经济发展局"),
    "市行政审批局": ("市行政审批服务局",),
    "市大数据局": ("市大数据发展管理局",),
    "市信访局": ("青岛市信访局",),
    "市残联": ("市残疾人联合会", "青岛市残疾人联合会"),
    "市总工会": ("青岛市总工会",),
    "团市委": ("共青团青岛市委员会",),
    "市妇联": ("市妇女联合会", "青岛市妇女联合会"),
    "青岛地铁集团": ("地铁集团", "青岛地铁集团有限公司"),
}


def known_names() -> set[str]:
    """Every canonical name and alias above."""
    return set(CITY_DEPARTMENTS) | {a for aliases in CITY_DEPARTMENTS.values() for a in aliases}
