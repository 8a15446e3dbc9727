"""Turn the segments of one 837P transaction set (ST..SE) into encounters.

Loops are told apart by segment id and qualifier, never by position alone::

    header      BHT, 1000A NM1*41 + PER, 1000B NM1*40
    2000A       HL*20, PRV*BI; 2010AA NM1*85; 2010AB NM1*87; (2010AC NM1*PE)
    2000B       HL*22, SBR, PAT; 2010BA NM1*IL; 2010BB NM1*PR
    2000C       HL*23, PAT; 2010CA NM1*QC
    2300...     CLM and everything below it: see ``_claim``

Segments under an HL are shared by every claim below it: each claim gets a copy of
their data, their raw segments and their issues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from claimtui.model.encounter import Encounter
from claimtui.x12._claim import ClaimReader
from claimtui.x12._fields import Data, FieldReader, element, read_address
from claimtui.x12.issues import InputIssue
from claimtui.x12.tokenizer import Segment

_HL_HINT = (
    "the claims under it may belong elsewhere, ask the sender for a corrected file"
)
_LEVEL_LOOPS = {"20": "2000A", "22": "2000B", "23": "2000C"}
_PERSON_LOOPS = {("22", "IL"): "2010BA", ("22", "PR"): "2010BB", ("23", "QC"): "2010CA"}


@dataclass
class HLContext:
    """One HL level (2000A, 2000B or 2000C) and what was read under it."""

    hl_id: str
    level: str
    declared_children: str
    segment: Segment
    raw: list[Segment] = field(default_factory=list)
    data: Data = field(default_factory=dict)
    issues: list[InputIssue] = field(default_factory=list)
    loop: str = ""
    target: Data | None = None
    names: set[str] = field(default_factory=set)
    children: int = 0
    claims: list[int] = field(default_factory=list)
    parent: HLContext | None = None
    raw_text: str = ""
    """``raw`` as claim text, kept for the next claim under this level."""
    raw_joined: int = 0
    """How many segments of ``raw`` ``raw_text`` holds."""
    released: bool = False
    """A later HL closed this level: no more claims or children come under it."""

    @property
    def settled(self) -> bool:
        """True when its child code can no longer turn out wrong: the level is
        closed, or it is a billing provider that says it has children and has."""
        return self.released or (
            self.level == "20" and self.declared_children == "1" and self.children > 0
        )


@dataclass
class ParsedClaim:
    """A claim read from a transaction, before it becomes a ReadClaim."""

    data: Data
    """The encounter's fields; the model is built when the claim is handed out,
    because a model weighs several times its data."""
    raw: str
    """Its HL segments and the claim's own, one per line, no terminators."""
    clm: Segment
    first: int
    last: int
    issues: list[InputIssue]
    contexts: tuple[HLContext, ...] = ()
    """The HL levels it is under, whose problems found later it would share."""


class TransactionParser:
    """Reads the body of one ST..SE into claims; ``issues`` are file-level."""

    def __init__(self, fields: FieldReader, separator: str = "*") -> None:
        self.fields = fields
        self.separator = separator
        self.header: Data = {}
        self.header_loop = ""
        self.contexts: dict[str, HLContext] = {}
        self.ordered: list[HLContext] = []
        self.billing: HLContext | None = None
        self.subscriber: HLContext | None = None
        self.patient: HLContext | None = None
        self.current: HLContext | None = None
        self.claim: ClaimReader | None = None
        self.claims: list[ParsedClaim] = []
        """The claims read and not yet given out."""
        self.handed = 0
        """How many claims ``settled`` has given out: the transaction-wide
        index of ``claims[0]``."""
        self.issues: list[InputIssue] = []

    def parse(self, body: list[Segment]) -> list[ParsedClaim]:
        """Read the segments between ST and SE."""
        for segment in body:
            self.feed(segment)
        return self.finish()

    def settled(self) -> list[ParsedClaim]:
        """The claims read so far that no later segment can add a problem to,
        in order, each given once; ``finish`` gives the rest.

        A claim is settled once every HL level it is under is: a child code is
        checked against the children that came, so it can turn out wrong only
        while children may still come.
        """
        claims = self.claims
        count = 0
        while count < len(claims) and all(c.settled for c in claims[count].contexts):
            count += 1
        given, self.claims[:count] = claims[:count], []
        self.handed += count
        return given

    def finish(self) -> list[ParsedClaim]:
        """The claims ``settled`` has not given, once every segment between ST
        and SE has been fed."""
        self._close_claim()
        self._check_children()
        given, self.claims = self.claims, []
        self.handed += len(given)
        return given

    def feed(self, segment: Segment) -> None:
        """Read the next segment of the transaction set."""
        claim = self.claim
        sid = segment.id
        if sid == "HL":
            self._close_claim()
            self._start_hl(segment)
        elif sid == "CLM":
            self._close_claim()
            self._start_claim(segment)
        elif claim is not None:
            claim.handle(segment)
        elif (current := self.current) is not None:
            current.raw.append(segment)
            handler = _CONTEXT_HANDLERS.get((current.level, sid))
            if handler is None:
                self._not_carried(current, segment)
            else:
                handler(self, current, segment)
        else:
            self._header_segment(segment)

    # -- header (BHT, 1000A, 1000B) ----------------------------------------------

    def _header_segment(self, segment: Segment) -> None:
        sid, qualifier = segment.id, element(segment, 1)
        if sid == "BHT":
            self.header["transaction_type"] = element(segment, 6)
        elif sid == "NM1" and qualifier == "41":
            self.header_loop = "1000A"
            submitter: Data = {
                "name": element(segment, 3),
                "first_name": element(segment, 4),
                "identifier": element(segment, 9),
            }
            if element(segment, 2) in ("1", "2"):
                submitter["entity_type"] = element(segment, 2)
            self.header["submitter"] = submitter
        elif sid == "NM1" and qualifier == "40":
            self.header_loop = "1000B"
            self.header["receiver"] = {
                "name": element(segment, 3),
                "identifier": element(segment, 9),
            }
        elif sid == "PER" and self.header_loop == "1000A":
            submitter = self.header["submitter"]
            if "contact" not in submitter:
                submitter["contact"] = self.fields.contact(segment)
        else:
            loop = self.header_loop or "header"
            self.issues.append(self.fields.not_carried(segment, loop))

    # -- HL levels ---------------------------------------------------------------

    def _start_hl(self, segment: Segment) -> None:
        hl_id, parent_id = element(segment, 1), element(segment, 2)
        level = element(segment, 3)
        context = HLContext(hl_id, level, element(segment, 4), segment, raw=[segment])
        context.loop = _LEVEL_LOOPS.get(level, "HL")
        if hl_id in self.contexts:
            self._hl_error(context, "HL01", "this HL id is used twice")
        elif hl_id != str(len(self.ordered) + 1):
            self._hl_error(
                context,
                "HL01",
                f"this HL id is out of sequence (HL {len(self.ordered) + 1} of the "
                "transaction set); HL ids must count 1, 2, 3 in order",
            )
        self.contexts[hl_id] = context  # a repeated id names its latest HL
        self.ordered.append(context)
        self.current = context
        if level == "20":
            self._release(self.billing, self.subscriber, self.patient)
            self._start_billing(context, parent_id)
        elif level == "22":
            self._link(context, parent_id, "20", self.billing)
            self._release(self.subscriber, self.patient)
            self.subscriber, self.patient = context, None
        elif level == "23":
            self._link(context, parent_id, "22", self.subscriber)
            self._release(self.patient)
            self.patient = context
        else:
            self._hl_error(context, "HL03", "the HL level is not 20, 22 or 23")

    def _release(self, *contexts: HLContext | None) -> None:
        """Close levels no later claim or child can fall under: check their
        child codes, and drop what they read."""
        for context in contexts:
            if context is not None and not context.released:
                context.raw, context.data, context.target = [], {}, None
                context.released = True
                self._check_child_code(context)

    def _start_billing(self, context: HLContext, parent_id: str) -> None:
        if parent_id:
            self._hl_error(
                context, "HL02", "a billing provider HL (2000A) must not have a parent"
            )
        self.billing, self.subscriber, self.patient = context, None, None

    def _link(
        self,
        context: HLContext,
        parent_id: str,
        parent_level: str,
        preceding: HLContext | None,
    ) -> None:
        named = self.contexts.get(parent_id)
        parent = preceding
        if named is not None and named.level == parent_level and named.released:
            # Levels nest in file order: a child comes before the next sibling
            # of its parent. This one's claims would be read with the data of
            # the level above that precedes it, which is not the one it names.
            self._hl_error(
                context,
                "HL02",
                "the parent HL id names an HL closed earlier (another HL of "
                "its level came after it); the claims under it are placed "
                "under the preceding one",
            )
        elif named is not None and named.level == parent_level and named is not context:
            parent = named
        else:
            self._hl_error(
                context,
                "HL02",
                "the parent HL id names no HL of the level above; the claims "
                "under it are placed under the preceding one",
            )
        if parent is None:
            self._hl_error(context, "HL02", "this HL has no level above it")
        else:
            parent.children += 1
        context.parent = parent

    def _check_children(self) -> None:
        """At SE: close every level still open, then warn of levels without claims."""
        self._release(*self.ordered)
        for context in self.ordered:
            if context.claims or context.level not in ("22", "23"):
                continue
            if context.level == "23" or not context.children:
                self.issues.append(self._no_claim(context))

    def _check_child_code(self, context: HLContext) -> None:
        """Check a closed level's child code (HL04) against the children it had."""
        declared = context.declared_children
        if declared in ("0", "1") and (declared == "1") == (context.children > 0):
            return
        if context.level == "23" and declared == "" and not context.children:
            return
        if context.children:
            problem = "says this HL has no children, but one follows"
        else:
            problem = "says this HL has children, but none follows"
        issue = self.fields.issue(
            context.segment,
            "HL04",
            f"the child code {problem}; {_HL_HINT}",
        )
        self._attach(context, issue)
        if context.claims:
            self.issues.append(issue)

    def _hl_error(self, context: HLContext, ref: str, problem: str) -> None:
        """An HL structure error: it holds every claim under the HL, and it is a
        problem of the file as well."""
        issue = self.fields.issue(context.segment, ref, f"{problem}; {_HL_HINT}")
        context.issues.append(issue)
        self.issues.append(issue)

    def _no_claim(self, context: HLContext) -> InputIssue:
        return self.fields.issue(
            context.segment, "", "this subscriber or patient HL has no claim", "warning"
        )

    def _attach(self, context: HLContext, issue: InputIssue) -> None:
        """Add an issue to every claim under a context, or to the file if none."""
        indexes = set(context.claims)
        if not indexes:
            self.issues.append(issue)
        for index in sorted(indexes):
            # A level is checked as it closes, and no claim under it is given
            # out before that (see ``settled``), so its claims are all here.
            assert index >= self.handed, "a problem found for a claim given out"
            self.claims[index - self.handed].issues.append(issue)

    def _not_carried(self, context: HLContext, segment: Segment) -> None:
        if context.loop != "skip":
            context.issues.append(self.fields.not_carried(segment, context.loop))

    # -- 2000A -------------------------------------------------------------------

    def _billing_prv(self, context: HLContext, segment: Segment) -> None:
        provider = context.data.setdefault("billing_provider", {})
        provider["taxonomy"] = element(segment, 3)

    def _billing_nm1(self, context: HLContext, segment: Segment) -> None:
        qualifier = element(segment, 1)
        if qualifier == "85" and "85" not in context.names:
            context.loop = "2010AA"
            provider = context.data.setdefault("billing_provider", {})
            provider.update(self.fields.provider_name(segment, context.issues))
            context.target = provider
        elif qualifier == "87" and "87" not in context.names:
            context.loop = "2010AB"
            context.data["pay_to_address"] = {}
            context.target = {"address": context.data["pay_to_address"]}
        else:
            context.loop = "2010AC" if qualifier == "PE" else "2000A"
            self._not_carried(context, segment)
            context.loop, context.target = "skip", None
        context.names.add(qualifier)

    # -- 2000B / 2000C -----------------------------------------------------------

    def _sbr(self, context: HLContext, segment: Segment) -> None:
        subscriber = context.data.setdefault("subscriber", {})
        subscriber.update(
            payer_responsibility=element(segment, 1),
            relationship=element(segment, 2),
            group_number=element(segment, 3),
            group_name=element(segment, 4),
            insurance_type=element(segment, 5),
            claim_filing_code=element(segment, 9),
        )

    def _pat(self, context: HLContext, segment: Segment) -> None:
        key = "patient" if context.level == "23" else "subscriber"
        person = context.data.setdefault(key, {})
        issues = context.issues
        if key == "patient":
            person["relationship"] = element(segment, 1)
        if element(segment, 6):
            person["death_date"] = self.fields.date(
                segment, "PAT06", element(segment, 6), issues
            )
        if element(segment, 8):
            person["weight_pounds"] = self.fields.decimal(
                segment, "PAT08", element(segment, 8), issues
            )
        if element(segment, 9):
            person["pregnant"] = element(segment, 9) == "Y"

    def _person_nm1(self, context: HLContext, segment: Segment) -> None:
        qualifier = element(segment, 1)
        loop = _PERSON_LOOPS.get((context.level, qualifier))
        if loop is None or qualifier in context.names:
            self._not_carried(context, segment)
            context.loop, context.target = "skip", None
            return
        context.names.add(qualifier)
        context.loop = loop
        if qualifier == "PR":
            payer = {
                "name": element(segment, 3),
                "id_qualifier": element(segment, 8),
                "payer_id": element(segment, 9),
            }
            context.data["payer"] = context.target = payer
            return
        key = "subscriber" if qualifier == "IL" else "patient"
        person = context.data.setdefault(key, {})
        person.update(self.fields.party_name(segment, context.issues))
        if qualifier == "IL":
            person["id_qualifier"] = element(segment, 8)
            person["member_id"] = element(segment, 9)
        context.target = person

    def _dmg(self, context: HLContext, segment: Segment) -> None:
        target = context.target
        if target is None or context.loop not in ("2010BA", "2010CA"):
            self._not_carried(context, segment)
            return
        if element(segment, 2):
            target["birth_date"] = self.fields.date(
                segment, "DMG02", element(segment, 2), context.issues
            )
        target["gender"] = element(segment, 3)

    def _address(self, context: HLContext, segment: Segment) -> None:
        if context.target is None:
            self._not_carried(context, segment)
            return
        read_address(segment, context.target.setdefault("address", {}))

    def _ref(self, context: HLContext, segment: Segment) -> None:
        target, loop = context.target, context.loop
        qualifier, value = element(segment, 1), element(segment, 2)
        if target is None:
            self._not_carried(context, segment)
        elif (
            loop == "2010AA" and qualifier in ("EI", "SY") and not target.get("tax_id")
        ):
            target["tax_id_qualifier"] = qualifier
            target["tax_id"] = value
        elif loop in ("2010AA", "2010BB"):
            references = target.setdefault("secondary_ids", [])
            references.append({"qualifier": qualifier, "value": value})
        elif loop in ("2010BA", "2010CA") and qualifier == "SY" and "ssn" not in target:
            target["ssn"] = value
        elif (
            loop in ("2010BA", "2010CA")
            and qualifier == "Y4"
            and ("property_casualty_claim_number" not in target)
        ):
            target["property_casualty_claim_number"] = value
        else:
            self._not_carried(context, segment)

    def _per(self, context: HLContext, segment: Segment) -> None:
        target = context.target
        if target is None or context.loop not in ("2010AA", "2010BA", "2010CA"):
            self._not_carried(context, segment)
        elif "contact" not in target:
            target["contact"] = self.fields.contact(segment)
        elif not self.fields.merge_contact(segment, target["contact"]):
            self._not_carried(context, segment)

    # -- claims ------------------------------------------------------------------

    def _start_claim(self, segment: Segment) -> None:
        self.claim = ClaimReader(self.fields, segment)
        if self.subscriber is None or self.current is self.billing:
            self.claim.issues.append(
                self.fields.issue(
                    segment, "", "this claim has no subscriber HL (2000B) above it"
                )
            )

    def _close_claim(self) -> None:
        claim, self.claim = self.claim, None
        if claim is None:
            return
        contexts = [c for c in (self.billing, self.subscriber, self.patient) if c]
        index = self.handed + len(self.claims)
        for context in contexts:
            context.claims.append(index)
        # The segments of a level are the same for every claim under it, so
        # their text is joined once rather than once per claim.
        texts = [self._raw_text(context) for context in contexts]
        texts.append(self._join(claim.raw))
        raw = "\n".join([text for text in texts if text])
        issues = [issue for context in contexts for issue in context.issues]
        issues.extend(claim.finish())
        data = self._encounter_data(claim, issues)
        first, last = claim.raw[0].number, claim.raw[-1].number
        parsed = ParsedClaim(
            data, raw, claim.raw[0], first, last, issues, tuple(contexts)
        )
        self.claims.append(parsed)

    def _raw_text(self, context: HLContext) -> str:
        if context.raw_joined != len(context.raw):
            context.raw_text = self._join(context.raw)
            context.raw_joined = len(context.raw)
        return context.raw_text

    def _join(self, segments: list[Segment]) -> str:
        separator = self.separator
        return "\n".join(
            [separator.join([segment.id, *segment.elements]) for segment in segments]
        )

    def _encounter_data(self, claim: ClaimReader, issues: list[InputIssue]) -> Data:
        data: Data = dict(claim.data)
        for key in ("transaction_type", "submitter", "receiver"):
            if key in self.header:
                data[key] = self.header[key]
        billing = self.billing or HLContext("", "20", "", claim.raw[0])
        subscriber = self.subscriber or HLContext("", "22", "", claim.raw[0])
        missing = []
        if "85" not in billing.names:
            missing.append("2010AA billing provider (NM1*85)")
        if "IL" not in subscriber.names:
            missing.append("2010BA subscriber (NM1*IL)")
        if "PR" not in subscriber.names:
            missing.append("2010BB payer (NM1*PR)")
        if self.patient is not None and "QC" not in self.patient.names:
            missing.append("2010CA patient (NM1*QC)")
        for loop in missing:
            issues.append(
                self.fields.issue(
                    claim.raw[0], "", f"the loop {loop} of this claim is missing"
                )
            )
        data["billing_provider"] = billing.data.get("billing_provider", {})
        if "pay_to_address" in billing.data:
            data["pay_to_address"] = billing.data["pay_to_address"]
        data["subscriber"] = subscriber.data.get("subscriber", {})
        data["payer"] = subscriber.data.get("payer", {})
        if self.patient is not None:
            data["patient"] = self.patient.data.get("patient", {})
        return data

    def build(self, claim: ParsedClaim) -> Encounter | None:
        """The claim's encounter, or None with the reasons added to its issues."""
        return self._build(claim.data, claim.clm, claim.issues)

    def _build(
        self, data: Data, segment: Segment, issues: list[InputIssue]
    ) -> Encounter | None:
        try:
            return Encounter.model_validate(data)
        except ValidationError as error:
            for detail in error.errors(include_input=False, include_url=False):
                path = ".".join(str(part) for part in detail["loc"])
                issues.append(
                    self.fields.issue(
                        segment, "", f"the claim cannot be built: {path} is invalid"
                    )
                )
            return None


ContextHandler = Callable[[TransactionParser, HLContext, Segment], None]
_CONTEXT_HANDLERS: dict[tuple[str, str], ContextHandler] = {
    ("20", "PRV"): TransactionParser._billing_prv,
    ("20", "NM1"): TransactionParser._billing_nm1,
    ("22", "SBR"): TransactionParser._sbr,
    ("22", "PAT"): TransactionParser._pat,
    ("23", "PAT"): TransactionParser._pat,
}
for _level in ("20", "22", "23"):
    _CONTEXT_HANDLERS[(_level, "N3")] = TransactionParser._address
    _CONTEXT_HANDLERS[(_level, "N4")] = TransactionParser._address
    _CONTEXT_HANDLERS[(_level, "REF")] = TransactionParser._ref
    _CONTEXT_HANDLERS[(_level, "PER")] = TransactionParser._per
for _level in ("22", "23"):
    _CONTEXT_HANDLERS[(_level, "NM1")] = TransactionParser._person_nm1
    _CONTEXT_HANDLERS[(_level, "DMG")] = TransactionParser._dmg
