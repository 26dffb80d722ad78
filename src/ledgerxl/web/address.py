"""Where `ledgerxl serve` listens and what its links say, from the options over [serve] (nothing started)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.errors import ConfigError, UsageError


@dataclass
class ServeOptions:
    config: Config
    host: str | None = None
    port: int | None = None
    base_url: str | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    workers: int | None = None  # checking processes (default: up to 2)


@dataclass
class Serving:
    host: str
    port: int
    base_url: str
    tls: bool
    exposed: bool  # listens beyond this machine


def plan(opts: ServeOptions) -> Serving:
    """Where and how to listen, from the options over [serve] (nothing is started)."""
    s = opts.config.serve
    host = opts.host or s.host
    port = opts.port if opts.port is not None else s.port
    if not 0 < port < 65536:
        raise UsageError(f"端口 {port} 不可用：应为 1 到 65535 之间的整数。")
    cert, key = opts.certfile or s.certfile, opts.keyfile or s.keyfile
    if bool(cert) != bool(key):
        raise UsageError("启用 HTTPS 需要同时给出证书和私钥：--certfile 和 --keyfile（或 [serve] certfile、keyfile）。")
    for p in (cert, key):
        if p is not None and not Path(p).is_file():
            raise ConfigError(f"找不到证书文件 {p}。", "请检查 --certfile/--keyfile 或 [serve] 中的路径。")
    tls = cert is not None
    if cert is not None and key is not None:
        _usable(Path(cert), Path(key))
    base = opts.base_url or s.base_url or f"{'https' if tls else 'http'}://{_url_host(host)}:{port}"
    return Serving(host, port, base.rstrip("/"), tls, not _loopback(host))


def _usable(cert: Path, key: Path) -> None:
    """The certificate and its key load as the server will load them; else a message, not a traceback
    from inside uvicorn. An encrypted key is refused (the empty password), never asked for on a terminal
    an unattended service does not have."""
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key, password=lambda: b"")
    except (ssl.SSLError, OSError, ValueError) as e:
        raise ConfigError(
            f"证书 {cert} 或私钥 {key} 无法使用（{e}）。",
            "请给出 PEM 格式的证书和与之配对、没有密码的私钥；由单位的证书管理员导出，或放在 HTTPS 反向代理之后。",
        ) from e


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"  # the links need a real address: --base-url gives the one departments use
    return f"[{host}]" if ":" in host else host
