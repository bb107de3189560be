"""Customers on the Superstore orders (the code of ``docs/examples/superstore-customers.md``).

Run from anywhere: ``.venv/bin/python benchmarks/real_data_customers.py``.
The data directory is ``../shared/data`` next to the repository root, or the
directory named by ``SALESCORE_DATA``; when the Superstore file is absent
the script says so and exits without error (CI has no data).

Tableau's "Sample - Superstore" (``superstore/Sample_Superstore.csv``):
9,994 order lines of 5,009 orders by 793 customers, 2016-01-03 to
2019-12-30, in US dollars -> customer spans, repeat purchase, ABC, RFM,
key accounts and concentration.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from salescore.calendar import Period
from salescore.customers import (
    KeyAccountRule,
    abc_grades,
    concentration,
    customer_spans,
    customer_summary,
    key_accounts,
    repeat_purchase_rate,
    rfm_scores,
)
from salescore.kpi import customer_kpis

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """``$SALESCORE_DATA`` when set, else ``../shared/data`` relative to the repository root."""
    return Path(os.environ.get("SALESCORE_DATA", REPO.parent / "shared" / "data"))


def order_lines(data: Path) -> pd.DataFrame:
    """The Superstore export as an ORDER_LINES frame."""
    raw = pd.read_csv(data / "superstore" / "Sample_Superstore.csv", encoding="utf-8-sig")
    return pd.DataFrame(
        {
            "line_id": raw["Row ID"].astype(str),
            "order_id": raw["Order ID"],
            "customer_id": raw["Customer ID"],
            # The export writes dates as M/D/YYYY.
            "ordered_on": pd.to_datetime(raw["Order Date"], format="%m/%d/%Y"),
            # Sales is the line revenue after discount, in US dollars; discounted
            # lines carry a third decimal (22.368), rounded half to even per line.
            "amount": raw["Sales"],
            "currency": "USD",
            "quantity": raw["Quantity"].astype(float),
            "product": raw["Product ID"],
        }
    )


def superstore_example(data: Path) -> None:
    """Spans, repeat purchase, ABC, RFM, key accounts and concentration."""
    lines = order_lines(data)
    as_of = date(2019, 12, 31)  # the day after the last order in the file
    summary = customer_summary(lines, as_of=as_of)
    print(summary.lines_used, len(summary.errors), len(summary.customers))
    print(summary.customers.head(3).to_string(index=False))

    # Spans: a customer with no order for 365 days is lost.
    spans = customer_spans(lines, as_of=as_of, churn_after_days=365)
    s = spans.spans
    print(len(s), s["customer_id"].nunique(), int(s["until"].notna().sum()))
    years = [Period.year(y) for y in (2017, 2018, 2019)]
    kpis = customer_kpis(s, years)
    columns = ["period", "customers_start", "new_customers", "lost_customers", "churn_rate"]
    print(kpis[columns].round(3).to_string(index=False))

    # Repeat purchase within 2019, by year of first order.
    repeat = repeat_purchase_rate(lines, period=Period.year(2019), cohort="year")
    print(round(repeat.rate, 3), repeat.customers, repeat.repeat_customers)
    print(repeat.cohorts.drop(columns="cohort_start").round(3).to_string(index=False))

    # ABC on the summary (80 % / 95 %), then RFM quintiles.
    abc = abc_grades(summary)
    print(abc.classes.round(3).to_string(index=False))
    print(abc.grades.head(5).round(4).to_string(index=False))
    rfm = rfm_scores(summary)
    cells = rfm.scores["rfm"].value_counts().head(5)
    print(cells.to_string())
    by_r = rfm.scores.groupby("r")[["recency_days", "frequency", "monetary_minor"]].median()
    print(by_r.to_string())

    # Key accounts: grade A and at least 10 orders; and concentration.
    key = key_accounts(summary, KeyAccountRule(grades=("A",), min_orders=10))
    print(len(key.key_accounts), key.key_accounts[:5])
    conc = concentration(summary, top=(1, 10, 50, 100))
    print(round(conc.hhi, 5), round(conc.effective_customers, 1))
    print(conc.top.round(4).to_string(index=False))


def main() -> int:
    """Run the example, or explain why it was skipped."""
    data = data_dir()
    if not (data / "superstore" / "Sample_Superstore.csv").is_file():
        print(f"skipped: {data / 'superstore'} not found (set SALESCORE_DATA to its path)")
        return 0
    superstore_example(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
