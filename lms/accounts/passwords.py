"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so timing does not reveal which e-mails exist.
    Made at the first such sign-in, not at import: one hash takes Argon2's 64 MiB, which a process that
    never checks a password (an export, the worker) should not pay."""
    return _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
