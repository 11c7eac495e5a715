"""Who pays whom in a sentence: the rules that turn a sentence's mentions into flows, and why each was read as it was.

For each amount or capacity (an *anchor*) the nearest verb cue governs it (one in the same clause and before it first).
The cue's subject is the nearest entity before it; its object the entity a Chinese mark puts before the verb
(``X向Y投资``: Y) or else the first entity after it. The cue's role then gives the direction: the subject pays
(``invest``, ``buy``, ``投资``), is paid (``raised ... from``, ``获得``), sells (``provide ... to``, ``为X提供``: the
buyer pays), grants shares to a holder (issuer -> holder), backs someone (``X, Y's largest backer``), or makes a deal
"with" a partner (the seller of what is bought is paid). ``respectively``, ``分别`` and ``each`` pair a list of parties
with a list of amounts in order. When a side is missing, it comes, in this order, from the verb's partner (``与X``,
``with X``), a pronoun's antecedent (``from it``, ``向其``), a receiver earlier in the clause (``获得X注资``), the next
verb's object, a parallel clause, or the flow or topic of the sentence before (with lower confidence). An amount
shared by a list of payers without ``respectively`` is a round's total, not a flow; so are amounts next to the words
of a valuation, a capital-spending plan, a share price, revenue, a guarantee or a cumulative or round total, and every
amount of a sentence that denies or supposes. A sentence with no amount that names both parties, a verb between them
and what changes hands gives a row whose amount is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .article import Article, Sentence
from .lexicon import Cue, Lexicon
from .mentions import Mention, Names, capacities, money, sentence_date, term_years

__all__ = ["Flow", "Memory", "Skip", "read_sentence"]

MIN_AMOUNT = 1e5  # below this an amount in a deal sentence is a price or a fee, not a deal
_SEPARATOR = re.compile(r"[,;，；:：]|\b(?:while|whereas|but)\b")
_CONNECTOR = re.compile(r"^\s*(?:,|、|和|与|及|以及|and|&|, and|,and|or)?\s*$", re.IGNORECASE)
_MARK_GAP = 16  # characters between a marked object and its verb (X向Y[将]投资, 向Y进行20亿美元的股权投资)
_EQUITY_OBJECTS = re.compile(r"warrant|shares|stock|equity|认股权证|股份|股票|股权", re.IGNORECASE)
_DEAL_NOUNS = {"deal", "deals", "contract", "contracts", "agreement", "pact"}  # "Microsoft's $17.4 billion deal with Nebius"
_LEADING_ONLY = ("part", "upside", "vague")  # words that come before the amount they qualify (the first 1 GW, could rise to $X)
_TRAILING_ONLY = ("round_total",)  # words that come after the amount they qualify (a $1.1 billion Series B round)
_SIZE_WORDS = {"总计", "a total of", "in total", "共计", "合计", "总共", "altogether", "combined"}  # a deal's size, not a running total
_SIDES = {"pays": ("subject pays", False), "grants": ("subject issues to the holder", False),
          "receives": ("subject is paid", True), "provides": ("subject sells and is paid", True)}


@dataclass
class Flow:
    """One candidate row read from one sentence."""

    source: str
    target: str
    amount: float | None
    currency: str
    cap: str
    status: str
    kind: str
    gw: float | None
    date: str | None
    years: float | None
    confidence: float
    why: list[str]


@dataclass(frozen=True)
class Skip:
    """An amount read but not taken as a flow, and why."""

    text: str
    why: str


@dataclass
class Memory:
    """What the sentences before said: the last payer and payee, for a sentence that names only one side."""

    payer: str | None = None
    payee: str | None = None


@dataclass
class _Relation:
    cue: Cue
    subject: Mention | None
    object: Mention | None
    why: list[str] = field(default_factory=list)
    borrowed: bool = False  # a party from another clause or sentence


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def _group(ents: list[Mention], e: Mention, text: str) -> list[Mention]:
    """The list ``e`` is part of (``Amazon, NVIDIA and SoftBank``, ``亚马逊、英伟达和软银``), in order."""
    i = next(k for k, x in enumerate(ents) if x is e)
    lo = hi = i
    while lo > 0 and _CONNECTOR.match(text[ents[lo - 1].end:ents[lo].start]):
        lo -= 1
    while hi + 1 < len(ents) and _CONNECTOR.match(text[ents[hi].end:ents[hi + 1].start]):
        hi += 1
    members: list[Mention] = []
    for x in ents[lo:hi + 1]:
        if not any(m.value == x.value for m in members):
            members.append(x)
    return members


def _nearest(candidates: list[Mention], reverse: bool) -> Mention | None:
    """The nearest known entity (the last before a verb, or the first after it); an unknown one only if none is known."""
    ordered = list(reversed(candidates)) if reverse else candidates
    return next((e for e in ordered if e.known), None) or (ordered[0] if ordered else None)


def _distance(cue: Cue, anchor: Mention, text: str) -> float:
    if cue.end <= anchor.start:
        gap, d = text[cue.end:anchor.start], anchor.start - cue.end
    else:
        gap, d = text[anchor.end:cue.start], cue.start - anchor.end + 6
    d += 25 * len(_SEPARATOR.findall(gap))
    return d + (40 if cue.role == "deal" else 0)


def _relation(cue: Cue, ents: list[Mention], text: str, zh: bool, lex: Lexicon) -> _Relation:
    before = [e for e in ents if e.end <= cue.start]
    after = [e for e in ents if e.start >= cue.end]
    subject = obj = None
    if zh and before:
        last = before[-1]
        gap = text[last.end:cue.start]
        # 与/和 join partners or a list: not an object; a short descriptor may come between (向荷兰AI云服务商Nebius采购)
        if _marked(text, last, ents, lex.object_marks_only_zh) and len(gap) <= _MARK_GAP and not _SEPARATOR.search(gap):
            if text[:last.start].rstrip().endswith("由"):  # 由亚马逊领投: the marked party does it (the agent)
                agent = _Relation(cue, last, _nearest([e for e in before[:-1] if e.value != last.value], reverse=True), ["'由': the agent"])
                return agent
            obj = last
            group = _group(ents, last, text)
            before = [e for e in before if e not in group and e.end <= group[0].start]
    rest = text[cue.end:]
    clause_end = _SEPARATOR.search(rest)
    # "lease its 245 MW", "buy ... from it", "向其采购": the pronoun is the other party named before
    its = obj is None and (re.match(r"\s*(?:其|its\b|their\b)", rest, re.IGNORECASE) is not None
                           or re.search(r"\b(?:from|in|to|with) it\b", rest[:clause_end.start() if clause_end else len(rest)]) is not None
                           or bool(zh and re.search(r"(?:向|从|为|对|给)其\S{0,3}$", text[max(0, cue.start - 6):cue.start])))
    if obj is None and after and not its:
        obj = _nearest([e for e in after if not _SEPARATOR.search(text[cue.end:e.start])], reverse=False)
    partners = [e for e in ents if _marked(text, e, ents, lex.partner_marks)]
    # never a subject: a partner (与AMD, with AMD) and its other names in the same clause (与亚马逊云服务（AWS）), and in Chinese
    # the marked object of another verb (向Anthropic投资100亿美元，并追加投资: Anthropic is not the second verb's subject)
    shut = [e for e in ents if any(p.value == e.value and not _SEPARATOR.search(text[min(p.end, e.end):max(p.start, e.start)])
                                   for p in partners)]
    if zh:
        shut += [e for e in ents if text[:e.start].endswith(lex.object_marks_only_zh)]
    candidates = [e for e in before if (obj is None or e.value != obj.value) and e not in shut]
    subject = _nearest(candidates, reverse=True)
    which = None if zh else list(re.finditer(r",\s*(?:which|who|that)\b", text[:cue.start]))
    if which and subject is not None and subject.start > which[-1].start() and not _SEPARATOR.search(text[which[-1].end():cue.start]):
        antecedent = _nearest([e for e in before if e.end <= which[-1].start() and (obj is None or e.value != obj.value)], reverse=True)
        if antecedent is not None and antecedent.known:  # the relative clause's verb is its antecedent's
            subject = antecedent
    if its and subject is not None:  # "Hut 8 ... Fluidstack will lease its 245 MW": the other party named before, Hut 8
        obj = next((e for e in (*partners, *before) if e.known and e.value != subject.value), None)
    if subject is not None and not zh and text[subject.end:subject.end + 2] in ("'s", "’s"):
        owner = [e for e in candidates if e.end <= subject.start and re.fullmatch(r"\s*,\s*", text[e.end:subject.start])]
        if owner:  # "Amazon, Anthropic's largest backer, completed ...": the subject is Amazon; Anthropic is the other party
            obj = obj or subject
            subject = owner[-1]
    why = []
    if obj is None and subject is not None:
        obj = next((e for e in partners if e.value != subject.value), None)
        if obj is not None:
            why.append(f"the other party is the partner of the deal ('{text[:obj.start].rstrip()[-4:].strip()} {obj.text}')")
    return _Relation(cue, subject, obj, why)


def _both_named(cue: Cue, ents: list[Mention], text: str, zh: bool, lex: Lexicon) -> _Relation | None:
    """The relation of a verb that names both parties, known ones, in its own clause, and what changes hands (a kind word or
    the verb's kind): a deal stated without a figure ("Meta will buy NVIDIA chips", "微软是OpenAI的主要投资者")."""
    rel = _backer(cue, [cue], ents, text) if cue.role == "backer" else _relation(cue, ents, text, zh, lex)
    if rel is None or rel.subject is None or rel.object is None or not (rel.subject.known and rel.object.known):
        return None
    lo, hi = min(rel.subject.start, rel.object.start, cue.start), max(rel.subject.end, rel.object.end, cue.end)
    between = [e for e in ents if lo <= e.start and e.end <= hi and e.value not in (rel.subject.value, rel.object.value)]
    if between or rel.subject.value == rel.object.value:  # another party between them: not a plain "X buys from Y"
        return None
    if rel.object.start > cue.end and _SEPARATOR.search(text[cue.end:rel.object.start]):
        return None
    clause_end = _SEPARATOR.search(text, hi)
    clause = text[lo:clause_end.start() if clause_end else len(text)]
    if not (cue.kind or lex.find("kind", clause)):
        return None
    return rel


def _later(cue: Cue, ents: list[Mention], text: str, lex: Lexicon) -> list[_Relation]:
    """The relations of the paying verbs after ``cue`` in its sentence (each with its own object)."""
    return [_relation(c, ents, text, bool(re.search(r"[\u4e00-\u9fff]", text)), lex)
            for c in lex.find_cues(text) if c.start >= cue.end and c.role == "pays"]


def _receiver(cue: Cue, ents: list[Mention], text: str, lex: Lexicon) -> _Relation | None:
    """An earlier "receives" verb in the same clause, as in "Cerebras获得G42注资" or "xAI won a $2B investment from NVIDIA"."""
    for c in reversed([c for c in lex.find_cues(text) if c.role == "receives" and c.end <= cue.start]):
        if _SEPARATOR.search(text[c.end:cue.start]):
            return None
        subject = _nearest([e for e in ents if e.end <= c.start and not _SEPARATOR.search(text[e.end:c.start])], reverse=True)
        return _Relation(c, subject, None)
    return None


def _backer(cue: Cue, cues: list[Cue], ents: list[Mention], text: str) -> _Relation | None:
    """X -> Y when ``cue`` is, or follows with no party between, "X, Y's largest backer" or "X是Y最大的投资者"."""
    earlier = [c for c in cues if c.role == "backer" and c.start <= cue.start
               and not any(c.end <= e.start and e.end <= cue.start for e in ents)]
    if not earlier:
        return None
    b = earlier[-1]
    near = [e for e in ents if e.end <= b.start and len(_SEPARATOR.findall(text[e.end:b.start])) <= 1]  # "Amazon, Anthropic's backer"
    names = list(dict.fromkeys(e.value for e in near))
    after = [e for e in ents if e.start >= b.end and not _SEPARATOR.search(text[b.end:e.start])]  # "SoftBank, an investor in OpenAI"
    if len(names) >= 2:
        payer = next(e for e in near if e.value == names[0])
        payee = next(e for e in reversed(near) if e.value == names[-1])
    elif names and after:
        payer, payee = next(e for e in near if e.value == names[0]), after[0]
    else:
        return None
    return _Relation(Cue(cue.start, cue.end, cue.text, "pays", "equity"), payer, payee, [f"'{b.text}': {payer.value} backs {payee.value}"])


def _marked(text: str, e: Mention, ents: list[Mention], marks: tuple[str, ...]) -> bool:
    """Whether a mark (``与``, ``with``) comes before ``e``, directly or before a short descriptor (``与数据中心运营商IREN``,
    ``在亚马逊云端服务（AWS）``: another name of the same party may come between)."""
    lead = text[max(0, e.start - 12):e.start]
    for mark in marks:
        at = lead.rfind(mark)
        if at >= 0 and (at + len(mark) == len(lead) or not _SEPARATOR.search(lead[at:]) and not any(
                e.start - len(lead) + at < x.end <= e.start for x in ents if x is not e and x.value != e.value)):
            if at + len(mark) == len(lead) or re.search(r"[\u4e00-\u9fff]", mark):
                return True
    return False


def _lending(cue: Cue, text: str, lex: Lexicon) -> Cue:
    """A seller's verb whose object is a loan (``provide $12.5 billion of debt``, ``提供125亿美元债务融资``): the lender pays."""
    if cue.role != "provides":
        return cue
    rest = text[cue.end:]
    stop = _SEPARATOR.search(rest)
    if lex.lists["lending"]["words"].search(rest[:stop.start() if stop else len(rest)]):
        return Cue(cue.start, cue.end, cue.text, "pays", "loan")
    return cue


def read_sentence(sentence: Sentence, names: Names, lex: Lexicon, article: Article, memory: Memory) -> tuple[list[Flow], list[Skip]]:
    """The flows one sentence states, and the amounts it mentions that are not flows (with why)."""
    published = article.date
    text = sentence.plain
    ents = names.find(text, sentence.zh)
    moneys = [m for m in money(text, sentence.zh) if not any(_overlaps(m, e) for e in ents)]
    gws = [c for c in capacities(text) if not any(_overlaps(c, m) for m in moneys)]
    cues = [_lending(c, text, lex) for c in lex.find_cues(text) if not any(_overlaps(c, x) for x in (*ents, *moneys, *gws))]
    grant_cues = [c for c in cues if c.role == "grants" and _EQUITY_OBJECTS.search(text[c.end:c.end + 60])]
    # a deal named without a figure, in a sentence with no amount (one whose amounts are totals or prices is about those)
    stated = [] if moneys else [c for c in cues if c.role in ("pays", "provides", "receives", "backer", "deal")
                                and _both_named(c, ents, text, sentence.zh, lex)]
    if any(c.role != "deal" for c in stated):  # "signed an agreement to supply Microsoft": the verb of paying or selling says
        stated = [c for c in stated if c.role != "deal"]
    if not (moneys or gws or grant_cues or stated):
        _remember_topic(ents, memory)
        return [], []
    skips: list[Skip] = []
    denial = lex.lists["not_sentence"]["denied"].search(text)
    supposed = lex.lists["not_sentence"]["hypothetical"].match(text.lstrip(" \"'“"))
    if denial is not None:
        return [], [Skip(m.text, f"the sentence denies it ('{denial.group()}')") for m in (*moneys, *gws)]
    if supposed is not None:
        return [], [Skip(m.text, f"the sentence supposes ('{supposed.group().strip()}')") for m in (*moneys, *gws)]

    anchors: list[Mention] = []
    for i, m in enumerate(moneys):
        word = _not_flow(lex, _window(text, moneys[i - 1].end if i else 0, m, moneys[i + 1].start if i + 1 < len(moneys) else len(text)))
        if word:
            skips.append(Skip(m.text, f"{word.group}: '{word.text}'"))
        elif m.value < MIN_AMOUNT:
            skips.append(Skip(m.text, "too small to be a deal (a price or a fee)"))
        else:
            anchors.append(m)
    gw_skips = []
    for c in gws:
        word = _not_flow(lex, _window(text, 0, c, len(text)))
        if word is not None and word.text.lower() in _SIZE_WORDS:
            word = None  # "a total of 10 GW", "总计10吉瓦": the deal's size, not a running total
        (gw_skips.append(Skip(c.text, f"{word.group}: '{word.text}'")) if word else anchors.append(c))
    skips += gw_skips
    status_word = lex.first("status", text)
    status = status_word.group if status_word else "committed"
    when = sentence_date(text, published)
    date = when[0] if when else (published.isoformat() if published else article.month)
    years = term_years(text)
    common = [f"status: '{status_word.text}'" if status_word else "status: committed (an announced deal; no cue of rumour, intent or completion)"]
    if when:
        common.append(f"date: '{when[1]}'")
    elif published:
        common.append("date: the article's date line")
    elif article.month:
        common.append("date: the month the article's first lines name")

    flows: list[Flow] = []
    relations: list[tuple[Mention, _Relation]] = []
    respectively = lex.first("respectively", text)
    if respectively and cues:  # "respectively", "分别", "each"
        done = _respectively(text, ents, anchors, cues, sentence.zh, lex, memory)
        for anchor, rel in done:
            relations.append((anchor, rel))
        anchors = [a for a in anchors if not any(a is x for x, _ in done)]
    for anchor in anchors:
        usable = [c for c in cues if c.role != "grants" or (anchor.kind == "money" and c.end <= anchor.start)]  # granted $350M of stock
        if any(c.role in _SIDES for c in usable):  # "will provide capacity to Meta under a contract worth $14.2bn": the verb says
            usable = [c for c in usable if c.text.lower() not in _DEAL_NOUNS]
        if not usable:
            skips.append(Skip(anchor.text, "no verb says who pays whom"))
            continue
        cue = min(usable, key=lambda c: _distance(c, anchor, text))
        rel = _relation(cue, ents, text, sentence.zh, lex)
        backer = _backer(cue, cues, ents, text)
        if backer is not None:
            rel = backer
        if rel.object is not None and anchor.start > rel.object.end > cue.end:  # "... in Anthropic, and Microsoft up to $5 billion"
            between = [e for e in ents if rel.object.end <= e.start and e.end <= anchor.start and e.value != rel.object.value and e.known
                       and _SEPARATOR.search(text[rel.object.end:e.start]) and not any(c.start >= e.end and c.end <= anchor.start for c in cues)]
            if between:
                rel = _Relation(cue, between[-1], rel.object, ["the payer of a parallel clause"], True)
        relations.append((anchor, rel))
    earlier: list[tuple[Mention, _Relation]] = []
    for anchor, rel in relations:
        flow = _flow(anchor, rel, earlier, ents, text, lex, memory, skips)
        earlier.append((anchor, rel))
        if flow is None:
            continue
        flow.status, flow.date, flow.years = status, date, years
        flow.why += common
        flows.append(flow)
    for cue in (*grant_cues, *stated):
        if not any(r.cue is cue for _, r in relations) and not any(c.start <= cue.start < c.end for c in grant_cues if c is not cue):
            rel = _both_named(cue, ents, text, sentence.zh, lex) or _relation(cue, ents, text, sentence.zh, lex)
            pair = {rel.subject.value if rel.subject else None, rel.object.value if rel.object else None}
            if cue.role != "grants" and any({f.source, f.target} == pair for f in flows):
                continue
            anchor = Mention(cue.start, cue.end, cue.text, "grant" if cue.role == "grants" else "deal", None)
            flow = _flow(anchor, rel, earlier, ents, text, lex, memory, skips)
            if flow is not None:
                flow.status, flow.date, flow.years = status, date, years
                flow.why += common
                flows.append(flow)
    if not flows:
        _remember_topic(ents, memory)
    return _with_capacities(flows), skips


def _remember_topic(ents: list[Mention], memory: Memory) -> None:
    """A sentence that gives no flow leaves its first named party as the one a next sentence's verb may mean:
    "Anthropic was valued at ..." then "Amazon, its largest backer, invested $4 billion" (in Anthropic)."""
    topic = next((e for e in ents if e.known), None)
    if topic is not None:
        memory.payee = str(topic.value)


def _window(text: str, lo: int, m: Mention, hi: int) -> tuple[str, str]:
    """The words that qualify an amount: its clause up to 60 characters before it and 25 after, not past the amounts beside it.

    ``... contract worth $6.5 billion, bringing its total to $22.4 billion``: the total is the second amount's, not the first's.
    """
    before = text[max(lo, m.start - 60):m.start]
    after = text[m.end:min(hi, m.end + 25)]
    cut = list(_SEPARATOR.finditer(before))
    first = _SEPARATOR.search(after)
    return before[cut[-1].end():] if cut else before, after[:first.start()] if first else after




def _not_flow(lex: Lexicon, window: tuple[str, str]):
    """The first word in an amount's window that makes it something else than a flow (leading-only words before it only,
    trailing-only words right after it only)."""
    before, after = window
    word = next((w for w in lex.find("not_flow", before) if w.group not in _TRAILING_ONLY), None)
    if word is not None:
        return word
    for w in lex.find("not_flow", after):
        if w.group in _TRAILING_ONLY and len(after[:w.start].split()) > 2:
            continue  # "$1.1 billion Series B round": right after it, not four words on
        if w.group not in _LEADING_ONLY:
            return w
    return None


def _respectively(text, ents, anchors, cues, zh, lex, memory) -> list[tuple[Mention, _Relation]]:
    """Parties listed before the verb paired in order with the amounts listed after it (``分别``, ``respectively``)."""
    for cue in cues:
        if cue.role not in _SIDES:
            continue
        rel = _relation(cue, ents, text, zh, lex)
        if rel.subject is None:
            continue
        group = _group(ents, rel.subject, text)
        amounts = [a for a in anchors if a.kind == "money" and a.start >= cue.end] or [a for a in anchors if a.kind == "money"]
        if len(group) >= 2 and len(amounts) == 1:  # "A, B and C each invested about $2 billion", "分别投资约20亿美元"
            amounts = amounts * len(group)
        if len(group) >= 2 and len(group) == len(amounts):
            names = {g.value for g in group}
            obj = rel.object if rel.object is not None and rel.object.value not in names else None
            borrowed = False
            if obj is None:  # "OpenAI raised $110 billion, and Amazon, NVIDIA and SoftBank will invest ... respectively"
                obj = next((e for e in ents if e.known and e.value not in names and e.start >= cue.end), None)
            name = memory.payer if _SIDES[cue.role][1] else memory.payee
            if obj is None and name is not None and name not in names:  # "NVIDIA and SoftBank are each putting in $30 billion"
                obj, borrowed = Mention(-1, -1, name, "entity", name), True
            if obj is None:
                obj = next((e for e in ents if e.known and e.value not in names), None)
            if obj is None:
                return []
            word = lex.first("respectively", text)
            return [(a, _Relation(cue, p, obj, [f"'{word.text if word else ''}': parties and amounts paired in order"], borrowed))
                    for p, a in zip(group, amounts)]
    return []


def _flow(anchor: Mention, rel: _Relation, earlier, ents: list[Mention], text: str, lex: Lexicon, memory: Memory,
          skips: list[Skip]) -> Flow | None:
    cue = rel.cue
    why = list(rel.why)
    confidence = 0.9 - (0.15 if rel.borrowed else 0.0)
    subject, obj = rel.subject, rel.object
    parallel = next((r for a, r in reversed(earlier) if r.cue.role == cue.role and r.object is not None), None)
    receiver = next((r for a, r in reversed(earlier) if r.cue.role == "receives" and r.subject is not None), None)
    if obj is None and cue.role == "pays" and receiver is None:
        receiver = _receiver(cue, ents, text, lex)
    if obj is None and cue.role == "pays" and receiver is not None and receiver.subject is not None \
            and receiver.subject.value != (subject.value if subject else None):
        obj = receiver.subject
        why.append(f"the other party receives it ('{receiver.cue.text}')")
    if obj is None and cue.role == "pays" and subject is not None:  # "斥资50亿美元，以每股23.28美元认购英特尔普通股": the next verb's
        later = next((r for r in _later(cue, ents, text, lex) if r.object is not None and r.object.value != subject.value), None)
        if later is not None:
            obj = later.object
            why.append(f"the other party is the object of the next verb ('{later.cue.text}')")
            confidence -= 0.1
    if obj is None and subject is not None and anchor.kind == "capacity" and memory.payer == subject.value and memory.payee:
        obj = Mention(-1, -1, memory.payee, "entity", memory.payee)
        why.append("the capacity of the deal just stated")
    if obj is None and parallel is not None:
        obj = parallel.object
        why.append(f"the other party is the one of the clause before ('{parallel.cue.text}')")
        confidence -= 0.1
    if subject is None:
        skips.append(Skip(anchor.text, f"'{cue.text}' has no party before it"))
        return None
    # the payer of the flow before pays again, and the sentence says so: "协议还允许Meta再追加最高150亿美元的采购额度"
    continuing = memory.payer == subject.value and lex.first("continuation", text) is not None
    rest = text[cue.end:]
    stop = _SEPARATOR.search(rest)
    placed = re.search(r"\b(?:in|into)\s+(?:the\s+)?(?!(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b)[A-Z]",
                       rest[:stop.start() if stop else len(rest)])  # "invest $30 billion in the United Kingdom" (not "in March")
    if obj is None and cue.role in ("pays", "deal") and memory.payee and (cue.kind in ("equity", "loan") or continuing) and not placed:
        name = memory.payee
        if name != subject.value:
            obj = Mention(-1, -1, name, "entity", name)
            why.append("the other party is named in the sentence before")
            confidence -= 0.15
    if cue.role == "deal":
        kind = _kind(anchor, cue, text, lex)[0]
        sellers = lex.sellers.get(kind, frozenset())
        if obj is None:
            skips.append(Skip(anchor.text, f"'{cue.text}' names one party only"))
            return None
        if obj.value in sellers and subject.value not in sellers:
            payer, payee, side = subject, obj, f"{obj.value} sells {kind}"
        elif subject.value in sellers and obj.value not in sellers:
            payer, payee, side = obj, subject, f"{subject.value} sells {kind}"
        else:
            payer, payee, side = subject, obj, "the first named taken as the payer (neither or both sell it)"
            confidence -= 0.2
        why.insert(0, f"direction: '{cue.text}' (a deal with someone; {side})")
        confidence -= 0.1
    else:
        if obj is None and placed:
            skips.append(Skip(anchor.text, f"'{cue.text}' puts the money in a place or project ('{placed.group()}...'), not a named company"))
            return None
        if obj is None:
            if cue.role != "pays" or anchor.kind in ("grant", "deal"):
                if cue.role == "receives":  # "xAI is raising $20 billion": the next sentence's investors pay xAI
                    memory.payee = str(subject.value)
                skips.append(Skip(anchor.text, f"'{cue.text}' names one party only"))
                return None
            if not capacities(text):  # "plans to spend $200 billion on capital projects": a spending plan, not a flow
                skips.append(Skip(anchor.text, f"'{cue.text}' names no counterparty: a spending plan, not a flow"))
                return None
            obj = Mention(-1, -1, f"unnamed counterparty of {subject.value}", "entity", f"unnamed counterparty of {subject.value}", known=False)
            why.append("no counterparty is named")
            confidence = min(confidence, 0.3)
        words, reverse = _SIDES[cue.role]
        if cue.role == "receives" and anchor.kind == "capacity":  # "gets 1 GW of compute from NVIDIA": capacity comes in, money goes out
            words, reverse = "subject gets capacity and pays for it", False
        elif cue.role == "receives" and anchor.kind == "deal" and _kind(anchor, cue, text, lex)[0] not in ("equity", "loan"):
            words, reverse = "subject gets goods or services and pays for them", False  # 付费取得其芯片技术授权
        elif cue.role == "receives" and re.search(r"(?:以|for|at a cost of)\s*\S{0,3}$", text[max(0, anchor.start - 12):anchor.start]):
            words, reverse = "subject pays the amount for what it gets (以…获得, for $X)", False
        payer, payee = (obj, subject) if reverse else (subject, obj)
        why.insert(0, f"direction: '{cue.text}' ({words}): {payer.value} -> {payee.value}")
    if payer.value == payee.value:
        skips.append(Skip(anchor.text, "the payer and the payee are the same entity"))
        return None
    payers = [p for p in _group(ents, payer, text) if p.value != payee.value] if any(x is payer for x in ents) else [payer]
    if len(payers) >= 2 and not any("paired in order" in w for w in why):
        skips.append(Skip(anchor.text, f"a total shared by {len(payers)} payers ({', '.join(str(p.value) for p in payers)}), not one flow"))
        memory.payee = str(payee.value)
        return None
    kind, kind_why = _kind(anchor, cue, text, lex)
    why.append(kind_why)
    cap, cap_why = _cap(anchor, text, lex)
    if cap_why is None and parallel is not None and obj is parallel.object:
        prior = next((a for a, r in reversed(earlier) if r is parallel), None)
        if prior is not None and _cap(prior, text, lex)[1] is not None and prior.kind == anchor.kind:
            cap, prior_why = _cap(prior, text, lex)
            cap_why = f"{prior_why} in the clause before, read as covering this amount too"
    why.append(cap_why or "cap: exact (no word caps or rounds the amount)")
    unknown = [p.value for p in (payer, payee) if not p.known and not str(p.value).startswith("unnamed")]
    if unknown:
        why.append(f"not in the alias table: {', '.join(map(str, unknown))}")
        confidence -= 0.3 * len(unknown)
    if anchor.kind == "deal":
        why.append("no figure is stated: the amount stays unknown")
        confidence = min(confidence, 0.5)
    memory.payer, memory.payee = str(payer.value), str(payee.value)
    return Flow(str(payer.value), str(payee.value), anchor.value if anchor.kind == "money" else None,
                anchor.currency or "USD", cap, "committed", kind, anchor.value if anchor.kind == "capacity" else None, None, None,
                round(min(0.95, max(0.05, confidence)), 2), why)


def _kind(anchor: Mention, cue: Cue, text: str, lex: Lexicon) -> tuple[str, str]:
    if cue.kind:
        return cue.kind, f"kind: '{cue.text}'"
    words = [w for w in lex.find("kind", text) if not (anchor.start <= w.start and w.end <= anchor.end)]  # not "吉瓦" of "4.5吉瓦"
    if words:
        near = min(words, key=lambda w: min(abs(w.start - anchor.end), abs(anchor.start - w.end)))
        return near.group, f"kind: '{near.text}'"
    if anchor.kind == "capacity":
        return "compute", "kind: compute (a capacity in gigawatts)"
    return "other", "kind: other (no word says what was bought)"


def _cap(anchor: Mention, text: str, lex: Lexicon) -> tuple[str, str | None]:
    words = lex.find("cap", text)
    before = [w for w in words if w.end <= anchor.start and len(text[w.end:anchor.start].strip()) <= 2]
    after = [w for w in words if w.start >= anchor.end and not text[anchor.end:w.start].strip() and w.text in ("左右", "以上")]
    word = (before[-1] if before else None) or (after[0] if after else None)
    if word is None:
        return "exact", None
    if word.group == "floor":
        return "exact", f"cap: exact; '{word.text}' makes the amount a floor"
    return word.group, f"cap: '{word.text}'"


def _with_capacities(flows: list[Flow]) -> list[Flow]:
    """A capacity-only flow folded into the flow with an amount between the same parties (``$1.4 trillion for 30 GW``)."""
    out: list[Flow] = []
    for f in flows:
        if f.amount is None and f.gw is not None:
            twin = next((g for g in flows if g.amount is not None and g.gw is None and (g.source, g.target) == (f.source, f.target)), None)
            if twin is not None:
                twin.gw = f.gw
                twin.why.append(f"capacity: {f.gw:g} GW stated with the amount")
                continue
        out.append(f)
    return out
