"""Which segments each provider loop carries, shared by the reader and the writer.

Reading only what the writer can send back keeps a read-then-write round trip
faithful: anything else becomes a "not carried" warning on the claim.
"""

from __future__ import annotations

CLAIM_PROVIDERS = {
    "DN": ("2310A", "referring_provider"),
    "82": ("2310B", "rendering_provider"),
    "77": ("2310C", "service_facility"),
    "DQ": ("2310D", "supervising_provider"),
    "45": ("2310F", "ambulance_dropoff"),
}
"""2310 loops by NM101, with the Encounter field they fill (2310E is separate)."""

LINE_PROVIDERS = {
    "82": ("2420A", "rendering_provider"),
    "77": ("2420C", "service_facility"),
    "DQ": ("2420D", "supervising_provider"),
    "DK": ("2420E", "ordering_provider"),
    "DN": ("2420F", "referring_provider"),
}
"""2420 loops by NM101, with the ServiceLine field they fill."""

PROVIDER_SEGMENTS = {
    "2310A": ("REF",),
    "2310B": ("PRV", "REF"),
    "2310C": ("N3", "N4", "REF", "PER"),
    "2310D": ("REF",),
    "2310F": ("N3", "N4"),
    "2420A": ("PRV", "REF"),
    "2420C": ("N3", "N4", "REF"),
    "2420D": ("REF",),
    "2420E": ("N3", "N4", "REF", "PER"),
    "2420F": ("REF",),
}
"""Segments after the NM1 that each provider loop carries, in TR3 order."""

SKIPPED_CLAIM_NAMES = {"P3": "2310A"}
SKIPPED_COVERAGE_NAMES = {
    "DN": "2330C",
    "P3": "2330C",
    "82": "2330D",
    "77": "2330E",
    "DQ": "2330F",
    "85": "2330G",
}
SKIPPED_LINE_NAMES = {"QB": "2420B", "P3": "2420F", "PE": "2420G", "45": "2420H"}

CLAIM_DATES = {
    "431": "onset_date",
    "454": "initial_treatment_date",
    "304": "last_seen_date",
    "439": "accident_date",
    "360": "disability_start",
    "361": "disability_end",
    "297": "last_worked_date",
    "296": "return_to_work_date",
    "435": "admission_date",
    "096": "discharge_date",
}
"""2300 DTP qualifiers that have a named field on the claim."""

CLAIM_DATE_ORDER = (
    "431", "454", "304", "453", "439", "484", "455", "471", "314", "360", "361",
    "297", "296", "435", "096", "090", "091", "444", "050",
)  # fmt: skip
"""2300 DTP qualifiers in TR3 order; others go last."""

LINE_DATE_ORDER = (
    "472", "471", "607", "463", "461", "304", "738", "739", "011", "455", "454",
)  # fmt: skip
"""2400 DTP qualifiers in TR3 order; others go last."""

CLAIM_REFERENCES = {
    "9F": "referral_number",
    "G1": "prior_authorization",
    "F8": "payer_claim_number",
    "X4": "clia_number",
    "EA": "medical_record_number",
}
"""2300 REF qualifiers that have a named field on the claim."""

CLAIM_REFERENCE_ORDER = (
    "4N", "F5", "EW", "9F", "G1", "F8", "X4", "9A", "9C", "LX", "D9", "EA", "P4", "1J",
)  # fmt: skip
"""2300 REF qualifiers in TR3 order; others go last."""

LINE_REFERENCES = {"G1": "prior_authorization", "6R": "line_control_number"}
"""2400 REF qualifiers that have a named field on the line."""

LINE_REFERENCE_ORDER = ("9B", "9D", "G1", "6R", "EW", "X4", "F4", "BT", "9F")
"""2400 REF qualifiers in TR3 order; others go last."""

CONDITION_ORDER = ("07", "E1", "E2", "E3", "75", "ZZ")
"""2300 CRC categories in TR3 order."""

DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
"""HI qualifiers of the diagnosis codes the claim carries."""


def rank(order: tuple[str, ...], qualifier: str) -> int:
    """Position of a qualifier in a TR3 order; unknown qualifiers sort last."""
    try:
        return order.index(qualifier)
    except ValueError:
        return len(order)
