"""Advisor accounts: argon2-hashed passwords, roles, spoken languages."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.models import Advisor, AdvisorRole
from bot.infra.errors import AppError

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown takes as long as a real check: no user enumeration by timing.
_DUMMY_HASH = _hasher.hash("not a password of anybody")
MIN_PASSWORD_LENGTH = 12


class AdvisorExists(AppError):
    status_code = 409
    code = "advisor_exists"
    message = "An advisor with this e-mail address exists already."


class WeakPassword(AppError):
    status_code = 422
    code = "weak_password"
    message = f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."


async def create_advisor(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str,
    role: AdvisorRole = AdvisorRole.ADVISOR,
    languages: list[str] | None = None,
) -> Advisor:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()
    email = email.strip().casefold()
    if await session.scalar(select(Advisor).where(func.lower(Advisor.email) == email)):
        raise AdvisorExists()
    advisor = Advisor(
        email=email, name=name.strip(), password_hash=_hasher.hash(password), role=role, languages=languages or ["de"]
    )
    session.add(advisor)
    await session.commit()
    return advisor


async def authenticate(session: AsyncSession, email: str, password: str) -> Advisor | None:
    advisor = await session.scalar(select(Advisor).where(Advisor.email == email.strip().casefold()))
    try:
        _hasher.verify(advisor.password_hash if advisor else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if advisor is None or not advisor.active:
        return None
    if _hasher.check_needs_rehash(advisor.password_hash):
        advisor.password_hash = _hasher.hash(password)
        await session.commit()
    return advisor
