"""`ledgerxl serve`: the web intake on uvicorn. Loopback by default; any other address only when asked,
with a warning; TLS when given a certificate and its key."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ledgerxl.web.address import ServeOptions, Serving, plan

# uvicorn's own limits, chosen for one office: a slow or idle client cannot hold a connection for long,
# and a flood cannot open more than this many at once (each upload is at most 20 MB on disk, never in memory)
LIMIT_CONCURRENCY = 200
KEEP_ALIVE_SECONDS = 5
SHUTDOWN_SECONDS = 3
# how often a thread holding the GIL lets another run (Python's default 5 ms): a request thread woken by
# its worker's answer waited behind the others for it; at 1 ms, p95 of 20 concurrent uploads fell 15-25 %
SWITCH_INTERVAL = 0.001


def serve(opts: ServeOptions, started: Callable[[Serving], None] | None = None) -> None:
    """Run until stopped (Ctrl-C, the service manager)."""
    import uvicorn

    from ledgerxl.jobs.intake import load_intake
    from ledgerxl.web.app import build_app

    where = plan(opts)
    sys.setswitchinterval(SWITCH_INTERVAL)
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
            # a stop (Ctrl-C, systemctl stop, the task ending) waits this long for open connections, not
            # for ever: a browser keeps its connection open
            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
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
