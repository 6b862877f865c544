"""Passwords for the dashboard: argon2id hashes, and fresh passwords for first starts."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1000  # argon2 takes any length; this only bounds the work one request can ask for
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A password for a first start: 96 bits, easy to copy."""
    return secrets.token_urlsafe(12)


def check_strength(password: str) -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def fingerprint(password_hash: str | None) -> str:
    """Changes whenever the password does: sessions carry it, so that a new password (or a
    password link being used) ends every older session and link."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
