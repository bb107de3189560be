"""The funnel kernel on hand-built arrays: each case fixes one thing no other test pinned.

Written from the mutation sample of ``funnel/_kernel.py`` (see tests/MUTATION.md): the
dtypes of every count, a deal lost at the first open stage in snapshot mode, histories
given out of order, a re-entered stage that is not a regression, sub-second and
half-hour visit durations, null and unsorted segment keys, and pipelines too long for
int8 positions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salescore.errors import InvalidInputError, UnknownStageError
from salescore.funnel._kernel import (
    LOST,
    NO_DATE,
    OPEN,
    WON,
    Arrays,
    Changes,
    Deals,
    check_stages,
    count_arrays,
    stage_codes,
    stage_lookup,
)
from salescore.models import Pipeline, Stage

PIPE = Pipeline(
    stages=(
        Stage(name="Lead", order=0, probability=0.1),
        Stage(name="Qualify", order=1, probability=0.3),
        Stage(name="Proposal", order=2, probability=0.6),
        Stage(name="Won", order=3, probability=1, kind="won"),
        Stage(name="Lost", order=4, probability=0, kind="lost"),
    )
)
CODE = {name: i for i, name in enumerate(PIPE.names)}
POS, KIND = stage_lookup(PIPE)
US = 1_000_000
HOUR = 3600 * US


def deals(stages: list[str], *, keys: pd.DataFrame | None = None, lost_at=None) -> Deals:
    n = len(stages)
    code = np.array([CODE[s] for s in stages], dtype=np.int64)
    return Deals(
        ids=np.array([f"D{i}" for i in range(n)], dtype=object),
        keys=keys if keys is not None else pd.DataFrame(index=range(n)),
        amount=np.arange(1, n + 1, dtype=np.int64) * 100,
        kind=KIND[code],
        pos=POS[code],
        code=code,
        created=np.zeros(n, dtype=np.int64),
        closed=np.where(KIND[code] == OPEN, NO_DATE, 10).astype(np.int64),
        lost_at=np.asarray(lost_at if lost_at is not None else [-1] * n, dtype=np.int64),
    )


def changes(rows: list[tuple[int, int, str]]) -> Changes:
    """(deal, microseconds, stage) rows, in the order given."""
    return Changes(
        deal=np.array([r[0] for r in rows], dtype=np.int64),
        moment=np.array([r[1] for r in rows], dtype=np.int64),
        code=np.array([CODE[r[2]] for r in rows], dtype=np.int64),
    )


def int64_everywhere(arrays: Arrays) -> None:
    for name in (
        "outcome",
        "outcome_amount",
        "regressions",
        "visits",
        "visit_seconds",
        "cycle_count",
        "cycle_days",
        "lost_known",
        "lost_assumed",
    ):
        assert getattr(arrays, name).dtype == np.int64, name
    assert arrays.hours.dtypes.tolist() == [np.dtype(np.int64)] * 4


def test_stage_lookup_positions_open_stages_and_marks_closed_ones() -> None:
    pos, kind = stage_lookup(PIPE)  # called here, not at import, so mutation runs see it
    assert pos.tolist() == [0, 1, 2, -1, -1] and pos.dtype == np.int64
    assert kind.tolist() == [OPEN, OPEN, OPEN, WON, LOST] and kind.dtype == np.int8


def test_snapshot_counts_a_deal_lost_at_the_first_open_stage_as_known() -> None:
    out = count_arrays(
        deals(["Lost", "Lost", "Lost", "Qualify"], lost_at=[0, 1, -1, -1]),
        None,
        PIPE,
        reopen="continue",
    )
    int64_everywhere(out)
    assert (out.lost_known.tolist(), out.lost_assumed.tolist()) == ([2], [1])
    # Lost at stage 0 and at an unknown stage both reach only the first stage.
    assert out.outcome[0, 0].tolist() == [0, 0, 2] and out.outcome[0, 1].tolist() == [1, 0, 1]
    assert out.hours.empty and out.visits.sum() == 0


def test_history_counts_have_int64_dtypes_with_one_and_with_many_segments() -> None:
    history = changes([(0, 0, "Lead"), (0, HOUR, "Won"), (1, 0, "Lead"), (1, HOUR, "Lost")])
    one = count_arrays(deals(["Won", "Lost"]), history, PIPE, reopen="continue")
    int64_everywhere(one)
    assert (one.lost_known.tolist(), one.lost_assumed.tolist()) == ([0], [0])
    keyed = deals(["Won", "Lost"], keys=pd.DataFrame({"team": ["E", "W"]}))
    many = count_arrays(keyed, history, PIPE, reopen="continue")
    int64_everywhere(many)
    assert many.visits.tolist() == [[1, 0, 0], [1, 0, 0]]


def test_an_empty_history_enters_every_deal_at_its_current_stage() -> None:
    out = count_arrays(deals(["Qualify", "Lost"]), changes([]), PIPE, reopen="continue")
    int64_everywhere(out)
    # No history: the lost deal is counted at the first stage, the open one where it is.
    assert out.outcome[0, 0].tolist() == [0, 0, 1] and out.outcome[0, 1].tolist() == [1, 0, 0]


def test_history_out_of_order_is_sorted_by_deal_then_time() -> None:
    rows = [(0, 0, "Lead"), (0, 2 * HOUR, "Proposal"), (0, HOUR, "Qualify")]
    rows += [(2, 0, "Lead"), (2, 3 * HOUR, "Won"), (1, 0, "Lead"), (1, 5 * HOUR, "Qualify")]
    ordered = sorted(rows, key=lambda r: (r[0], r[1]))
    book = deals(["Proposal", "Qualify", "Won"])
    given = count_arrays(book, changes(rows), PIPE, reopen="continue")
    expected = count_arrays(book, changes(ordered), PIPE, reopen="continue")
    for name in ("outcome", "visits", "visit_seconds", "regressions"):
        assert getattr(given, name).tolist() == getattr(expected, name).tolist(), name
    # Lead 1 h (deal 0) + 3 h (deal 2) + 5 h (deal 1); Qualify 1 h; no regression.
    assert expected.visit_seconds.tolist() == [[9 * 3600, 3600, 0]]
    assert expected.regressions.sum() == 0


def test_regressions_count_moves_back_not_a_stage_entered_again() -> None:
    rows = [(0, 0, "Won")]  # a deal that starts closed: its first change is not open
    rows += [(1, 0, "Lead"), (1, HOUR, "Proposal"), (1, 2 * HOUR, "Qualify")]
    rows += [(1, 3 * HOUR, "Qualify"), (1, 4 * HOUR, "Won")]
    out = count_arrays(deals(["Won", "Won"]), changes(rows), PIPE, reopen="continue")
    # Proposal -> Qualify is one regression, counted at Proposal; Qualify -> Qualify is none.
    assert out.regressions.tolist() == [[0, 0, 1]]


def test_visit_durations_keep_whole_seconds_and_round_to_the_nearest_hour() -> None:
    rows = [(0, 0, "Lead"), (0, int(1.5 * US), "Qualify"), (0, int(1.5 * US) + 35 * 60 * US, "Won")]
    out = count_arrays(deals(["Won"]), changes(rows), PIPE, reopen="continue")
    assert out.visit_seconds.tolist() == [[1, 35 * 60, 0]]
    # 1.5 s rounds to 0 h, 35 min to 1 h.
    assert out.hours[["stage", "hours", "count"]].values.tolist() == [[0, 0, 1], [1, 1, 1]]


def test_segments_sort_their_keys_and_keep_null_keys_as_a_segment() -> None:
    keys = pd.DataFrame({"team": ["W", None, "E", "W"]})
    history = changes([(i, 0, "Lead") for i in range(4)] + [(i, HOUR, "Won") for i in range(4)])
    out = count_arrays(deals(["Won"] * 4, keys=keys), history, PIPE, reopen="continue")
    assert out.groups["team"].tolist()[:2] == ["E", "W"] and pd.isna(out.groups["team"][2])
    assert out.outcome[:, 3, WON].tolist() == [1, 2, 1]


def test_the_last_change_must_enter_the_current_stage() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^opportunity 'D0' history ends in stage 'Qualify' but its current stage is "
        r"'Won' \(1 such opportunities\); the last stage change must enter the current stage$",
    ):
        count_arrays(deals(["Won"]), changes([(0, 0, "Qualify")]), PIPE, reopen="continue")


def test_a_pipeline_longer_than_int8_positions_counts_exactly() -> None:
    long = Pipeline(
        stages=(
            *(Stage(name=f"S{i}", order=i, probability=0.5) for i in range(200)),
            Stage(name="Won", order=200, probability=1, kind="won"),
            Stage(name="Lost", order=201, probability=0, kind="lost"),
        )
    )
    pos, kind = stage_lookup(long)
    code = np.array([200], dtype=np.int64)
    book = Deals(
        ids=np.array(["D0"], dtype=object),
        keys=pd.DataFrame(index=range(1)),
        amount=np.array([100], dtype=np.int64),
        kind=kind[code],
        pos=pos[code],
        code=code,
        created=np.zeros(1, dtype=np.int64),
        closed=np.array([5], dtype=np.int64),
        lost_at=np.array([-1], dtype=np.int64),
    )
    history = Changes(
        deal=np.zeros(3, dtype=np.int64),
        moment=np.array([0, HOUR, 2 * HOUR], dtype=np.int64),
        code=np.array([150, 180, 200], dtype=np.int64),
    )
    out = count_arrays(book, history, long, reopen="continue")
    assert out.visits[0, 150] == 1 and out.visits[0, 180] == 1
    assert out.outcome[0, 200].tolist() == [0, 1, 0]


def test_stage_codes_and_check_stages_name_the_unknown_stage_and_column() -> None:
    assert stage_codes(pd.Series(["Won", "Lead"]), PIPE, what="stage").tolist() == [3, 0]
    with pytest.raises(UnknownStageError, match="'Nope'") as unknown:
        stage_codes(pd.Series(["Lead", "Nope"]), PIPE, what="from_stage")
    assert "from_stage" in str(unknown.value)
    with pytest.raises(
        UnknownStageError,
        match=r"^to_stage None is not in the pipeline; known stages: Lead, Qualify, Proposal, "
        r"Won, Lost$",
    ):
        stage_codes(pd.Series(["Lead", None], dtype=object), PIPE, what="to_stage")
    with pytest.raises(UnknownStageError, match=r"^to_stage nan is not in the pipeline"):
        stage_codes(pd.Series(["Lead", float("nan")], dtype=object), PIPE, what="to_stage")
    check_stages(pd.Series(["Lead", None], dtype=object), PIPE, "lost_stage")  # nulls allowed
    with pytest.raises(UnknownStageError, match="lost_stage") as error:
        check_stages(pd.Series(["Lead", "Nope"]), PIPE, "lost_stage")
    assert "Nope" in str(error.value)
