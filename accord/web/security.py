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
from collections.abc import Iterator
from contextlib import contextmanager

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


class Backoff:
    """Exponential back-off on failed sign-ins, per key.

    After `free` failures, each further failure doubles the wait before the next attempt
    (from `base` seconds up to `cap`). A slot is reserved *before* the password is hashed, so
    concurrent guesses cannot all pass the check at once; a success gives the slot back.
    Keys: (user name, client address) with a short cap, so guessing from elsewhere never
    locks the real user out; the user name alone with more free failures and a slower
    ceiling; and the client address alone, so guessing many names is slowed too. Counts are
    forgotten after `forget` seconds without a failure.
    """

    def __init__(self, free: int = 5, base: float = 1.0, cap: float = 900.0,
                 forget: float = 3600.0):
        self.free, self.base, self.cap, self.forget = free, base, cap, forget
        self._state: dict[str, tuple[int, float, float]] = {}  # failures, next allowed, last
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` failures."""
        if failures < self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - self.free, 40)))

    def _get(self, key: str, now: float) -> tuple[int, float, float]:
        n, allowed, last = self._state.get(key, (0, 0.0, now))
        if now - last > self.forget:
            return 0, 0.0, now
        return n, allowed, last

    def wait(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            return max(0.0, self._get(key, now)[1] - now)

    def reserve(self, key: str) -> None:
        """Count a failure now (given back by `release` if the attempt succeeds)."""
        now = time.monotonic()
        with self._lock:
            n, _, _ = self._get(key, now)
            self._state[key] = (n + 1, now + self.delay(n + 1), now)

    def release(self, key: str, reset: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            n, _, last = self._get(key, now)
            if reset or n <= 1:
                self._state.pop(key, None)
            else:
                self._state[key] = (n - 1, last + self.delay(n - 1), last)


class SignIns:
    """Sign-in guard: back-off on three keys ((user, client) and user reserved before
    hashing, client counted on failure), and a bound on concurrent argon2 hashing (64 MiB
    each)."""

    def __init__(self, limit: int = 5, window: float = 60.0, hashing: int = 2):
        base = window / 60  # 1 s for the default one-minute window
        self.pair = Backoff(free=limit, base=base, cap=15 * window, forget=60 * window)
        self.user = Backoff(free=4 * limit, base=base, cap=window, forget=60 * window)
        self.client = Backoff(free=4 * limit, base=base, cap=15 * window, forget=60 * window)
        self.hashing = threading.BoundedSemaphore(hashing)
        self._gate = threading.Lock()

    @staticmethod
    def keys(username: str, client: str) -> tuple[str, str, str]:
        name = username.lower()
        return f"pair:{name}|{client}", f"user:{name}", f"ip:{client}"

    def begin(self, username: str, client: str) -> float:
        """0 and every slot reserved when an attempt may go ahead, else seconds to wait."""
        pair, user, ip = self.keys(username, client)
        with self._gate:  # check and reserve as one step, so concurrent guesses queue here
            wait = max(self.pair.wait(pair), self.user.wait(user), self.client.wait(ip))
            if wait > 0:
                return wait
            self.pair.reserve(pair)
            self.user.reserve(user)
        return 0.0

    def failed(self, username: str, client: str) -> None:
        """Count a failure against the client address alone. Not reserved in advance, so
        many people behind one address can sign in at once; guesses across names from one
        address still queue on the bounded hashing."""
        self.client.reserve(self.keys(username, client)[2])

    @contextmanager
    def hashing_slot(self, wait: float = 30.0) -> Iterator[bool]:
        """One of the bounded argon2 slots; yields False when none came free within `wait`
        seconds (the caller answers 503)."""
        got = self.hashing.acquire(timeout=wait)
        try:
            yield got
        finally:
            if got:
                self.hashing.release()

    def succeeded(self, username: str, client: str) -> None:
        pair, user, _ = self.keys(username, client)
        self.pair.release(pair, reset=True)
        self.user.release(user)
