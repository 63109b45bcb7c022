"""Find killed / injured counts in one sentence and sum them per event.

A count is NUMBER (+ a few modifier words) + VICTIM noun, classed by the verb right after it
("95 people died") or right before it ("killing 3 soldiers"). A count with no verb of its own
joined to the previous one by "and" inherits its kind ("3 soldiers and 2 civilians"); one
introduced by "including" is a subset of the previous one and is never added to it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from pipeline.extract.lexicon import CasualtyLexicon, PrefixedPattern
from pipeline.models import Casualty

_DIGITS = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+(?:\.\d+)?$")
_YEARISH = re.compile(r"^(?:19|20)\d\d$")
_SKIP_AFTER = re.compile(r"\s*(?:-?years?[- ]old|years?\b|yrs?\b|km\b|kilomet|miles?\b|metres|meters|%|per ?cent|a\.m|p\.m|am\b|pm\b|hours?\b|minutes?\b|days?\b|weeks?\b|months?\b|mm\b|kg\b|times\b|th\b|st\b|nd\b|rd\b|:)", re.I)
_AGE_APPOSITION = re.compile(r"[A-Za-z)]\s*,\s*(?:(?:then|now|aged?)\s+)?$", re.I)
_FAMILY_SIZE = re.compile(r"\b(?:mother|father|mom|dad|parent|grandmother|grandfather)\s+of\s+$", re.I)
_AGE_BEFORE = re.compile(r"\b(?:ages?|aged)(?:\s+of)?\s*$", re.I)  # "killed at age 23", "under the age of 12"
_AGE_FAMILY_LAST = ("age", "ages", "aged", "of")  # the words _AGE_BEFORE and _FAMILY_SIZE end with
# "including" names a subset of victims only after a killing: "three suspects, including two teens, were charged".
_DEAD_NOUN = re.compile(r"\s*(?:dead|bodies|body(?! ?(?:cam(?:era)?s?|armou?r|shops?|work|wash|language|guards?|spray|parts)\b)|corpses?)\b", re.I)
_POSSESSIVE = re.compile(r"\b(?:his|her|their|its)\s+$", re.I)  # "killing his five children"
_POSSESSIVE_LONGEST = 5  # "their": a possessive ending a text starts this near its last letter at most
# "killing his five children as well as his wife": one more victim joined to a count.
_JOINED_KIN = re.compile(
    r"\s*,?\s*(?:as well as|and|along with)\s+(?P<kin>(?:his|her|their)\s+(?:wife|husband|girlfriend|boyfriend|fianc[eé]e?|partner|"
    r"mother|father|son|daughter|stepson|stepdaughter|brother|sister|grandmother|grandfather|mother-in-law|father-in-law))\b",
    re.I,
)
_JOINED_NAME = re.compile(
    r"\s*,?\s*(?:was\s+|were\s+)?(?:(?:shot and )?killed\s+|fatally shot\s+|shot to death\s+)?[Aa]long with\s+"
    r"(?P<kin>(?:\d{1,2}-year-old\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3})"
)  # "Felix Cont, 29, was killed along with Hector Corp"
# Every singular-death pattern needs one of these: most cued sentences ("was shot in the leg") have none.
# Prefix-indexed: a plain IGNORECASE alternation tries every branch at every position.
_DEATH_WORD = PrefixedPattern(re.compile(r"kill|dead|died|dies|slain|slaying|murder|death|fatal|behead|execut|gunned|lynch|homicide|assassinat|body", re.I))
_SUICIDE_TOLD = PrefixedPattern(re.compile(r"\bsuicide\b", re.I))  # "three dead in a murder-suicide": the toll holds the shooter
_ACTIVE_SINGULAR = re.compile(r"(?:killing|killed|fatally|shot|shooting|murder|assassinat|behead|lynch|resulting|leading|led|caused)", re.I)
_KILL_CUE = re.compile(r"kill|dead|died|death|fatal|murder(?:ed|ing)|slain|lives|massacr|execut|behead", re.I)
# "left one person with minor injuries", "left a man in critical condition": wounded, not dead.
_LEFT_WOUNDED = re.compile(r"\s*(?:with|in)\b[^.;]{0,40}?\b(?:injur|wound|condition|hospital)", re.I)
# An object right after the verb makes the count its subject, not its victim ("gunmen killed a man").
_ACTIVE_OBJECT = re.compile(r"\s+(?:a|an|the|one|two|three|four|five|six|seven|eight|nine|ten|\d+|his|her|their|several|dozens|scores)\b", re.I)
_SHOT_AT = re.compile(r"\s+(?:at|towards|upon)\b", re.I)
_UNKNOWN_HEAD_VERB = re.compile(r" (were|was|have been|has been|had been|got) ", re.I)
_INCLUDING_CLAUSE = re.compile(r"^\s*,?\s*(?:including|among them)\s+[^,.;]{1,50}?,?(?=\s+(?:were|was|have been|has been|had been)\s)", re.I)
_AND_JOIN = re.compile(r"^\s*(?:,\s*(?:and\s+)?|and\s+|as well as\s+|plus\s+)$", re.I)
_AUXILIARY = re.compile(r"\b(?:were|was|are|is|been|being|got|have|has|had|be)\b", re.I)
_RELATIVE = re.compile(r"^\s*(?:,\s*)?(?:who|that|which)?\s*")
# "a 30-year-old man, who was later identified as John Doe, was shot and killed": the verb after the aside.
_APPOSITION = re.compile(
    r"\s*,\s*(?:who|whom|later identified|identified|an?|one of|\d{1,2})\b[^,;.]{0,80}?,(?=\s+(?:was|were|has|have|had|is|are)\s)", re.I
)
_JOIN = re.compile(r"^[\s,;]*(?:and|as well as|plus|along with|,)?[\s,]*(?:another|other|a further)?\s*$", re.I)
# Compiled once here rather than looked up in re's cache on every call.
_SPACES = re.compile(r"\s+")
_NUMBER_PARTS = re.compile(r"[\s-]+")
_ZERO_INJURY = re.compile(r"injur|wound|hurt|casualt", re.I)  # "no one was hurt" also zeroes the injured
# What must stand before an article count ("killing a soldier") for the verb before it to count.
_ARTICLE_CUE = re.compile(r"\b(?:kill|shot|murder|execut|behead|stabb|wound|injur|bod(?:y|ies) of)", re.I)


class _Count(NamedTuple):  # a tuple: built for every count read, most then dropped
    low: int | None
    high: int | None
    qualifier: str
    vague_term: str | None


def parse_number(words: str, lex: CasualtyLexicon) -> int | None:
    """Value of a number written in digits or words ("1,700", "ninety-five", "two dozen")."""
    if words.isdecimal():
        return int(float(words))  # the common case, "3": what the steps below make of it
    w = _SPACES.sub(" ", words.strip().lower())
    if not w:
        return None
    if _DIGITS.match(w):
        return int(float(w.replace(",", "")))
    parts = w.split(" ")
    if _DIGITS.match(parts[0]) and len(parts) == 2 and parts[1] in lex.scales:
        return int(float(parts[0].replace(",", "")) * lex.scales[parts[1]])
    if w in lex.word_values and not (w in lex.scales and w != "dozen"):
        return lex.word_values[w]
    total = 0
    current = 0
    for token in _NUMBER_PARTS.split(w):
        if token in lex.units:
            current += lex.units[token]
        elif token in lex.tens:
            current += lex.tens[token]
        elif token in lex.scales:
            current = max(current, 1) * lex.scales[token]
            if lex.scales[token] >= 1000:
                total += current
                current = 0
        elif token in ("a", "and"):
            continue
        else:
            return None
    return total + current


def _parse_count(m: re.Match[str], lex: CasualtyLexicon) -> _Count | None:
    qual, lo, lo2, vague, num = m.group("qual", "lo", "lo2", "vague", "num")  # one call: read for every count
    qualifier = lex.qualifier_of.get(_SPACES.sub(" ", qual.lower()), "exact") if qual else "exact"
    if lo or lo2:
        low = parse_number(lo or lo2, lex)
        high = parse_number(m.group("hi") or m.group("hi2"), lex)
        if low is not None and high is not None and high > low:
            return _Count(low, high, "range", None)
        # "ninety-five" also reads as a range "ninety to five": take it as one number.
        value = parse_number(m.group(0)[len(qual or "") :], lex)
        return _Count(value, value, qualifier, None) if value is not None else None
    if vague:
        term = _SPACES.sub(" ", vague.lower())
        value = lex.vague_counts.get(term)
        if value is None:
            return _Count(None, None, "vague", term)
        return _Count(value, value, "at_least", term)
    value = parse_number(num, lex)
    if value is None:
        return None
    return _Count(value, value, qualifier, None)


def _age_or_family(sentence: str, start: int) -> bool:
    """Whether the count at ``start`` is an age ("killed at age 23") or a family's size ("a mother
    of three"). Both phrases end right before the count, so the word there rules out nearly every
    count at once, where the regexes would be tried at every position of the window."""
    last = sentence[max(0, start - 30) : start].rstrip().casefold()  # casefold: re.I also reads "ſ" as "s"
    if not last.endswith(_AGE_FAMILY_LAST):
        return False
    return bool(_AGE_BEFORE.search(sentence, max(0, start - 20), start) or _FAMILY_SIZE.search(sentence, max(0, start - 30), start))


def _victim_after(s: str, pos: int, lex: CasualtyLexicon) -> tuple[str, int] | None:
    """Victim group and end offset when a victim noun follows within four modifier words."""
    i = pos
    for _ in range(5):
        while i < len(s) and s[i] in " \t\"'“”":
            i += 1
        vm = lex.victim_re.match(s, i)
        if vm:
            # The victim groups are the pattern's outer named groups: the one that matched closes last.
            name = vm.lastgroup or next(g for g, v in vm.groupdict().items() if v)
            return name[2:], _noun_phrase_end(s, vm.end(), lex)
        end = _modifier_end(s, i, lex)
        if end is None:
            return None
        i = end
    return None


def _modifier_end(s: str, i: int, lex: CasualtyLexicon) -> int | None:
    """End of the modifier word at ``i`` ("armed", "30-year-old"), or None when there is none or it
    is a stop word or closes a clause ("police.", "men,"): no victim phrase reaches past it."""
    wm = lex.modifier_re.match(s, i)
    if wm is None:
        return None
    word = wm.group()
    # The word starts with a letter or digit, so its only "." or "," is a trailing one.
    if word.endswith((",", ".")) or word.lower() in lex.modifier_stop:
        return None
    return wm.end()


def _unknown_head(s: str, pos: int, lex: CasualtyLexicon, count: int | None) -> tuple[str, int] | None:
    """A count whose head noun is not in the victim lexicon ("3 Fulani", "2 NDS members"): one or
    two plain words, then a passive kill or injury verb, make it a count of unspecified victims."""
    i = pos
    for _ in range(2):
        while s.startswith(" ", i):
            i += 1
        end = _modifier_end(s, i, lex)
        if end is None:
            return None
        i = end
        after = s[i : i + 80]
        aux = _UNKNOWN_HEAD_VERB.match(after)
        # The verb agrees with the count: "a man wielding two guns was shot" is not two victims.
        if aux and (count is None or (count == 1) == (aux.group(1).lower() in ("was", "has been"))):
            verb = lex.kill_after_re.match(after, 1) or lex.injure_after_re.match(after, 1)
            # "2 rifles were found", "5 patients were treated": only a killing or wounding verb names victims.
            if verb and not verb.group(0).lower().endswith(("found", "treated")):
                return "unspecified", i
    return None


def _noun_phrase_end(s: str, end: int, lex: CasualtyLexicon) -> int:
    """Where a victim phrase really ends: "civilian health worker was killed" names its verb after
    "worker", not after "civilian", so a later victim noun within two words extends the phrase."""
    j = end
    for _ in range(2):
        while j < len(s) and s[j] in " \t":
            j += 1
        nm = lex.victim_re.match(s, j)
        if nm:
            end = j = nm.end()
            continue
        word_end = _modifier_end(s, j, lex)
        if word_end is None:
            break
        j = word_end
    return end


def find_casualties(sentence: str, offset: int, lex: CasualtyLexicon, *, cued: bool = False) -> list[Casualty]:
    """Every casualty count in ``sentence`` (offsets shifted by ``offset`` into the article);
    ``cued`` says the caller already found a casualty cue word in it."""
    if not cued and not lex.cue_re.search(sentence):
        return []
    out: list[Casualty] = []
    blocked: list[tuple[int, int]] = []
    for m in lex.fraction_re.finditer(sentence):
        blocked.append(m.span())
        out.append(_casualty("killed", None, None, "vague", "unspecified", m, offset, "cas.fraction", fraction=True))
    for m in lex.zero_re.finditer(sentence):
        blocked.append(m.span())
        out.append(_casualty("killed", 0, 0, "exact", "unspecified", m, offset, "cas.zero"))
        if _ZERO_INJURY.search(m.group(0)):
            out.append(_casualty("injured", 0, 0, "exact", "unspecified", m, offset, "cas.zero"))
    running: bool | None = None  # looked up only once a count is found: most cue sentences have none
    prev: Casualty | None = None
    prev_end = 0
    pending: list[tuple[re.Match[str], _Count, str, int]] = []  # counts waiting for a verb
    for m in lex.count_re.finditer(sentence):
        start, end = m.span()
        if blocked and any(a <= start < b for a, b in blocked):
            continue
        raw = (m.group("num") or "").strip()
        if _YEARISH.match(raw) or _SKIP_AFTER.match(sentence, end):
            continue
        if sentence.startswith(",", end) and _AGE_APPOSITION.search(sentence, 0, start):
            continue  # "Demarcus Spencer, 40, was killed", "Carlos, then 18, was shot": an age, not a toll
        # Most matches are the article "a"/"an" before an ordinary noun: rule them out first.
        is_article = raw.lower() in ("a", "an", "single", "lone", "both")
        victim = _victim_after(sentence, end, lex)
        if is_article and victim is None:
            continue
        if _age_or_family(sentence, start):
            continue  # "under the age of 12", "a mother of three"
        count = _parse_count(m, lex)
        if count is None:
            continue
        if victim is None and not is_article:
            victim = _unknown_head(sentence, end, lex, parse_number(raw, lex))  # "3 Fulani were killed"
        group, vend = victim if victim else ("unspecified", end)
        after = sentence[vend : vend + 80]
        after = _RELATIVE.sub(" ", after)
        after = _INCLUDING_CLAUSE.sub(" ", after)  # "5 people, including 2 children, were killed"
        before = sentence[max(prev_end, start - 60) : start]
        kind, rule = _classify(after, before, group, sentence, m, lex)
        if kind is None and victim is not None:
            aside = _APPOSITION.match(sentence, vend)
            if aside:
                kind, rule = _classify(sentence[aside.end() : aside.end() + 80], before, group, sentence, m, lex)
        subset = False
        if rule == "cas.before" and prev is not None and lex.subset_re.search(sentence[prev_end:start]):
            # "5 civilians were wounded, including two children": the subset shares its total's kind.
            kind, rule = prev.kind, "cas.subset"
        if kind is None and prev is not None and victim is not None:
            gap = sentence[prev_end:start]
            if lex.subset_re.search(gap) and len(gap) < 40:
                kind, rule, subset = prev.kind, "cas.subset", True
            elif _JOIN.match(gap):
                kind, rule, subset = prev.kind, "cas.joined", is_subset(prev)
        elif kind is not None and prev is not None and prev.kind == kind:
            gap = sentence[prev_end:start]
            # "including one officer and four soldiers": the list after "including" stays a subset.
            subset = (bool(lex.subset_re.search(gap)) and len(gap) < 40) or (is_subset(prev) and bool(_JOIN.match(gap)))
        if kind is None:
            # "12 militants and 3 guards were killed": the first count waits for the verb of the next.
            if victim is None or is_article:
                pending = []
            elif pending and _AND_JOIN.match(sentence[pending[-1][3] : start]):
                pending.append((m, count, group, vend))  # "3 policemen, 2 guards, and 1 soldier were killed"
            else:
                pending = [(m, count, group, vend)]
            continue
        if is_article and rule == "cas.before" and not _ARTICLE_CUE.search(before):
            continue
        if running is None:
            running = lex.running_re.search(sentence) is not None
        if pending and rule == "cas.after" and _AND_JOIN.match(sentence[pending[-1][3] : start]):
            for pm, pcount, pgroup, pend in pending:
                out.append(
                    Casualty(
                        kind=kind, count_low=pcount.low, count_high=pcount.high, qualifier=pcount.qualifier,
                        victim_group=pgroup, start=offset + pm.start(), end=offset + pend, text=sentence[pm.start() : pend],
                        rule="cas.joined" + (".subset" if subset else ""), is_running_total=running,
                        vague_term=pcount.vague_term,
                    )
                )
        pending = []
        c = Casualty(
            kind=kind,
            count_low=count.low,
            count_high=count.high,
            qualifier=count.qualifier,
            victim_group=group,
            start=offset + start,
            end=offset + vend,
            text=sentence[start:vend],
            rule=rule + (".subset" if subset and not rule.endswith("subset") else ""),
            is_running_total=running and rule != "cas.summary",
            vague_term=count.vague_term,
        )
        out.append(c)
        prev, prev_end = c, vend
    if any(c.kind == "killed" and c.count_low for c in out):
        for st in lex.statistic_re.finditer(sentence):  # "since 2007, when 28 were killed"
            out = [c for c in out if not (c.start - offset < st.end() and st.start() < c.end - offset)]
    suicide = lex.suicide_re.search(sentence)
    for c in [c for c in out if c.kind == "killed" and c.count_low and not is_subset(c) and c.rule != "cas.zero"][-1:]:
        kin = _JOINED_KIN.match(sentence, c.end - offset) or _JOINED_NAME.match(sentence, c.end - offset)
        if kin:
            out.append(
                Casualty(
                    kind="killed", count_low=1, count_high=1, qualifier="exact", victim_group="unspecified",
                    start=offset + kin.start("kin"), end=offset + kin.end("kin"), text=kin.group("kin"), rule="cas.joined",
                )
            )
    if not any(c.kind == "killed" and c.count_low for c in out) and _DEATH_WORD.search(sentence):
        found: re.Match[str] | None = None
        pos = 0
        # Overlapping matches: a headline-like single victim may hide two named ones inside it.
        while (m := lex.singular_killed_re.search(sentence, pos)) is not None:
            pos = m.start() + 1
            if any(a < m.end() and m.start() < b for a, b in blocked):
                continue  # "no one was killed"
            if suicide and not _ACTIVE_SINGULAR.match(m.group(0)):
                continue  # "he then shot himself and was pronounced dead": the shooter, counted below
            if found is None or m.group("pair"):
                found = m
            if m.group("pair"):
                break  # two named victims, "both", "a double homicide"
        if found is not None:
            n = 2 if found.group("pair") else 1
            out.append(_casualty("killed", n, n, "exact", "unspecified", found, offset, "cas.singular"))
    if suicide and not any(a < suicide.end() and suicide.start() < b for a, b in blocked):
        out.append(_casualty("killed", 1, 1, "exact", "unspecified", suicide, offset, "cas.suicide"))
    if any(c.kind == "killed" and c.rule != "cas.suicide" for c in out) and _SUICIDE_TOLD.search(sentence):
        out = [replace(c, rule=c.rule + ".suicide_told") if c.kind == "killed" and c.rule != "cas.suicide" else c for c in out]
    if not any(c.kind == "injured" and c.count_low for c in out):
        for m in lex.singular_injured_re.finditer(sentence):
            out.append(_casualty("injured", 1, 1, "exact", "unspecified", m, offset, "cas.singular"))
            break
    return out


def _classify(
    after: str, before: str, group: str, sentence: str, m: re.Match[str], lex: CasualtyLexicon
) -> tuple[str | None, str]:
    before = _drop_possessive(before)
    ka = lex.kill_after_re.match(after)
    if lex.summary_re.search(before) or (lex.summary_after_re.match(after) and not ka):
        return "killed", "cas.summary"
    if ka and _ACTIVE_OBJECT.match(after, ka.end()) and not _AUXILIARY.search(ka.group(0)):
        return None, ""  # "gunmen shot and killed a fighter": the gunmen did the killing
    if ka:  # "was shot and killed" also starts like an injury; death wins
        return "killed", "cas.after"
    ia = lex.injure_after_re.match(after)
    if ia and not _AUXILIARY.search(ia.group(0)) and (_ACTIVE_OBJECT.match(after, ia.end()) or _SHOT_AT.match(after, ia.end())):
        return None, ""  # "a policeman shot and injured a driver", "gunmen shot at a bus": the shooters
    if ia:
        return "injured", "cas.after"
    if group == "unspecified" and _DEAD_NOUN.match(sentence, m.end()):
        return "killed", "cas.noun"
    kb = lex.kill_before_re.search(before)
    if kb:
        if kb.group(0).lower().startswith("including") and not _KILL_CUE.search(before, 0, kb.start()):
            return None, ""
        if kb.group(0).lower().startswith(("left", "leaving")) and _LEFT_WOUNDED.match(after):
            return "injured", "cas.before"
        return "killed", "cas.before"
    if lex.injure_before_re.search(before):
        return "injured", "cas.before"
    return None, ""


def _drop_possessive(before: str) -> str:
    """``before`` without the possessive that ends it ("killing his" + "five children"), as
    ``_POSSESSIVE.sub("", before)`` gives it: the regex is tried only where the word can start."""
    owner = _POSSESSIVE.search(before, max(0, len(before.rstrip()) - _POSSESSIVE_LONGEST))
    return before if owner is None else before[: owner.start()]


def _casualty(
    kind: str, low: int | None, high: int | None, qualifier: str, group: str, m: re.Match[str], offset: int, rule: str,
    *, fraction: bool = False,
) -> Casualty:
    return Casualty(
        kind=kind, count_low=low, count_high=high, qualifier=qualifier, victim_group=group,
        start=offset + m.start(), end=offset + m.end(), text=m.group(0), rule=rule, is_fraction=fraction,
    )


def is_subset(c: Casualty) -> bool:
    return ".subset" in c.rule or c.rule.startswith("cas.subset")


def total(by_sentence: list[list[Casualty]], kind: str) -> tuple[int | None, int | None]:
    """Conservative and high totals of ``kind`` for one event, from its casualties per sentence.

    Counts in one sentence add up unless one is a subset of another; different sentences
    usually restate the same toll, so across sentences (and running totals) the largest wins.
    A summary line ("2 fatalities", "fatalities coded as 0") overrides everything.
    """
    rows = [[c for c in group if c.kind == kind and not c.is_fraction] for group in by_sentence]
    summaries = [c for group in rows for c in group if c.rule == "cas.summary" and c.count_low is not None]
    if summaries:
        return summaries[-1].count_low, summaries[-1].count_high
    best: tuple[int, int] | None = None
    best_group: list[Casualty] = []
    for group in rows:
        counted = [c for c in group if c.count_low is not None]
        if not counted:
            continue
        main = [c for c in counted if not is_subset(c)] or counted[:1]
        low = sum(c.count_low or 0 for c in main)
        high = sum(c.count_high if c.count_high is not None else (c.count_low or 0) for c in main)
        if best is None or (low, high) > best:
            best, best_group = (low, high), main
    if best and kind == "killed" and _shooter_apart(rows, best_group):
        best = (best[0] + 1, best[1] + 1)
    return best if best else (None, None)


def _shooter_apart(rows: list[list[Casualty]], best_group: list[Casualty]) -> bool:
    """Whether the shooter's suicide, told in another sentence, is one more death than the toll:
    the toll counts victims by number ("killing his five children") and says nothing of a suicide."""
    if not any(c.rule == "cas.suicide" for group in rows for c in group):
        return False
    return all(c.rule.startswith(("cas.after", "cas.before", "cas.joined", "cas.noun")) for c in best_group) and not any(
        c.rule.endswith("suicide_told") or c.rule == "cas.suicide" for c in best_group
    )
