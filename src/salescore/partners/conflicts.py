"""Channel conflicts: two claims on one customer, settled by a rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal, Self

import numpy as np
import pandas as pd
from pydantic import AwareDatetime, model_validator

from salescore._base import FrozenModel
from salescore._failures import Failures
from salescore._numeric import exact_decimals, largest_remainder, to_decimal
from salescore.error_codes import FailureReason
from salescore.errors import InvalidInputError
from salescore.frames import Column, FrameContract, empty_failures, partition_frame
from salescore.money import minor_unit
from salescore.partners._common import Identifier, OptionalText, _check_places, _money
from salescore.serialization import Result

__all__ = [
    "CHANNEL_CLAIMS",
    "ChannelClaim",
    "ChannelConflicts",
    "ConflictRule",
    "channel_conflicts",
]


#: How a channel conflict is decided: ``first_registration`` (the earliest
#: claim wins), ``deal_registration_wins`` (a partner channel's registered
#: deal beats a direct rep's or another channel's unregistered claim; among
#: registrations, and when there is none, the earliest wins) or ``split``
#: (equal shares for every claimant).
ConflictRule = Literal["first_registration", "deal_registration_wins", "split"]


_RULES: Final = ("first_registration", "deal_registration_wins", "split")


class ChannelClaim(FrozenModel):
    """A claim on an account or deal by a channel (partner) or a direct rep.

    Parameters
    ----------
    claim_id : str
        The claim.
    item_id : str
        The account or deal claimed.
    channel_id : str, optional
        The claiming channel; give exactly one of ``channel_id`` and ``rep_id``
        (a blank one counts as not given).
    rep_id : str, optional
        The claiming direct rep.
    registered_at : datetime
        When the claim was registered, timezone-aware.
    deal_registration : bool
        The channel holds an approved deal registration for the item (only
        with ``channel_id``).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> ChannelClaim(claim_id="K1", item_id="ACME", channel_id="P1", deal_registration=True,
    ...              registered_at=datetime(2026, 3, 2, tzinfo=timezone.utc)).claimant
    ('channel', 'P1')
    """

    claim_id: Identifier
    item_id: Identifier
    channel_id: OptionalText = None
    rep_id: OptionalText = None
    registered_at: AwareDatetime
    deal_registration: bool = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.channel_id is None) == (self.rep_id is None):
            raise InvalidInputError(
                f"claim {self.claim_id!r} has channel_id {self.channel_id!r} and rep_id "
                f"{self.rep_id!r}; give exactly one of the two"
            )
        if self.deal_registration and self.channel_id is None:
            raise InvalidInputError(
                f"claim {self.claim_id!r} of rep {self.rep_id!r} has deal_registration; "
                "only a channel registers deals"
            )
        return self

    @property
    def claimant(self) -> tuple[str, str]:
        """``("channel", channel_id)`` or ``("direct", rep_id)``."""
        if self.channel_id is not None:
            return ("channel", self.channel_id)
        assert self.rep_id is not None  # one of the two, by the validator
        return ("direct", self.rep_id)


#: Claims on accounts or deals, one per row (see :class:`ChannelClaim`).
CHANNEL_CLAIMS: Final = FrameContract(
    "channel_claims",
    (
        Column("claim_id", "string", unique=True, nonblank=True, description="the claim"),
        Column("item_id", "string", nonblank=True, description="the account or deal claimed"),
        Column(
            "channel_id", "string", required=False, nullable=True, description="claiming channel"
        ),
        Column("rep_id", "string", required=False, nullable=True, description="claiming rep"),
        Column("registered_at", "datetime", description="when, timezone-aware (UTC)"),
        Column(
            "deal_registration",
            "bool",
            required=False,
            nullable=True,
            description="the channel holds a deal registration (null = False)",
        ),
    ),
    (),
    "one claim per row; exactly one of channel_id and rep_id",
)


@dataclass(frozen=True)
class ChannelConflicts(Result):
    """Conflicting claims and how the rule decided them.

    Parameters
    ----------
    rule : str
        The :data:`ConflictRule` applied.
    window_days : int
        Claims on one item within this many days of the first claim of a
        run form one claim group [days]; a later claim starts a new group.
    conflicts : pandas.DataFrame
        One row per group with more than one claimant, at least one a
        channel (distinct channels, or a channel and a direct rep), by
        ``item_id`` then ``opened_at``:
        ``conflict_id``, ``item_id``, ``opened_at`` (the first claim),
        ``claimants`` [count], ``winner_kind`` and ``winner_id`` (``None``
        under ``split``), ``amount`` [currency, Decimal, ``None`` without
        amounts] and ``amount_minor``, ``reason_en``, ``reason_zh``.
    claimants : pandas.DataFrame
        One row per claimant of each conflict, in registration order:
        ``conflict_id``, ``item_id``, ``claimant_kind`` (``channel`` or
        ``direct``), ``claimant_id``, ``claim_id`` (its first claim in the
        group), ``registered_at``, ``deal_registration``, ``claims`` (its
        claims in the group [count]), ``winner`` (bool), ``share``
        [fraction], ``amount`` [currency, Decimal or ``None``] and
        ``amount_minor``. Per conflict the shares sum to 1 and the amounts
        to the item's amount, to the minor unit.
    errors : pandas.DataFrame
        Claims that could not be used (``row``, ``column``, ``value``, ``reason``).
    """

    rule: str
    window_days: int
    conflicts: pd.DataFrame
    claimants: pd.DataFrame
    errors: pd.DataFrame


def _claims_frame(
    claims: Sequence[ChannelClaim] | pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(claims, pd.DataFrame):
        valid, failures = partition_frame(claims, CHANNEL_CLAIMS)
        channel = (
            valid["channel_id"].astype(object).where(valid["channel_id"].notna(), None)
            if "channel_id" in valid
            else pd.Series(None, index=valid.index, dtype=object)
        )
        rep = (
            valid["rep_id"].astype(object).where(valid["rep_id"].notna(), None)
            if "rep_id" in valid
            else pd.Series(None, index=valid.index, dtype=object)
        )
        registered = (
            valid["deal_registration"].fillna(False).astype(bool)
            if "deal_registration" in valid
            else pd.Series(False, index=valid.index, dtype=bool)
        )
        both = channel.notna().to_numpy() == rep.notna().to_numpy()
        rep_registered = registered.to_numpy() & channel.isna().to_numpy()
        problems = Failures(valid)
        nothing = np.full(len(valid), None, dtype=object)
        problems.add("channel_id", FailureReason.ONE_CLAIMANT_REQUIRED, both, values=nothing)
        problems.add(
            "deal_registration",
            FailureReason.REGISTRATION_NEEDS_CHANNEL,
            rep_registered & ~both,
            values=np.full(len(valid), True, dtype=object),
        )
        keep = ~(both | rep_registered)
        frame = pd.DataFrame(
            {
                "claim_id": valid["claim_id"].astype(str).to_numpy(dtype=object)[keep],
                "item_id": valid["item_id"].astype(str).to_numpy(dtype=object)[keep],
                "kind": np.where(channel.notna().to_numpy(), "channel", "direct")[keep],
                "who": channel.where(channel.notna(), rep).to_numpy(dtype=object)[keep],
                "at": pd.DatetimeIndex(valid["registered_at"]).tz_convert("UTC")[keep],
                "registered": registered.to_numpy(dtype=bool)[keep],
            }
        )
        if len(problems):
            failures = pd.concat([failures, problems.table()], ignore_index=True)
        return frame, failures
    for c in claims:
        if not isinstance(c, ChannelClaim):
            raise InvalidInputError(
                f"claim {c!r} is a {type(c).__name__}; give ChannelClaim models or a frame"
            )
    ids = [c.claim_id for c in claims]
    twice = sorted({i for i in ids if ids.count(i) > 1}) if len(set(ids)) < len(ids) else []
    if twice:
        raise InvalidInputError(f"claim ids {twice} appear more than once; ids must be unique")
    frame = pd.DataFrame(
        {
            "claim_id": pd.Series(ids, dtype=object),
            "item_id": pd.Series([c.item_id for c in claims], dtype=object),
            "kind": pd.Series([c.claimant[0] for c in claims], dtype=object),
            "who": pd.Series([c.claimant[1] for c in claims], dtype=object),
            "at": pd.DatetimeIndex([c.registered_at for c in claims], tz="UTC"),
            "registered": np.array([c.deal_registration for c in claims], dtype=bool),
        }
    )
    return frame, empty_failures()


def _label(kind: str, who: str) -> tuple[str, str]:
    return (
        (f"channel {who}", f"渠道 {who}")
        if kind == "channel"
        else (f"direct rep {who}", f"直销 {who}")
    )


@exact_decimals
def channel_conflicts(
    claims: Sequence[ChannelClaim] | pd.DataFrame,
    *,
    window_days: int,
    rule: ConflictRule,
    amounts: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> ChannelConflicts:
    """Accounts or deals claimed by more than one channel, or a channel and a rep; decided.

    Claims on one item are grouped in registration order: a group opens with
    a claim and takes every later claim registered within ``window_days`` of
    it; a claim after that opens the next group. A group with more than one
    claimant (repeated claims of one claimant count once, at the first), at
    least one of them a channel, is a conflict (two direct reps alone are a
    territory question, not a channel conflict), decided under ``rule``:

    - ``first_registration``: the earliest claim wins (ties by claim id);
    - ``deal_registration_wins``: a channel holding a deal registration wins
      over direct reps and unregistered channels (the earliest registration
      among several); with no registration, the earliest claim wins;
    - ``split``: every claimant gets an equal share; the item's amount is
      split to the minor unit by largest remainder (earlier claimants first
      on ties), so the parts add up to the whole.

    Parameters
    ----------
    claims : sequence of ChannelClaim or pandas.DataFrame
        Models, or a frame under :data:`CHANNEL_CLAIMS`; a row failing the
        contract, or naming neither or both of ``channel_id`` and
        ``rep_id``, goes to ``errors``.
    window_days : int
        The window [days], >= 0.
    rule : {"first_registration", "deal_registration_wins", "split"}
        See :data:`ConflictRule`.
    amounts : mapping of str to Decimal, optional
        The amount of each item [currency], to share between the claimants
        (the winner takes all under the first two rules).
    currency : str, optional
        ISO 4217 code of ``amounts``; required with them.

    Returns
    -------
    ChannelConflicts
        The conflicts with the decision and reason, and the claimants.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = lambda d: datetime(2026, 3, d, 9, tzinfo=timezone.utc)
    >>> claims = [ChannelClaim(claim_id="K1", item_id="ACME", rep_id="R7", registered_at=t(2)),
    ...           ChannelClaim(claim_id="K2", item_id="ACME", channel_id="P1",
    ...                        registered_at=t(5), deal_registration=True),
    ...           ChannelClaim(claim_id="K3", item_id="INITECH", channel_id="P1",
    ...                        registered_at=t(5))]
    >>> out = channel_conflicts(claims, window_days=30, rule="deal_registration_wins")
    >>> out.conflicts[["item_id", "claimants", "winner_kind", "winner_id"]]
      item_id  claimants winner_kind winner_id
    0    ACME          2     channel        P1
    >>> out.conflicts.loc[0, "reason_en"]
    'channel P1 holds a deal registration (2026-03-05 09:00 UTC): it beats direct rep R7'
    >>> split = channel_conflicts(claims, window_days=30, rule="split",
    ...                           amounts={"ACME": "100.01"}, currency="CNY")
    >>> split.claimants[["claimant_id", "share", "amount"]]
      claimant_id  share amount
    0          R7    0.5  50.01
    1          P1    0.5  50.00
    """
    if rule not in _RULES:
        raise InvalidInputError(f"rule {rule!r} is not one of {', '.join(_RULES)}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise InvalidInputError(f"window_days {window_days!r} must be a whole number >= 0")
    mu = 0
    if amounts is not None:
        if currency is None:
            raise InvalidInputError("amounts are given without a currency; pass currency=")
        mu = minor_unit(currency)
    frame, errors = _claims_frame(claims)
    frame = frame.sort_values(["item_id", "at", "claim_id"], kind="stable").reset_index(drop=True)
    # Group claims: a new group at a new item, or past the window of the group's opening claim.
    item = frame["item_id"].to_numpy(dtype=object)
    at_ns = frame["at"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    window = window_days * 86_400 * 10**9
    group = np.zeros(len(frame), np.int64)
    g, opened = -1, 0
    for i in range(len(frame)):
        if i == 0 or item[i] != item[i - 1] or at_ns[i] - opened > window:
            g += 1
            opened = at_ns[i]
        group[i] = g
    frame["group"] = group
    firsts = frame.groupby(["group", "kind", "who"], sort=False).agg(
        claim_id=("claim_id", "first"),
        at=("at", "first"),
        registered=("registered", "any"),
        claims=("claim_id", "size"),
        item_id=("item_id", "first"),
        order=("at", "idxmin"),
    )
    firsts = firsts.reset_index().sort_values(["group", "order"], kind="stable")
    sizes = firsts.groupby("group")["who"].transform("size").to_numpy()
    channels_in = (firsts["kind"] == "channel").groupby(firsts["group"]).transform("sum").to_numpy()
    # Two direct reps on one account is a territory question, not a channel conflict.
    contested = firsts[(sizes > 1) & (channels_in > 0)]
    conflict_rows: list[dict[str, object]] = []
    claimant_rows: list[dict[str, object]] = []
    for conflict_id, (_, part) in enumerate(contested.groupby("group", sort=True)):
        rows = part.to_dict("records")
        names = [_label(str(r["kind"]), str(r["who"])) for r in rows]
        n = len(rows)
        item_id = str(rows[0]["item_id"])
        total_minor: int | None = None
        if amounts is not None and item_id in amounts:
            value = to_decimal(amounts[item_id], what=f"amount of {item_id!r}")
            _check_places(value, f"amount of {item_id!r}", mu)
            total_minor = int(value.scaleb(mu))
        when = [pd.Timestamp(r["at"]).strftime("%Y-%m-%d %H:%M UTC") for r in rows]
        if rule == "split":
            winner: int | None = None
            shares = [Fraction(1, n)] * n
            parts = (
                largest_remainder(total_minor, [Fraction(1)] * n)
                if total_minor is not None
                else None
            )
            en = f"split equally between {n} claimants: " + ", ".join(x[0] for x in names)
            zh = f"{n} 方平分：" + "、".join(x[1] for x in names)
        else:
            registered = [
                i for i, r in enumerate(rows) if r["kind"] == "channel" and r["registered"]
            ]
            if rule == "deal_registration_wins" and registered:
                winner = registered[0]
                beaten = [names[i] for i in range(n) if i != winner]
                en = (
                    f"{names[winner][0]} holds a deal registration ({when[winner]}): it beats "
                    + ", ".join(x[0] for x in beaten)
                )
                zh = f"{names[winner][1]} 已报备商机（{when[winner]}），优先于" + "、".join(
                    x[1] for x in beaten
                )
            else:
                winner = 0
                beaten = names[1:]
                tie = n > 1 and rows[1]["at"] == rows[0]["at"]
                lead = (
                    "no claimant holds a deal registration; "
                    if rule == "deal_registration_wins"
                    else ""
                )
                lead_zh = "无人报备商机；" if rule == "deal_registration_wins" else ""
                en = (
                    f"{lead}{names[0][0]} registered first ({when[0]}"
                    + (", tie broken by claim id" if tie else "")
                    + "), before "
                    + ", ".join(x[0] for x in beaten)
                )
                zh = (
                    f"{lead_zh}{names[0][1]} 最先登记（{when[0]}"
                    + ("，同时登记按申请编号" if tie else "")
                    + "），先于"
                    + "、".join(x[1] for x in beaten)
                )
            shares = [Fraction(int(i == winner)) for i in range(n)]
            parts = (
                [total_minor if i == winner else 0 for i in range(n)]
                if total_minor is not None
                else None
            )
        conflict_rows.append(
            {
                "conflict_id": conflict_id,
                "item_id": item_id,
                "opened_at": rows[0]["at"],
                "claimants": n,
                "winner_kind": None if winner is None else rows[winner]["kind"],
                "winner_id": None if winner is None else rows[winner]["who"],
                "amount": None if total_minor is None else _money(total_minor, mu),
                "amount_minor": total_minor,
                "reason_en": en,
                "reason_zh": zh,
            }
        )
        for i, r in enumerate(rows):
            claimant_rows.append(
                {
                    "conflict_id": conflict_id,
                    "item_id": item_id,
                    "claimant_kind": r["kind"],
                    "claimant_id": r["who"],
                    "claim_id": r["claim_id"],
                    "registered_at": r["at"],
                    "deal_registration": bool(r["registered"]),
                    "claims": int(r["claims"]),
                    "winner": winner is None or i == winner,
                    "share": float(shares[i]),
                    "amount": None if parts is None else _money(parts[i], mu),
                    "amount_minor": None if parts is None else parts[i],
                }
            )
    conflict_columns = [
        "conflict_id",
        "item_id",
        "opened_at",
        "claimants",
        "winner_kind",
        "winner_id",
        "amount",
        "amount_minor",
        "reason_en",
        "reason_zh",
    ]
    claimant_columns = [
        "conflict_id",
        "item_id",
        "claimant_kind",
        "claimant_id",
        "claim_id",
        "registered_at",
        "deal_registration",
        "claims",
        "winner",
        "share",
        "amount",
        "amount_minor",
    ]
    conflicts = pd.DataFrame(conflict_rows, columns=conflict_columns)
    claimants = pd.DataFrame(claimant_rows, columns=claimant_columns)
    for table in (conflicts, claimants):
        table["amount"] = table["amount"].astype(object)
        table["amount_minor"] = pd.array(table["amount_minor"].tolist(), dtype="Int64")
        for col in ("conflict_id", "claimants", "claims"):
            if col in table:
                table[col] = table[col].astype(np.int64)
    conflicts["opened_at"] = pd.DatetimeIndex(conflicts["opened_at"], tz="UTC")
    claimants["registered_at"] = pd.DatetimeIndex(claimants["registered_at"], tz="UTC")
    claimants["winner"] = claimants["winner"].astype(bool)
    claimants["deal_registration"] = claimants["deal_registration"].astype(bool)
    claimants["share"] = claimants["share"].astype(np.float64)
    return ChannelConflicts(
        rule=rule, window_days=window_days, conflicts=conflicts, claimants=claimants, errors=errors
    )
