from __future__ import annotations

import io

from salescore._tour import embedding


def test_embedding_section_round_trips_and_refuses_the_snapshot_default() -> None:
    out = io.StringIO()
    embedding.section(out)
    text = out.getvalue()
    assert "== Results as JSON, a snapshot export, and CRM records in ==" in text
    assert "reloaded, it equals the original: True" in text
    assert '"entered_amount": "41909000.00"' in text  # money as a Decimal string
    assert "none of the 200 opportunities has a stage history" in text
    # 50 won of 98 closed deals: the first stage's win rate; later stages cannot be known.
    assert "50 won, 48 lost; win rates by stage [0.51, nan, nan]" in text
    # Records of the same deals through the Salesforce map: the two broken ones are named.
    assert "20 Salesforce Opportunity records through salescore.crm: 18 imported" in text
    assert "  row 3: Amount missing (not_null)\n" in text
    assert "  row 7: StageName 'Perception Analysis' (unknown_stage)\n" in text
