"""Secrets: ping tokens and API keys. Tokens carry 128 bits of randomness; keys are stored only
as SHA-256 hashes (they are random, so a slow password hash would add nothing)."""

from __future__ import annotations

import hashlib
import re
import secrets

API_KEY_PREFIX = "cb_"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_ping_token() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 bits


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return TOKEN_PATTERN.match(value) is not None
