"""How wrong passwords slow down and then stop guessing.

Failures are counted per login name (whether or not an account has it, so that the
answers never tell which names exist) and per client address. After a few free
failures each further one makes the next attempt wait twice as long, up to a cap;
after `lock_after` failures in a row on one login name, the login is locked until a
staff member unlocks it. A right password clears the name's count, not the
address's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ThrottleRules:
    #: Failures answered at once, before any delay.
    free_failures: int
    first_delay: timedelta
    max_delay: timedelta
    #: Failures older than this are forgotten (not a lockout's).
    window: timedelta

    def delay_after(self, failures: int) -> timedelta:
        """How long the next attempt waits after `failures` in a row."""
        over = failures - self.free_failures
        if over <= 0:
            return timedelta(0)
        doubled = self.first_delay * (1 << min(over - 1, 30))
        return min(doubled, self.max_delay)


@dataclass(frozen=True)
class SignInRules:
    per_login: ThrottleRules
    per_address: ThrottleRules
    #: Failures in a row that lock a login name until staff unlock it.
    lock_after: int

    def locks(self, failures: int) -> bool:
        return failures >= self.lock_after


def sign_in_rules(free_failures: int = 3, lock_after: int = 10) -> SignInRules:
    """A login name waits 2 s, 4 s, ... up to 5 min after its free failures; an
    address (a shared office's NAT among them) gets 20 free failures an hour."""
    return SignInRules(
        per_login=ThrottleRules(
            free_failures=free_failures,
            first_delay=timedelta(seconds=2),
            max_delay=timedelta(minutes=5),
            window=timedelta(hours=24),
        ),
        per_address=ThrottleRules(
            free_failures=20,
            first_delay=timedelta(seconds=2),
            max_delay=timedelta(minutes=15),
            window=timedelta(hours=1),
        ),
        lock_after=lock_after,
    )
