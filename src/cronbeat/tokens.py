"""Secrets: ping tokens, team ping keys and API keys, and the slugs that ping URLs may name.
Tokens and ping keys carry 128 bits of randomness; API keys are stored only as SHA-256 hashes
(they are random, so a slow password hash would add nothing)."""

from __future__ import annotations

import hashlib
import re
import secrets

API_KEY_PREFIX = "cb_"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9-]{1,100}$")


def new_ping_token() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 bits


def new_ping_key() -> str:
    """A team's key for slug ping URLs (`/ping/<ping-key>/<slug>`): as secret as a token."""
    return secrets.token_urlsafe(16)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return TOKEN_PATTERN.match(value) is not None


def looks_like_slug(value: str) -> bool:
    return SLUG_PATTERN.match(value) is not None
