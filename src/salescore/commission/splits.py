"""Credit splits: one deal's amount shared between reps, exact to the cent.

Shares must add up to exactly 1 (100 percent); the amount is split by
largest remainder on integer minor units, so the parts always sum to the
deal amount and each is within one minor unit of its exact share.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction

from salescore._numeric import DECIMAL_CONTEXT, exact_decimals, largest_remainder, to_fraction
from salescore.commission._records import Credit
from salescore.errors import InvalidInputError
from salescore.money import Money

__all__ = ["split_credit"]


@exact_decimals
def split_credit(
    deal_id: str, amount: Money, credited_on: date, shares: Mapping[str, object]
) -> tuple[Credit, ...]:
    """Split a deal's credit between reps by ``shares``.

    Parameters
    ----------
    deal_id : str
        The deal.
    amount : Money
        The amount to split [currency], >= 0, in whole minor units.
    credited_on : date
        Credit date of every part.
    shares : mapping of str to number
        Rep id to share [fraction]; each in (0, 1], summing to exactly 1.
        Floats are read through their shortest repr (``0.1`` is one tenth).

    Returns
    -------
    tuple of Credit
        One credit per rep, in the order of ``shares``, summing to ``amount``.

    Raises
    ------
    InvalidInputError
        No shares, a share outside (0, 1], or shares not adding to 1.

    Examples
    --------
    >>> from datetime import date
    >>> parts = split_credit("D1", Money("100.00", "CNY"), date(2026, 1, 5),
    ...                      {"R1": "0.3333", "R2": "0.3333", "R3": "0.3334"})
    >>> [(c.rep_id, str(c.amount)) for c in parts]
    [('R1', '33.33 CNY'), ('R2', '33.33 CNY'), ('R3', '33.34 CNY')]
    >>> split_credit("D1", Money("100.00", "CNY"), date(2026, 1, 5), {"R1": 0.5, "R2": 0.4})
    Traceback (most recent call last):
    ...
    salescore.errors.InvalidInputError: deal 'D1' split shares add up to 0.9, not 1 (100 percent)
    """
    if not shares:
        raise InvalidInputError(f"deal {deal_id!r} split has no shares; give at least one rep")
    fractions: list[Fraction] = []
    for rep_id, share in shares.items():
        f = to_fraction(share, what=f"deal {deal_id!r} share of {rep_id!r}")
        if not 0 < f <= 1:
            raise InvalidInputError(
                f"deal {deal_id!r} share {share!r} of rep {rep_id!r} is outside (0, 1]"
            )
        fractions.append(f)
    total = sum(fractions, Fraction(0))
    if total != 1:
        text = DECIMAL_CONTEXT.divide(Decimal(total.numerator), Decimal(total.denominator))
        shown = text.normalize(DECIMAL_CONTEXT)
        raise InvalidInputError(
            f"deal {deal_id!r} split shares add up to {shown}, not 1 (100 percent)"
        )
    whole = Credit(
        deal_id=deal_id, rep_id=next(iter(shares)), amount=amount, credited_on=credited_on
    )
    parts = largest_remainder(amount.to_minor(), fractions)
    return tuple(
        Credit(
            deal_id=deal_id,
            rep_id=rep_id,
            amount=Money.from_minor(part, amount.currency),
            credited_on=whole.credited_on,
        )
        for rep_id, part in zip(shares, parts, strict=True)
    )
