"""`ledgerxl serve`: the web intake on uvicorn. Loopback by default; any other address only when asked,
with a warning; TLS when given a certificate and its key."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledgerxl.config import Config
from ledgerxl.errors import ConfigError, UsageError

# uvicorn's own limits, chosen for one office: a slow or idle client cannot hold a connection for long,
# and a flood cannot open more than this many at once (each upload is at most 20 MB on disk, never in memory)
LIMIT_CONCURRENCY = 200
KEEP_ALIVE_SECONDS = 5


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
    base = opts.base_url or s.base_url or f"{'https' if tls else 'http'}://{_url_host(host)}:{port}"
    return Serving(host, port, base.rstrip("/"), tls, not _loopback(host))


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


def serve(opts: ServeOptions, started: Callable[[Serving], None] | None = None) -> None:
    """Run until stopped (Ctrl-C, the service manager)."""
    import uvicorn

    from ledgerxl.jobs.intake import load_intake
    from ledgerxl.web.app import build_app

    where = plan(opts)
    intake = load_intake(opts.config, opts.workers)
    try:
        app = build_app(intake, where.base_url, secure=where.tls)
        cfg = opts.config.serve
        config = uvicorn.Config(
            app,
            host=where.host,
            port=where.port,
            ssl_certfile=str(opts.certfile or cfg.certfile) if where.tls else None,
            ssl_keyfile=str(opts.keyfile or cfg.keyfile) if where.tls else None,
            limit_concurrency=LIMIT_CONCURRENCY,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            server_header=False,
            proxy_headers=False,
            access_log=False,
            log_level="warning",
        )
        if started is not None:
            started(where)
        uvicorn.Server(config).run()
    finally:
        intake.close()
