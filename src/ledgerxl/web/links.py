"""Each department's private link: /d/<token>, the token 144 bits from a keyed hash (HMAC-SHA256) of the
department's name and the link's generation under a 256-bit secret kept in its own file beside the
database (mode 0600). The database keeps only the token's SHA-256, so a copy of ledgerxl.db opens no page;
the secret lets `ledgerxl links` and the desk's 催报 list show a link again, and `--rotate` revokes one by
moving to the next generation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.errors import ConfigError, UsageError, os_reason
from ledgerxl.jobs.store import Store

SECRET_NAME = "ledgerxl-links.key"
TOKEN_BYTES = 18  # 144 bits; 24 characters of base64url


@dataclass(frozen=True)
class Link:
    department: str
    url: str
    generation: int
    new: bool  # made by this call (first issue or rotated)


def secret_path(db: Path) -> Path:
    return db.with_name(SECRET_NAME)


def load_secret(db: Path) -> bytes:
    """The links' secret, made on first use (O_EXCL: two processes starting at once agree on one)."""
    path = secret_path(db)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"无法读取链接密钥 {path}：{e}。",
            "请从备份恢复该文件；没有备份时删除它，再用 ledgerxl links --rotate-all 重新发放全部链接。",
        ) from e
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_secret(db)
    except OSError as e:
        raise ConfigError(f"无法创建链接密钥 {path}：{os_reason(e)}。", "请检查数据库所在目录是否可写。") from e
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return load_secret(db)


def make_token(secret: bytes, department: str, generation: int) -> str:
    mac = hmac.new(secret, f"ledgerxl-link\0{department}\0{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:TOKEN_BYTES]).decode("ascii")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def page_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/d/{token}"


def issue_links(
    store: Store, secret: bytes, departments: list[str], base_url: str, rotate: set[str] | None = None
) -> list[Link]:
    """One link per department, in the given order: made where there is none, moved to the next
    generation for those in `rotate` (their old link answers 404 from now on)."""
    rotate = rotate or set()
    unknown = sorted(rotate - set(departments))
    if unknown:
        raise UsageError(f"挂牌事项清单中没有这些责任单位：{'、'.join(unknown)}。", "--rotate 后写单位的全称。")
    have = store.links()
    out: list[Link] = []
    for dept in departments:
        gen = have[dept][0] if dept in have else 0
        new = dept not in have or dept in rotate
        if new:
            gen += 1
            store.set_link(dept, gen, token_hash(make_token(secret, dept, gen)))
        out.append(Link(dept, page_url(base_url, make_token(secret, dept, gen)), gen, new))
    with store.transaction():
        for link in out:
            store.mark_link(link.department, "shown_at")
    return out


def link_of(store: Store, secret: bytes, department: str, base_url: str) -> str | None:
    have = store.links().get(department)
    return page_url(base_url, make_token(secret, department, have[0])) if have else None


def links_for(
    cfg: Config, base_url: str | None = None, rotate: list[str] | None = None, rotate_all: bool = False
) -> list[Link]:
    """`ledgerxl links`: every department of the master list with its page's URL (see issue_links)."""
    from ledgerxl import contained
    from ledgerxl.departments import Departments
    from ledgerxl.jobs.batch.job import batch_paths
    from ledgerxl.read.master import load_master
    from ledgerxl.web.address import ServeOptions, plan

    _, paths = batch_paths(cfg)
    master = contained.run(load_master, paths.master, what=f"挂牌事项清单 {paths.master}")
    names = Departments(master.departments, cfg.aliases)
    wanted = set(master.departments) if rotate_all else {names.resolve(d) or d for d in rotate or []}
    base = plan(ServeOptions(cfg, base_url=base_url)).base_url
    store = Store.open(paths.db)
    try:
        return issue_links(store, load_secret(paths.db), master.departments, base, wanted)
    finally:
        store.close()
