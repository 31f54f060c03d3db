"""Passwords, session tokens, CSRF and sign-in rate limiting.

Passwords are hashed with argon2id. The session cookie holds a random token (HttpOnly,
SameSite=Lax, Secure over https); the database keeps only its SHA-256, so a leaked database
cannot be replayed as cookies. CSRF uses a double-submit token: a readable cookie and the
same value in the `X-CSRF-Token` header (or a `csrf_token` form field), checked against the
value stored with the session, on every state-changing request authenticated by cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SESSION_COOKIE = "accord_session"
CSRF_COOKIE = "accord_csrf"
CSRF_HEADER = "x-csrf-token"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password; used to keep timing even")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when the password matches; takes about as long for unknown users."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and secrets.compare_digest(a, b)


class RateLimiter:
    """At most `limit` failed sign-ins per key (user name, client address) per `window`
    seconds; success does not reset the client's count, so guessing many names is slowed too.
    """

    def __init__(self, limit: int = 5, window: float = 60.0):
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> float:
        """Seconds to wait before another attempt is allowed; 0 when allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                q = self._trim(key, now)
                if len(q) >= self.limit:
                    wait = max(wait, q[0] + self.window - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._trim(key, now).append(now)

    def succeeded(self, user_key: str) -> None:
        with self._lock:
            self._failures.pop(user_key, None)
