"""`bcrypt_keep`: the hash a web config already holds for a password, when it still matches.

Hashing with a random salt (the safe way) gives a new hash on every run; keeping the stored hash
when the password still verifies against it keeps a second run free of changes.
"""

from __future__ import annotations

from typing import Any


def bcrypt_keep(password: Any, stored: Any) -> str:
    """`stored` when it is a bcrypt hash of `password`, else "" (the caller hashes anew)."""
    from passlib.hash import bcrypt

    if not isinstance(stored, str) or not stored.startswith("$2"):
        return ""
    try:
        return stored if bcrypt.verify(str(password), stored) else ""
    except ValueError:  # not a hash passlib can read
        return ""


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"bcrypt_keep": bcrypt_keep}
