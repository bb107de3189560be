"""The catalogue of error codes, their English and Chinese message templates, and failure reasons.

Every :class:`~salescore.errors.SalescoreError` carries a stable ``code``.
A code in :data:`MESSAGES` has a :class:`Template` in English and in
Simplified Chinese with named parameters (``{name}``, ``{value!r}``,
``{limit}``, ...); a raise site supplies them through
:meth:`SalescoreError.of <salescore.errors.SalescoreError.of>`. The code of an
error class (``invalid_input``, ``frame_invalid``, ...) has the one parameter
``detail``, the English message, so errors raised with a plain message still
have a Chinese text (the class's title and the English detail).

:class:`FailureReason` is the one enum of the ``reason`` codes written in the
failure and errors tables of bulk calls (frame contracts, imports, tracking,
scorecards, ...). Its values are the codes themselves, so a table's
``reason`` column compares equal to either; :attr:`FailureReason.en` and
:attr:`FailureReason.zh` say what each one means.

This module is data only: it imports nothing from salescore.

Examples
--------
>>> from salescore.error_codes import MESSAGES, FailureReason, render
>>> render("not_finite", "en", name="amount", value=float("nan"))
'amount nan is not finite; numbers must be finite'
>>> render("not_finite", "zh-CN", name="amount", value=float("nan"))
'amount 的值 nan 不是有限数；数值必须有限'
>>> FailureReason.NOT_NULL == "not_null", FailureReason("negative").zh
(True, '数值必须 >= 0')
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, NamedTuple

__all__ = [
    "MESSAGES",
    "REASON_TEXTS",
    "FailureReason",
    "Template",
    "fields",
    "render",
]


class Template(NamedTuple):
    """An error message in English and Simplified Chinese, with ``str.format`` fields."""

    en: str
    zh: str


# The catalogue is written in rooms, one per area of the library, so that the codes of one
# area sit together; ``MESSAGES`` joins them and refuses a code defined twice.

#: The class codes (they take ``detail``), the root-cause checks and the values layer.
_CORE: Final[dict[str, Template]] = {
    # ----- class codes: the English message is the detail
    "salescore_error": Template("{detail}", "salescore 错误：{detail}"),
    "invalid_input": Template("{detail}", "输入无效：{detail}"),
    "model_invalid": Template("{detail}", "模型字段无效：{detail}"),
    "missing_history": Template("{detail}", "缺少阶段历史：{detail}"),
    "unknown_currency": Template("{detail}", "未知货币：{detail}"),
    "unknown_stage": Template("{detail}", "未知阶段：{detail}"),
    "currency_mismatch": Template("{detail}", "货币不一致：{detail}"),
    "missing_rate": Template("{detail}", "缺少汇率：{detail}"),
    "frame_invalid": Template("{detail}", "数据表校验失败：{detail}"),
    # ----- root-cause checks (salescore._checks)
    "not_finite": Template(
        "{name} {value!r} is not finite; numbers must be finite",
        "{name} 的值 {value!r} 不是有限数；数值必须有限",
    ),
    "not_a_number": Template(
        "{name} {value!r} is not a number",
        "{name} 的值 {value!r} 不是数字",
    ),
    "is_boolean": Template(
        "{name} {value!r} is a boolean; a number was expected",
        "{name} 的值 {value!r} 是布尔值；需要一个数",
    ),
    "not_finite_number": Template(
        "{name} {value!r} is not finite; a finite number is required",
        "{name} 的值 {value!r} 不是有限数；需要一个有限数",
    ),
    "not_a_number_type": Template(
        "{name} {value!r} of type {kind} is not a number",
        "{name} 的值 {value!r}（类型 {kind}）不是数字",
    ),
    "not_fraction": Template(
        "{name} {value!r} is not a number in [0, 1]",
        "{name} 的值 {value!r} 不是 [0, 1] 内的数",
    ),
    "fraction_not_finite": Template(
        "{name} {value!r} is not finite; a number in [0, 1] is required",
        "{name} 的值 {value!r} 不是有限数；需要 [0, 1] 内的数",
    ),
    "fraction_outside": Template(
        "{name} {value!r} is outside [0, 1]", "{name} 的值 {value!r} 超出区间 [0, 1]"
    ),
    "amount_not_finite": Template(
        "{name} {value!r} at position {position} is not finite; amounts must be finite numbers",
        "{name} 第 {position} 个值 {value!r} 不是有限数；金额必须是有限数",
    ),
    "negative": Template(
        "{name} {value!r} is negative; it must be >= 0",
        "{name} 的值 {value!r} 为负数；必须 >= 0",
    ),
    "not_positive": Template(
        "{name} {value!r} must be > 0",
        "{name} 的值 {value!r} 必须 > 0",
    ),
    "too_large": Template(
        "{name} {value} is above the largest magnitude allowed, {limit}",
        "{name} 的值 {value} 超出允许的最大量级 {limit}",
    ),
    "not_below_limit": Template(
        "{name} {value} is not below the largest magnitude allowed, {limit} (exclusive)",
        "{name} 的值 {value} 未低于允许的最大量级 {limit}（不含）",
    ),
    "too_large_float": Template(
        "{name} {value!r} is too large to hold exactly in float64 at {places} decimal places "
        "(magnitude {limit} at most); report the row or pass exact Decimal amounts",
        "{name} 的值 {value!r} 过大，float64 在 {places} 位小数下无法精确表示（量级最多 {limit}）；"
        "请传入精确的 Decimal 金额",
    ),
    "not_rounding_mode": Template(
        "{name} {value!r} is not a decimal rounding mode; allowed: {allowed}",
        "{name} 的值 {value!r} 不是 decimal 舍入方式；允许：{allowed}",
    ),
    "not_allowed": Template(
        "{name} {value!r} is not one of {allowed}",
        "{name} 的值 {value!r} 不在允许的取值 {allowed} 之中",
    ),
    "out_of_range": Template(
        "{name} {value!r} is outside [{low}, {high}]",
        "{name} 的值 {value!r} 超出区间 [{low}, {high}]",
    ),
    "wrong_type": Template(
        "{name} {value!r} is not {expected}",
        "{name} 的值 {value!r} 不是{expected}",
    ),
    "not_whole": Template(
        "{name} {value!r} is not a whole number of {unit}",
        "{name} 的值 {value!r} 不是整数个{unit}",
    ),
    "empty": Template(
        "{name} is empty; give at least {minimum}",
        "{name} 为空；至少需要 {minimum} 个",
    ),
    "duplicate": Template(
        "{name} {value!r} appears more than once; each must be unique",
        "{name} 的值 {value!r} 重复出现；必须唯一",
    ),
    # ----- calendars and periods
    "not_whole_in": Template(
        "{name} {value!r} is not a whole number in [{low}, {high}]",
        "{name} 的值 {value!r} 不是 [{low}, {high}] 内的整数",
    ),
    "not_allowed_plain": Template(
        "{name} {value!r} is not one of {allowed}",
        "{name} 的值 {value!r} 不在 {allowed} 之中",
    ),
    "period_order": Template(
        "period end {end} must be after its start {start} (periods are half-open: [start, end))",
        "期间结束日 {end} 必须晚于开始日 {start}（期间为左闭右开区间 [start, end)）",
    ),
    "weekmask": Template(
        "weekmask {value!r} must be seven characters 0 or 1, Monday first",
        "weekmask {value!r} 必须是七个 0 或 1 字符，从星期一开始",
    ),
    "holiday_and_workday": Template(
        "{value} is both a holiday and a workday; a day is one or the other",
        "{value} 既是假日又是工作日；一天只能是其中之一",
    ),
    "no_workdays": Template(
        "weekmask {value!r} with no workdays has no business days",
        "weekmask {value!r} 没有工作日，因此没有营业日",
    ),
    "range_lengths": Template(
        "starts has {starts} dates and ends {ends}; they must match",
        "starts 有 {starts} 个日期而 ends 有 {ends} 个；两者必须一致",
    ),
    "range_backwards": Template(
        "end {end} is before start {start} at position {position}; ranges run forwards",
        "第 {position} 个区间的结束 {end} 早于开始 {start}；区间必须向前",
    ),
    # ----- money and currencies
    "currency_not_iso": Template(
        "currency {value!r} is not an active ISO 4217 code "
        "(three upper-case letters such as 'CNY', 'USD', 'EUR')",
        "货币代码 {value!r} 不是有效的 ISO 4217 代码（三个大写字母，例如 'CNY'、'USD'、'EUR'）",
    ),
    "currencies_differ": Template(
        "cannot combine {left} and {right} amounts ({a} and {b}); convert one with FxRates first",
        "不能合并 {left} 与 {right} 的金额（{a} 与 {b}）；请先用 FxRates 换算其中之一",
    ),
    "money_operand": Template(
        "cannot {operation} Money and {kind} {value!r}; both must be Money",
        "不能对 Money 与 {kind} {value!r} 执行 {operation}；两者都必须是 Money",
    ),
    "money_times_money": Template(
        "cannot multiply Money by Money; multiply by a number",
        "不能用 Money 乘以 Money；请乘以一个数",
    ),
    "money_by_money": Template(
        "cannot divide Money by Money; use ratio() for a fraction",
        "不能用 Money 除以 Money；求比例请用 ratio()",
    ),
    "divide_by_zero": Template("cannot divide {value} by zero", "不能用零除 {value}"),
    "ratio_to_zero": Template(
        "cannot take the ratio of {value} to zero", "不能求 {value} 与零的比例"
    ),
    "no_weights": Template(
        "no {name}s given; at least one is required", "没有给出 {name}；至少需要一个"
    ),
    "negative_weight": Template(
        "{name} {position} is {value!r}; {name}s must be >= 0",
        "第 {position} 个 {name} 为 {value!r}；{name} 必须 >= 0",
    ),
    "zero_weights": Template(
        "all {count} {name}s are zero; at least one must be > 0",
        "全部 {count} 个 {name} 都为零；至少一个必须 > 0",
    ),
    "minor_dtype": Template(
        "minor units have dtype {value}; integer minor units (int64) are required",
        "最小单位的数据类型为 {value}；必须是整数最小单位（int64）",
    ),
    "minor_overflow": Template(
        "minor units {value} do not fit in int64", "最小单位数 {value} 超出 int64 范围"
    ),
    "converted_overflow": Template(
        "row {row}: {value} {source} minor units are {converted} {target} minor units, "
        "which do not fit in int64",
        "第 {row} 行：{value} 个 {source} 最小单位折合 {converted} 个 {target} 最小单位，"
        "超出 int64 范围",
    ),
    "rate_twice": Template(
        "two {currency} rates given for {on}; give one",
        "{on} 给出了两个 {currency} 汇率；请只给一个",
    ),
    "base_rate": Template(
        "the base currency {base} has rate {value} on {on}; it must be 1",
        "基准货币 {base} 在 {on} 的汇率为 {value}；必须为 1",
    ),
    "rate_missing": Template(
        "no {source} rate against {target} on or before {on}{first}",
        "{on} 及之前没有 {source} 对 {target} 的汇率{first}",
    ),
    "convert_dimensions": Template(
        "minor, currencies and on must be one-dimensional, one value per row; got "
        "{minor}, {currencies} and {days} dimensions",
        "minor、currencies 与 on 必须是一维的，每行一个值；"
        "实际维数为 {minor}、{currencies} 与 {days}",
    ),
    "convert_lengths": Template(
        "{amounts} amounts, {currencies} currencies and {days} dates; give one of each per row",
        "{amounts} 个金额、{currencies} 个货币与 {days} 个日期；每行各给一个",
    ),
    "rate_lengths": Template(
        "{currencies} currencies but {days} dates; give one date per row",
        "{currencies} 个货币却有 {days} 个日期；每行给一个日期",
    ),
    # ----- frames
    "frame_failed": Template(
        "{contract} frame failed validation with {count} failure(s) in {rows} row(s): {summary}",
        "{contract} 数据表校验失败：{rows} 行共 {count} 处错误：{summary}",
    ),
    "frame_failures": Template(
        "{contract} frame has {count} failure(s) in {rows} row(s): {summary}",
        "{contract} 数据表有 {count} 处错误，涉及 {rows} 行：{summary}",
    ),
    "missing_columns": Template(
        "{name} frame lacks column(s) {value}; required: {allowed}",
        "{name} 数据表缺少列 {value}；必需的列：{allowed}",
    ),
    # ----- the cases of issue 18
    "margins_disagree": Template(
        "row totals sum to {rows} and column totals to {columns}; they must be equal",
        "行合计之和为 {rows}，列合计之和为 {columns}；两者必须相等",
    ),
    "margins_mixed_sign": Template(
        "margins of mixed sign ({low} and {high}) have no matrix whose cells all lie between "
        "0 and their ideal; give margins that are all >= 0 or all <= 0",
        "边际合计正负混杂（{low} 与 {high}），不存在每格都介于 0 与理想值之间的矩阵；"
        "请给出全部 >= 0 或全部 <= 0 的合计",
    ),
    "tree_cycle": Template(
        "targets {value} form a cycle through parent_id; a target tree must have no cycle",
        "目标 {value} 通过 parent_id 构成循环；目标树中不能有循环",
    ),
    "not_positive_multiplicative": Template(
        "{name} value {value!r} at position {position} is not > 0; {form} needs bookings > 0 "
        "(use the additive form)",
        "{name} 第 {position} 个值 {value!r} 不大于 0；{form}（乘法形式）要求每个值都 > 0"
        "（请改用加法形式）",
    ),
    "series_not_number": Template(
        "{name} {value!r} is not a number; series values must be numbers",
        "{name} 的值 {value!r} 不是数字；序列的值必须是数字",
    ),
    "negative_quota": Template(
        "rep {rep!r} quota {value} is negative; quotas must be >= 0",
        "销售代表 {rep!r} 的配额 {value} 为负数；配额必须 >= 0",
    ),
}

#: Statements, plans, clawbacks, draws, bonuses and the bulk statements.
_COMMISSION: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: Crediting: rules, splits, overrides, invoices and payments.
_CREDITING: Final[dict[str, Template]] = {
    # ----- class codes of the crediting errors: the English message is the detail
    "overpayment": Template("{detail}", "付款超过发票金额：{detail}"),
    "over_invoiced": Template("{detail}", "发票超过交易金额：{detail}"),
    "unknown_deal": Template("{detail}", "未知交易：{detail}"),
    "unknown_invoice": Template("{detail}", "未知发票：{detail}"),
    # ----- raise sites (salescore.commission.crediting)
    "overpaid_invoice": Template(
        "payment {payment!r} of {amount} brings invoice {invoice!r} payments to {total}, "
        "more than the invoice amount {limit}",
        "付款 {payment!r}（{amount}）使发票 {invoice!r} 的付款合计达到 {total}，"
        "超过发票金额 {limit}",
    ),
    "over_invoiced_deal": Template(
        "invoice {invoice!r} brings deal {deal!r} invoices to {total}, "
        "more than the deal amount {limit}",
        "发票 {invoice!r} 使交易 {deal!r} 的发票合计达到 {total}，超过交易金额 {limit}",
    ),
    "invoice_of_unknown_deal": Template(
        "invoice {invoice!r} is of deal {deal!r}, which is not among the deals",
        "发票 {invoice!r} 属于交易 {deal!r}，该交易不在给定交易中",
    ),
    "split_of_unknown_deal": Template(
        "split of deal {deal!r}: the deal is not among the deals given",
        "交易 {deal!r} 的分成：该交易不在给定交易中",
    ),
    "overlay_of_unknown_deal": Template(
        "overlay of deal {deal!r}: the deal is not among the deals given",
        "交易 {deal!r} 的叠加提成：该交易不在给定交易中",
    ),
    "payment_of_unknown_invoice": Template(
        "payment {payment!r} is of invoice {invoice!r}, which is not among the invoices",
        "付款 {payment!r} 属于发票 {invoice!r}，该发票不在给定发票中",
    ),
    "invoice_currency": Template(
        "invoice {invoice!r} is in {currency}, but deal {deal!r} is in {expected}",
        "发票 {invoice!r} 的货币是 {currency}，而交易 {deal!r} 的货币是 {expected}",
    ),
    "payment_currency": Template(
        "payment {payment!r} is in {currency}, but invoice {invoice!r} is in {expected}",
        "付款 {payment!r} 的货币是 {currency}，而发票 {invoice!r} 的货币是 {expected}",
    ),
}

#: Weighted pipeline, categories, probabilities, Markov, Monte Carlo, accuracy.
_FORECAST: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: Time-series forecasts (Holt-Winters, ETS) and their intervals.
_TIMESERIES: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: KPIs, SMART, activities, customers, partners, scorecards and CRM imports.
_PROCESS: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: The review pack and the plots.
_REVIEW: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: Frame contracts, id encoding and the funnel.
_FRAMES: Final[dict[str, Template]] = {
    # (codes of this area)
}

#: Goals, models and the Dask path.
_GOALS: Final[dict[str, Template]] = {
    # (codes of this area)
}


def _catalogue(*rooms: Mapping[str, Template]) -> dict[str, Template]:
    """The rooms joined into one mapping; a code defined in two rooms is a bug."""
    joined: dict[str, Template] = {}
    for room in rooms:
        twice = sorted(set(joined) & set(room))
        if twice:  # pragma: no cover - guards the catalogue's own source
            raise AssertionError(f"error codes defined twice: {twice}")
        joined.update(room)
    return joined


#: Every error code and its message templates. The class codes take ``detail``.
MESSAGES: Final[Mapping[str, Template]] = _catalogue(
    _CORE,
    _COMMISSION,
    _CREDITING,
    _FORECAST,
    _TIMESERIES,
    _PROCESS,
    _REVIEW,
    _FRAMES,
    _GOALS,
)


def fields(template: str) -> frozenset[str]:
    """The names of the ``str.format`` fields of ``template``.

    Examples
    --------
    >>> sorted(fields("{name} {value!r} is beyond {limit}"))
    ['limit', 'name', 'value']
    """
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )


def render(code: str, language: str = "en", /, **params: Any) -> str:
    """The message of ``code`` in ``language`` (``"en"`` or ``"zh"``/``"zh-CN"``).

    Parameters
    ----------
    code : str
        A key of :data:`MESSAGES`.
    language : str
        ``"en"`` for English; any tag starting ``"zh"`` for Simplified Chinese.
    **params
        The template's fields.

    Raises
    ------
    KeyError
        ``code`` is not in the catalogue, or a field of its template is not given.

    Examples
    --------
    >>> render("negative", "zh", name="quota", value=-5)
    'quota 的值 -5 为负数；必须 >= 0'
    """
    template = MESSAGES[code]
    text = template.zh if language.lower().startswith("zh") else template.en
    return text.format(**params)


class FailureReason(StrEnum):
    """The reason codes of every failure and errors table salescore returns.

    The value is the code written in the table's ``reason`` column.
    """

    # frame contracts (salescore.frames)
    MISSING_COLUMN = "missing_column"
    NOT_NULL = "not_null"
    WRONG_TYPE = "wrong_type"
    NOT_FINITE = "not_finite"
    NEGATIVE = "negative"
    OUT_OF_RANGE = "out_of_range"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_CURRENCY = "unknown_currency"
    DUPLICATE = "duplicate"
    NAIVE_DATETIME = "naive_datetime"
    AWARE_DATE = "aware_date"
    ORDER = "order"
    SAME_VALUE = "same_value"
    # magnitudes and numbers in bulk paths
    TOO_LARGE = "too_large"
    NOT_NUMBER = "not_number"
    MISSING_VALUE = "missing_value"
    ZERO_VALUE = "zero_value"
    NOT_MINOR_UNIT = "not_minor_unit"
    # money
    CURRENCY_MISMATCH = "currency_mismatch"
    MISSING_RATE = "missing_rate"
    # references between tables
    UNKNOWN_STAGE = "unknown_stage"
    UNKNOWN_REP = "unknown_rep"
    UNKNOWN_DEAL = "unknown_deal"
    UNKNOWN_TARGET = "unknown_target"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_INVOICE = "unknown_invoice"
    BLANK_REP = "blank_rep"
    DUPLICATE_REP = "duplicate_rep"
    BAD_TARGET = "bad_target"
    NO_TARGET = "no_target"
    OUTSIDE_PERIODS = "outside_periods"
    AFTER_AS_OF = "after_as_of"
    END_NOT_AFTER_START = "end_not_after_start"
    NOT_AFTER_SINCE = "not_after_since"
    NOT_NULL_DATE = "not_null_date"
    DUPLICATE_PERIOD = "duplicate_period"
    INVALID_INVOICE = "invalid_invoice"
    SPLIT_NOT_100 = "split_not_100"
    # CRM imports (salescore.crm)
    NOT_A_NUMBER = "not_a_number"
    NOT_A_DATE = "not_a_date"
    NOT_A_DATETIME = "not_a_datetime"
    NOT_A_BOOL = "not_a_bool"
    NOT_A_REFERENCE = "not_a_reference"
    NOT_AN_OPPORTUNITY = "not_an_opportunity"
    DELETED = "deleted"
    INACTIVE = "inactive"
    OTHER_PIPELINE = "other_pipeline"
    HISTORY_ENDS_ELSEWHERE = "history_ends_elsewhere"
    HISTORY_NOT_IMPORTED = "history_not_imported"
    DEAL_NOT_IMPORTED = "deal_not_imported"
    DRAFT = "draft"
    CANCELLED = "cancelled"
    NO_SALES_TEAM = "no_sales_team"
    UNKNOWN_PARENT = "unknown_parent"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_MANAGER = "unknown_manager"
    UNKNOWN_FISCAL_YEAR = "unknown_fiscal_year"
    NO_AMOUNT = "no_amount"
    UNKNOWN_DISTRIBUTION = "unknown_distribution"
    BAD_DISTRIBUTION = "bad_distribution"
    # partners (salescore.partners)
    NO_BASELINE = "no_baseline"
    MISSING_CLOSE_DATE = "missing_close_date"
    ONE_CLAIMANT_REQUIRED = "one_claimant_required"
    REGISTRATION_NEEDS_CHANNEL = "registration_needs_channel"
    # commission bulk statements and clawbacks (salescore.commission)
    OUTSIDE_PERIOD = "outside_period"
    NOT_WHOLE_UNITS = "not_whole_units"
    DUPLICATE_CREDIT = "duplicate_credit"
    MISSING_QUOTA = "missing_quota"
    ZERO_QUOTA = "zero_quota"
    AMBIGUOUS_DEAL = "ambiguous_deal"
    SPIFF_ONLY = "spiff_only"
    CREDIT_TOO_LARGE = "credit_too_large"
    NOT_POSITIVE = "not_positive"
    REFUND_EXCEEDS_CREDIT = "refund_exceeds_credit"
    BEFORE_CREDIT = "before_credit"
    MISSING_CURRENT = "missing_current"
    DUPLICATE_REFUND = "duplicate_refund"
    REFUNDS_EXCEED_CREDIT = "refunds_exceed_credit"
    # the review pack (salescore.review)
    OTHER_SNAPSHOT = "other_snapshot"
    # crediting (salescore.commission.crediting)
    NOT_WON = "not_won"
    NOT_EXACT_SHARE = "not_exact_share"
    OVER_INVOICED = "over_invoiced"
    OVERPAID = "overpaid"

    @property
    def en(self) -> str:
        """What the reason means, in English."""
        return REASON_TEXTS[self][0]

    @property
    def zh(self) -> str:
        """What the reason means, in Simplified Chinese."""
        return REASON_TEXTS[self][1]


_R = FailureReason

#: What each failure reason means, in English and Chinese.
REASON_TEXTS: Final[Mapping[FailureReason, tuple[str, str]]] = {
    _R.MISSING_COLUMN: ("a required column is absent", "缺少必需的列"),
    _R.NOT_NULL: ("a value is required", "必须有值"),
    _R.WRONG_TYPE: ("the value cannot be read as the column's kind", "该值无法按此列的类型读取"),
    _R.NOT_FINITE: ("numbers must be finite", "数值必须有限"),
    _R.NEGATIVE: ("numbers must be >= 0", "数值必须 >= 0"),
    _R.OUT_OF_RANGE: ("numbers must lie within the column's bounds", "数值必须在此列的范围内"),
    _R.NOT_ALLOWED: ("the value is not among the allowed values", "该值不在允许的取值之中"),
    _R.UNKNOWN_CURRENCY: (
        "currencies must be active ISO 4217 codes such as CNY, USD, EUR",
        "货币必须是有效的 ISO 4217 代码，例如 CNY、USD、EUR",
    ),
    _R.DUPLICATE: ("values must be unique", "值必须唯一"),
    _R.NAIVE_DATETIME: ("timestamps must be timezone-aware", "时间戳必须带时区"),
    _R.AWARE_DATE: (
        "dates must be plain dates without a time zone or time of day",
        "日期必须是不带时区和时刻的纯日期",
    ),
    _R.ORDER: ("a row-level ordering rule failed", "行内的先后顺序规则不成立"),
    _R.SAME_VALUE: ("two columns that must differ are equal", "两列必须不同却相等"),
    _R.TOO_LARGE: (
        "the magnitude is beyond what is held exactly",
        "数值量级超出可精确表示的范围",
    ),
    _R.NOT_NUMBER: ("the value is not a number", "该值不是数字"),
    _R.MISSING_VALUE: ("a value is missing", "缺少值"),
    _R.ZERO_VALUE: ("a zero value cannot be scored here", "此处无法对零值计分"),
    _R.NOT_MINOR_UNIT: (
        "the amount is not a whole number of the currency's minor units",
        "金额不是该货币最小单位的整数倍",
    ),
    _R.CURRENCY_MISMATCH: ("the currency differs from the one expected", "货币与预期不一致"),
    _R.MISSING_RATE: ("no exchange rate converts the amount", "没有可用于换算的汇率"),
    _R.UNKNOWN_STAGE: ("the stage is not in the pipeline", "该阶段不在销售流程中"),
    _R.UNKNOWN_REP: ("the rep is not among the reps given", "该销售代表不在给定名单中"),
    _R.UNKNOWN_DEAL: ("the deal is not among the deals given", "该交易不在给定交易中"),
    _R.UNKNOWN_TARGET: ("the target is not among the targets given", "该目标不在给定目标中"),
    _R.UNKNOWN_CHANNEL: ("the channel is not among the channels given", "该渠道不在给定渠道中"),
    _R.UNKNOWN_INVOICE: ("the invoice is not among the invoices given", "该发票不在给定发票中"),
    _R.BLANK_REP: ("the rep id is blank", "销售代表编号为空"),
    _R.DUPLICATE_REP: ("the rep appears more than once", "该销售代表出现多次"),
    _R.BAD_TARGET: (
        "the per-rep target is missing, not a number or not > 0",
        "该代表的目标缺失、不是数字或不大于 0",
    ),
    _R.NO_TARGET: ("the owner has no target", "该负责人没有目标"),
    _R.OUTSIDE_PERIODS: (
        "the owner's targets do not cover the date",
        "该负责人的目标不覆盖此日期",
    ),
    _R.AFTER_AS_OF: ("the date is after the as-of date", "日期晚于截至日期"),
    _R.END_NOT_AFTER_START: ("the end is not after the start", "结束时间不晚于开始时间"),
    _R.NOT_AFTER_SINCE: ("the end is not after the start (since)", "结束日期不晚于开始日期"),
    _R.NOT_NULL_DATE: ("a date is required", "必须有日期"),
    _R.DUPLICATE_PERIOD: ("the period is given more than once", "该期间出现多次"),
    _R.INVALID_INVOICE: ("the invoice breaks its rules", "该发票不符合规则"),
    _R.SPLIT_NOT_100: (
        "the deal's split shares do not add up to 100 %",
        "该交易的分成比例合计不等于 100%",
    ),
    _R.NOT_A_NUMBER: ("the field is not a number", "该字段不是数字"),
    _R.NOT_A_DATE: ("the field is not a date", "该字段不是日期"),
    _R.NOT_A_DATETIME: ("the field is not a timestamp", "该字段不是时间戳"),
    _R.NOT_A_BOOL: ("the field is not a yes/no value", "该字段不是是/否值"),
    _R.NOT_A_REFERENCE: ("the field is not a record reference", "该字段不是记录引用"),
    _R.NOT_AN_OPPORTUNITY: ("the record is a lead, not an opportunity", "该记录是线索而非商机"),
    _R.DELETED: ("the record is deleted", "该记录已删除"),
    _R.INACTIVE: ("the record is inactive", "该记录已停用"),
    _R.OTHER_PIPELINE: ("the record is in another pipeline", "该记录属于其他销售流程"),
    _R.HISTORY_ENDS_ELSEWHERE: (
        "the stage history ends in another stage than the record's",
        "阶段历史的最后阶段与记录的当前阶段不同",
    ),
    _R.HISTORY_NOT_IMPORTED: (
        "the stage history could not be imported",
        "阶段历史无法导入",
    ),
    _R.DEAL_NOT_IMPORTED: ("the history's deal was not imported", "该历史所属的交易未导入"),
    _R.DRAFT: ("the document is a draft", "该单据是草稿"),
    _R.CANCELLED: ("the document is cancelled", "该单据已取消"),
    _R.NO_SALES_TEAM: ("the document names no sales team", "该单据没有销售团队"),
    _R.UNKNOWN_PARENT: (
        "the parent team is not among the teams imported",
        "上级团队不在已导入的团队中",
    ),
    _R.UNKNOWN_TEAM: ("the team is not among the teams imported", "该团队不在已导入的团队中"),
    _R.UNKNOWN_MANAGER: (
        "the manager is not among the reps imported",
        "该经理不在已导入的销售代表中",
    ),
    _R.UNKNOWN_FISCAL_YEAR: (
        "the fiscal year is not among the fiscal years given",
        "该财年不在给定的财年中",
    ),
    _R.NO_AMOUNT: ("the target has no amount", "该目标没有金额"),
    _R.UNKNOWN_DISTRIBUTION: (
        "the monthly distribution is not among the distributions given",
        "该月度分配不在给定的分配中",
    ),
    _R.BAD_DISTRIBUTION: (
        "the monthly distribution does not give every month a share >= 0 with a total > 0",
        "该月度分配未给每个月 >= 0 的份额或总和不大于 0",
    ),
    _R.NO_BASELINE: (
        "the back-end rebate program has no baseline for the partner",
        "该后返利计划没有此合作伙伴的基线",
    ),
    _R.MISSING_CLOSE_DATE: ("a won deal needs a close date", "赢单的交易必须有成交日期"),
    _R.ONE_CLAIMANT_REQUIRED: (
        "a claim names exactly one of a channel and a rep",
        "一条认领必须且只能指定渠道或销售代表之一",
    ),
    _R.REGISTRATION_NEEDS_CHANNEL: (
        "a deal registration is claimed by a channel, not a rep",
        "交易报备只能由渠道认领，不能由销售代表认领",
    ),
    _R.OUTSIDE_PERIOD: ("the date is outside the period", "日期不在该期间内"),
    _R.NOT_WHOLE_UNITS: ("units must be a whole number", "数量必须是整数"),
    _R.DUPLICATE_CREDIT: (
        "the rep is credited for the deal more than once",
        "该销售代表在此交易上被多次计入业绩",
    ),
    _R.MISSING_QUOTA: ("the rep has no quota for the period", "该销售代表在此期间没有配额"),
    _R.ZERO_QUOTA: (
        "the rep's prorated quota for the period is 0",
        "该销售代表在此期间按比例折算的配额为 0",
    ),
    _R.AMBIGUOUS_DEAL: (
        "the rep's deal is credited on more than one date",
        "该销售代表的此交易在多个日期计入业绩",
    ),
    _R.SPIFF_ONLY: (
        "the deal earned only SPIFFs, which are not clawed back",
        "该交易只获得了 SPIFF 奖励，不予追回",
    ),
    _R.CREDIT_TOO_LARGE: (
        "the credit is beyond what a float line base holds exactly",
        "该业绩金额超出浮点基数可精确表示的范围",
    ),
    _R.NOT_POSITIVE: ("the amount must be > 0", "金额必须 > 0"),
    _R.REFUND_EXCEEDS_CREDIT: (
        "the refund is larger than the credit",
        "退款金额大于计入的业绩",
    ),
    _R.BEFORE_CREDIT: ("the refund is dated before the credit", "退款日期早于业绩计入日期"),
    _R.MISSING_CURRENT: (
        "the rep has no row in the current statements",
        "该销售代表在当期结算单中没有记录",
    ),
    _R.DUPLICATE_REFUND: (
        "the same refund is given more than once",
        "同一笔退款出现多次",
    ),
    _R.REFUNDS_EXCEED_CREDIT: (
        "the rep's refunds of the deal add up to more than its credit",
        "该销售代表此交易的退款合计超过计入的业绩",
    ),
    _R.OTHER_SNAPSHOT: (
        "the deal's row failed in the other snapshot, so it is compared in neither",
        "该交易在另一快照中的行未通过校验，因此两边都不比较",
    ),
    _R.NOT_WON: ("the deal's stage is not a won stage", "该交易的阶段不是赢单阶段"),
    _R.NOT_EXACT_SHARE: (
        "the share needs more than 15 decimal places to be written exactly",
        "该比例需要超过 15 位小数才能精确表示",
    ),
    _R.OVER_INVOICED: (
        "the deal's invoices add up to more than its amount",
        "该交易的发票合计超过交易金额",
    ),
    _R.OVERPAID: (
        "the invoice's payments add up to more than its amount",
        "该发票的付款合计超过发票金额",
    ),
}
