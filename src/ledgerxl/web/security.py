"""The desk's password (scrypt), its sessions and CSRF tokens, and the rate limits of every page.

Sessions live in this process only (a restart logs the clerk out: one office, one server, and nothing a
stolen database could replay). Cookies are HttpOnly and SameSite=Strict, `Secure` under TLS; each session
has its own CSRF token, which every desk form carries and every desk POST checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from ledgerxl.config import Config
from ledgerxl.errors import UsageError

PASSWORD_KEY = "desk_password"
MIN_PASSWORD = 8
# scrypt with n=2**14, r=8, p=1: 16 MB and about 50 ms per check on this machine (RFC 7914's interactive
# setting), so a guessed password costs an attacker as much
_N, _R, _P = 1 << 14, 8, 1
SESSION_IDLE = 8 * 3600.0  # an office day
SESSION_COOKIE = "ledgerxl_desk"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"密码太短：至少 {MIN_PASSWORD} 个字符。")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(key)])


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(_unb64(key)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(key))


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"))


@dataclass
class Session:
    csrf: str
    seen: float


class Sessions:
    def __init__(self, idle: float = SESSION_IDLE) -> None:
        self._by_hash: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.idle = idle

    def new(self) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._by_hash[_h(sid)] = Session(secrets.token_urlsafe(32), time.monotonic())
        return sid

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._by_hash.get(_h(sid))
            if s is None:
                return None
            now = time.monotonic()
            if now - s.seen > self.idle:
                del self._by_hash[_h(sid)]
                return None
            s.seen = now
            return s

    def end(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._by_hash.pop(_h(sid), None)


def _h(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class RateLimit:
    """A token bucket per key: `burst` at once, then one every `every` seconds."""

    def __init__(self, burst: int, every: float) -> None:
        self.burst, self.every = burst, every
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) / self.every)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 10_000:  # keys of long-idle clients, full again anyway
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < self.burst * self.every}
            return True

    def retry_after(self) -> int:
        return max(1, int(self.every + 0.999))


def set_desk_password(cfg: Config, password: str) -> None:
    """`ledgerxl desk-password`: the desk's password, kept as its scrypt hash in the history database."""
    from ledgerxl.jobs.batch.job import batch_paths
    from ledgerxl.jobs.store import Store

    hashed = hash_password(password)
    _, paths = batch_paths(cfg)
    store = Store.open(paths.db)
    try:
        store.set_setting(PASSWORD_KEY, hashed)
        with store.transaction():
            store.audit("命令行", "设置督查室密码")
    finally:
        store.close()
