"""The English and Chinese texts of scorecard lines and totals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from salescore.scorecards._common import IntArray, _fixed, _show
from salescore.scorecards.card import Scorecard, ScorecardKpi
from salescore.scorecards.curves import BandCurve, GateCurve, LinearCurve
from salescore.scorecards.results import Outcome

_OUTCOME_EN: Final = {
    "floor": "below the {th} % threshold: {pts} points",
    "line": "{pts} points on the line",
    "capped": "capped at {pts} points",
    "band": "in the band from {band} %: {pts} points",
    "below_bands": "below the lowest band ({band} %): {pts} points",
    "passed": "passes the {gate} % gate: {pts} points",
    "failed": "fails the {gate} % gate: {pts} points",
}


_OUTCOME_ZH: Final = {
    "floor": "低于 {th}% 门槛，得 {pts} 分",
    "line": "按线性计 {pts} 分",
    "capped": "封顶 {pts} 分",
    "band": "落在 {band}% 档，得 {pts} 分",
    "below_bands": "低于最低档 {band}%，得 {pts} 分",
    "passed": "达到 {gate}% 门槛，得 {pts} 分",
    "failed": "未达 {gate}% 门槛，得 {pts} 分",
}


_FAIL_EN: Final = {"zero_total": ", total zeroed", "cap_grade": ", grade at best {cap}"}

_FAIL_ZH: Final = {"zero_total": "，总分清零", "cap_grade": "，等级最高为 {cap}"}

_LINE_EN: Final = "{en} {value} of {target} target: {att}, {outcome}; weight {w} % gives {wpts}"

_LINE_ZH: Final = "{zh} {value}，目标 {target}：{att}，{outcome}；权重 {w}% 得 {wpts} 分"


def _render(template: str, fields: Mapping[str, Any], n: int) -> list[str]:
    """Fill ``template``'s ``{name}`` fields for ``n`` rows.

    A field is a str (the same on every row, baked into the pattern) or an
    object array of str, one per row; each row is one ``%`` format.
    """
    pattern: list[str] = []
    columns: list[list[Any]] = []
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        pattern.append(head.replace("%", "%%"))
        value = fields[name]
        if isinstance(value, str):
            pattern.append(value.replace("%", "%%"))
        else:
            pattern.append("%s")
            columns.append(np.asarray(value, dtype=object).tolist())
    pattern.append(rest.replace("%", "%%"))
    fmt = "".join(pattern)
    if not columns:
        return [fmt % ()] * n
    return [fmt % row for row in zip(*columns, strict=True)]


def _kpi_texts(
    card: Scorecard,
    kpi: ScorecardKpi,
    outcome: npt.NDArray[np.int64],
    band: npt.NDArray[np.int64],
    value: IntArray,
    target: IntArray,
    permille: IntArray,
    infinite: npt.NDArray[np.bool_],
    points: IntArray,
    weighted: IntArray,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The reasons of one KPI's lines, in English and Chinese, over many reps."""
    n = len(outcome)
    pl = card.points_places
    fields: dict[str, Any] = {
        "value": _fixed(value, kpi.places, strip=True),
        "target": _fixed(target, kpi.places, strip=True),
        "pts": _fixed(points, pl, strip=False),
        "wpts": _fixed(weighted, pl, strip=False),
        "w": _show(kpi.weight * 100),
        "en": kpi.english,
        "zh": kpi.chinese,
    }
    curve = kpi.curve
    if isinstance(curve, LinearCurve):
        fields["th"] = _show(curve.threshold * 100)
    if isinstance(curve, BandCurve):
        lowers = np.array([_show(b.lower * 100) for b in curve.bands], dtype=object)
        fields["band"] = lowers[np.clip(band, 0, len(lowers) - 1)]
    if isinstance(curve, GateCurve):
        fields["gate"] = _show(curve.pass_at * 100)
        fields["cap"] = curve.cap_grade or ""
    pct = _fixed(np.where(infinite, 0, permille), 1, strip=False)
    en = np.empty(n, dtype=object)
    zh = np.empty(n, dtype=object)
    lower = kpi.direction == "lower"
    for code, name in enumerate(_OUTCOMES):
        chosen = outcome == code
        if not chosen.any():
            continue
        m = int(chosen.sum())
        tail_en, tail_zh = _OUTCOME_EN[name], _OUTCOME_ZH[name]
        if name == "failed":
            assert isinstance(curve, GateCurve)
            tail_en += _FAIL_EN[curve.on_fail]
            tail_zh += _FAIL_ZH[curve.on_fail]
        for infinite_rows in (False, True):
            rows = chosen & (infinite == infinite_rows)
            if not rows.any():
                continue
            sub = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in fields.items()}
            m = int(rows.sum())
            if infinite_rows:
                att_en = "no attainment to measure (a value of 0 beats any target)"
                att_zh = "实际为 0，优于任何目标"
            else:
                att_en = "attainment {pct} %" + (" (target ÷ value)" if lower else "")
                att_zh = "达成率 {pct}%" + ("（目标÷实际）" if lower else "")
            sub["pct"] = pct[rows]
            line_en = _LINE_EN.replace("{att}", att_en).replace("{outcome}", tail_en)
            line_zh = _LINE_ZH.replace("{att}", att_zh).replace("{outcome}", tail_zh)
            en[rows] = _render(line_en, sub, m)
            zh[rows] = _render(line_zh, sub, m)
    return en, zh


_OUTCOMES: Final[tuple[Outcome, ...]] = (
    "floor",
    "line",
    "capped",
    "band",
    "below_bands",
    "passed",
    "failed",
)


def _total_texts(
    card: Scorecard,
    subtotal: IntArray,
    total: IntArray,
    grade: npt.NDArray[np.int64],
    failed: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The reasons of the totals: the sum, any failed gates, the total and its grade."""
    m = len(grade)
    pl = card.points_places
    fields: dict[str, Any] = {
        "grade": np.array([g.name for g in card.grades], dtype=object)[grade],
        "sub": _fixed(subtotal, pl, strip=False),
        "tot": _fixed(total, pl, strip=False),
    }
    gates_en = np.full(m, "", dtype=object)
    gates_zh = np.full(m, "", dtype=object)
    gates = [k for k in card.kpis if isinstance(k.curve, GateCurve)]
    for i, k in enumerate(gates):
        assert isinstance(k.curve, GateCurve)
        hit = failed[:, i]
        if not hit.any():
            continue
        if k.curve.on_fail == "zero_total":
            en, zh = (
                f"; gate {k.english!r} failed, so the total is 0",
                f"；未通过 {k.chinese} 门槛，总分为 0",
            )
        else:
            cap = k.curve.cap_grade
            en = f"; gate {k.english!r} failed, grade at best {cap}"
            zh = f"；未通过 {k.chinese} 门槛，等级最高为 {cap}"
        gates_en[hit] = gates_en[hit] + en
        gates_zh[hit] = gates_zh[hit] + zh
    fields["gates_en"], fields["gates_zh"] = gates_en, gates_zh
    texts_en = _render(
        "weighted points add up to {sub}{gates_en}; total {tot} points, grade {grade}", fields, m
    )
    texts_zh = _render("加权得分合计 {sub}{gates_zh}；总分 {tot} 分，等级 {grade}", fields, m)
    return np.array(texts_en, dtype=object), np.array(texts_zh, dtype=object)
