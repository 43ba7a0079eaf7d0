"""Reading a drawn tick label back to the number it names, written out here
independently of ``app.core.theme.log_ticks`` so tests can compare the two."""

from __future__ import annotations

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def tick_value(text: str) -> float:
    """The number a tick label says: "0.5", "10⁻⁵", "2×10⁻⁵" (or with <sup>)."""
    t = text.replace("<sup>", "^").replace("</sup>", "").replace("−", "-")
    sup = "".join(ch for ch in t if ch in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
    if sup:
        t = t.replace(sup, "^" + sup.translate(SUPERSCRIPTS))
    if "10^" in t:
        mant, _, exp = t.partition("10^")
        return float(mant.rstrip("×") or 1) * 10.0 ** float(exp)
    return float(t)
