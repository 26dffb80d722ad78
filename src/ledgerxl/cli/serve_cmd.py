"""`ledgerxl serve`, `ledgerxl links` and `ledgerxl desk-password`: parse options, call web/, print."""

from __future__ import annotations

from pathlib import Path

import click

from ledgerxl.cli.common import config_option, echo, handle_errors


@click.command()
@config_option
@click.option("--host", help="监听地址（默认 127.0.0.1，只有本机能访问；0.0.0.0 为办公网内所有电脑）。")
@click.option("--port", type=int, help="端口（默认 8080）。")
@click.option("--base-url", help="各单位访问本服务的地址，如 https://duban.example.gov.cn（用于链接）。")
@click.option("--certfile", type=click.Path(path_type=Path), help="HTTPS 证书（PEM）；与 --keyfile 一起使用。")
@click.option("--keyfile", type=click.Path(path_type=Path), help="HTTPS 私钥（PEM）。")
@handle_errors
def serve(
    config_path: Path | None,
    host: str | None,
    port: int | None,
    base_url: str | None,
    certfile: Path | None,
    keyfile: Path | None,
) -> None:
    """网上报送：为每个单位提供专用的上传页面（链接用 ledgerxl links 生成），并提供督查室工作台（/desk）。

    与 ledgerxl batch 使用同一个工作目录、同一份报送历史和同一条版本规则。默认只监听本机（127.0.0.1）；
    在办公网内使用时加 --host 0.0.0.0，最好同时加 --certfile/--keyfile 使用 HTTPS，或放在单位已有的
    反向代理之后。按 Ctrl-C 停止。
    """
    from ledgerxl.config import load_config
    from ledgerxl.web.address import ServeOptions, Serving
    from ledgerxl.web.server import serve as run

    def started(s: Serving) -> None:
        echo(f"网上报送已启动：{s.base_url}（督查室工作台：{s.base_url}/desk），按 Ctrl-C 停止。")
        if s.exposed:
            echo(f"注意：正在监听 {s.host}，同一网络中的其他电脑都能访问本服务。", err=True)
            if not s.tls:
                echo(
                    "注意：未使用 HTTPS，链接和上传的文件在网络上以明文传输；"
                    "请用 --certfile/--keyfile，或放在 HTTPS 反向代理之后。",
                    err=True,
                )

    run(ServeOptions(load_config(config_path), host, port, base_url, certfile, keyfile), started)


@click.command()
@config_option
@click.option("--base-url", help="各单位访问 ledgerxl serve 的地址（默认按 [serve] 设置，或 http://127.0.0.1:8080）。")
@click.option("--rotate", "rotate", multiple=True, metavar="单位", help="作废该单位的旧链接、生成新链接（可重复）。")
@click.option("--rotate-all", is_flag=True, help="作废全部旧链接、全部重新生成。")
@handle_errors
def links(config_path: Path | None, base_url: str | None, rotate: tuple[str, ...], rotate_all: bool) -> None:
    """每个责任单位一行：单位名称和它的专用报送链接（发到各单位的工作群；链接即凭证，只发给该单位）。

    链接第一次运行时生成，以后运行显示同样的链接；--rotate 单位 作废旧链接（旧链接从此打不开）。
    """
    from ledgerxl.config import load_config
    from ledgerxl.web.links import links_for

    for link in links_for(load_config(config_path), base_url, list(rotate), rotate_all):
        echo(f"{link.department}\t{link.url}")


@click.command(name="desk-password")
@config_option
@click.password_option(
    "--password", prompt="督查室工作台密码", confirmation_prompt="再输入一次", help="新密码（不给时提示输入）。"
)
@handle_errors
def desk_password(config_path: Path | None, password: str) -> None:
    """设置督查室工作台（ledgerxl serve 的 /desk）的登录密码，至少 8 个字符；只保存其 scrypt 散列。"""
    from ledgerxl.config import load_config
    from ledgerxl.web.security import set_desk_password

    set_desk_password(load_config(config_path), password)
    echo("督查室工作台密码已设置。")
