"""Text processing for grading: sentence and clause units with spans, tokens, negation, term swaps."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import pysbd
import snowballstemmer

# A unit longer than this many words is split at clause boundaries.
MAX_UNIT_WORDS = 24
# Clause pieces shorter than this are merged back into their neighbour.
MIN_CLAUSE_WORDS = 4

_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*", re.UNICODE)
_CLAUSE_BREAK = re.compile(
    r"\s*(?:;|:\s|\s[-–—]\s|,\s*(?=(?:but|whereas|while|although|though|so|because|which|and then|however|yet)\b)"
    r"|\s(?=(?:whereas|while|although|but|however)\s))",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i
if in into is isn't it it's its itself just let's me more most mustn't my myself no nor not of off on once only
or other ought our ours ourselves out over own same she should shouldn't so some such than that that's the
their theirs them themselves then there there's these they this those through to too under until up very was
wasn't we were weren't what when where which while who whom why will with won't would wouldn't you your yours
yourself yourselves um uh like well really basically actually thing things something stuff kind sort yeah
okay ok yes yep sure think guess maybe perhaps probably i'm i'd i've i'll we're they're you're it'd
""".split())

# Negation cues, matched on whole tokens after splitting contractions.
NEGATION_CUES = frozenset("not no never none neither nor cannot nothing nobody nowhere hardly barely".split())
# How many words after a cue it negates (a simple scope, stopped by punctuation).
NEGATION_SCOPE = 5
_CONTRACTION_NEGATION = re.compile(r"n['’]t\b", re.IGNORECASE)
# "not only ... but also" and similar are not negations.
_NON_NEGATING = re.compile(r"\b(?:not only|no doubt|not just|no matter|nothing but|no longer than)\b", re.IGNORECASE)

# Sets of terms that are mutually exclusive in most technical statements:
# saying one where the key point says another flips its meaning.
CONTRAST_SETS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "l1 l2", "lasso ridge", "precision recall", "overfit underfit", "overfitting underfitting",
    "increase decrease", "increases decreases", "increasing decreasing", "increased decreased",
    "higher lower", "high low", "more less", "more fewer", "larger smaller", "large small",
    "maximize minimize", "maximum minimum", "max min", "before after", "first last",
    "sparse dense", "bias variance", "supervised unsupervised", "generative discriminative",
    "bagging boosting", "parallel sequential", "parallel sequentially", "independent dependent",
    "positive negative", "positives negatives",
    "type-i type-ii", "linear nonlinear", "linear non-linear", "convex non-convex", "rows columns",
    "left right", "always never", "all none", "faster slower", "cheaper expensive", "stable unstable",
    "deterministic random", "mean median", "sigmoid relu", "vanishing exploding", "inductive deductive",
    "parametric nonparametric", "parametric non-parametric", "classification regression",
    "synchronous asynchronous", "stateful stateless", "mutable immutable", "stack queue", "bfs dfs",
    "online offline", "batch streaming", "rise fall", "rises falls", "grow shrink", "grows shrinks",
    "add remove", "adds removes", "upper lower", "reduce raise", "reduces raises",
    "same different", "similar different", "equal unequal", "complete incomplete",
    "past future", "earlier later", "older newer", "majority minority", "underestimate overestimate",
    "optimistic pessimistic", "convex concave", "encoder decoder", "read write", "client server",
    "horizontal vertical", "local global", "shallow deep", "weak strong", "numerator denominator",
    "sensitivity specificity", "necessary sufficient", "ordered unordered",
    "sorted unsorted", "biased unbiased", "narrow wide", "lazy eager", "cp ap", "content-based collaborative",
    "underfit overfit", "underfits overfits", "fewer more", "slower faster", "smaller bigger",
    "lowers raises", "less more", "shorter longer", "cheap expensive", "sum product",
))

# Sentences addressed to the grader. An answer about prompt injection says "the attacker tells the model
# to ignore its previous instructions" or "the system prompt": those describe an attack and must be graded.
INSTRUCTION_PATTERNS = re.compile(
    r"^\W*(?:(?:please|now|so|grader|examiner|ai),?\s+)*(?:ignore|disregard|forget|override)\b.{0,40}"
    r"\b(?:instruction|rubric|rule|prompt|above|previous|grading|criteria)"
    r"|\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:the|your|this)\s+(?:rubric|grading|marking|scoring|grader)"
    r"|\b(?:give|award|assign|grant|score)\b.{0,30}\b(?:full|maximum|max|perfect|top|10|ten|100)\b.{0,15}\b(?:mark|point|score|credit|grade)s?"
    r"|\b(?:you are|act as|pretend)\b.{0,30}\b(?:grader|examiner|assistant|ai|model|system)\b"
    r"|\b(?:reveal|print|show|output|repeat)\b.{0,20}\byour\s+system prompt\b|\b(?:grade|rate|mark|score) (?:this|my|me)\b.{0,30}\b(?:as|with)\b.{0,20}\b(?:correct|perfect|full|10|100)"
    r"|\bthis answer (?:is|deserves)\b.{0,20}\b(?:perfect|correct|full marks|10)\b"
    r"|\bas an? (?:ai|language model|llm)\b",
    re.IGNORECASE | re.DOTALL,
)

DONT_KNOW_PATTERNS = re.compile(
    r"\b(?:i\s*(?:do\s*not|don['’]?t|dont)\s*know|idk|no idea|not sure|no clue|dunno|i\s*(?:have|had)\s*no\s*(?:idea|clue)"
    r"|(?:can['’]?t|cannot|don['’]?t)\s*remember|never heard|haven['’]?t heard|pass|skip|no comment|i give up"
    r"|not familiar|i forget|i forgot)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Unit:
    """A sentence or clause of an answer with its character span in the original text."""

    start: int
    end: int
    text: str


def clean(text: str) -> str:
    """Replace control and invisible characters with spaces, keeping every offset unchanged."""
    return _CONTROL.sub(" ", text)


# pysbd's Segmenter and snowball's stemmer keep the text they work on in the instance, so one shared
# instance mixes up simultaneous answers (Streamlit serves sessions in threads): one per thread.
_per_thread = threading.local()


def _segmenter() -> pysbd.Segmenter:
    if not hasattr(_per_thread, "segmenter"):
        _per_thread.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    return _per_thread.segmenter


def sentences(text: str) -> list[Unit]:
    """Sentences of text with exact character spans (pysbd), line breaks also ending a sentence."""
    units: list[Unit] = []
    for block in re.finditer(r"[^\n]+", text):
        offset = block.start()
        cursor = 0
        body = block.group()
        for piece in _segmenter().segment(body) if body.strip() else []:
            stripped = piece.strip()
            if not stripped:
                continue
            found = body.find(stripped, cursor)
            if found < 0:  # pysbd altered the text: fall back to the rest of the line
                found = cursor
                stripped = body[cursor:].strip()
            cursor = found + len(stripped)
            units.append(Unit(offset + found, offset + cursor, stripped))
            if cursor >= len(body):
                break
    return units


def clauses(unit: Unit) -> list[Unit]:
    """Split a long unit at clause boundaries; short units come back whole."""
    if len(unit.text.split()) <= MAX_UNIT_WORDS:
        return [unit]
    pieces: list[Unit] = []
    cursor = 0
    for match in _CLAUSE_BREAK.finditer(unit.text):
        pieces.append(Unit(unit.start + cursor, unit.start + match.start(), unit.text[cursor:match.start()]))
        cursor = match.end()
    pieces.append(Unit(unit.start + cursor, unit.end, unit.text[cursor:]))
    merged: list[Unit] = []
    for piece in pieces:
        if merged and (len(piece.text.split()) < MIN_CLAUSE_WORDS or len(merged[-1].text.split()) < MIN_CLAUSE_WORDS):
            last = merged.pop()
            piece = Unit(last.start, piece.end, unit.text[last.start - unit.start:piece.end - unit.start])
        if piece.text.strip():
            merged.append(piece)
    return merged or [unit]


def units(text: str) -> list[Unit]:
    """The grading units of an answer: its sentences, long ones split into clauses."""
    return [clause for sentence in sentences(text) for clause in clauses(sentence)]


def words(text: str) -> list[str]:
    """Lower-cased word tokens ("L1", "don't", "type-i" stay whole)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem: "vibrates" and "vibration" both give "vibrat"."""
    return _stemmer().stemWord(word)


def _stemmer():
    if not hasattr(_per_thread, "stemmer"):
        _per_thread.stemmer = snowballstemmer.stemmer("english")
    return _per_thread.stemmer


def content_terms(text: str) -> set[str]:
    """Stemmed content words: what two statements must share to be about the same thing."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def negated(text: str) -> bool:
    """Whether the text carries an odd number of negation cues (so its main claim is negated)."""
    body = _NON_NEGATING.sub(" ", text)
    count = len(_CONTRACTION_NEGATION.findall(body))
    count += sum(1 for w in words(_CONTRACTION_NEGATION.sub(" ", body)) if w in NEGATION_CUES)
    return count % 2 == 1


def negated_terms(text: str, corrective: bool = False) -> set[str]:
    """Stemmed content words inside the scope of a negation cue ("does not drive" -> {"drive"}).

    With ``corrective``, a clause that opens with the cue ("summed, not averaged") counts too.
    """
    body = _CONTRACTION_NEGATION.sub(" not", _NON_NEGATING.sub(" ", text))
    out: set[str] = set()
    for n, chunk in enumerate(re.split(r"[,;:.!?()]|\b(?:but|whereas|while|although|though)\b", body)):
        tokens = words(chunk)
        for i, token in enumerate(tokens):
            # "..., not their values" corrects a contrast rather than denying the claim; and a
            # negation inside a condition ("if you do not scale, ...") states no fact.
            if n > 0 and i == 0 and not corrective:
                continue
            if token in NEGATION_CUES and not CONDITIONALS & set(tokens[:i]):
                scope = tokens[i + 1:i + 1 + NEGATION_SCOPE]
                head = next((w for w in scope if w not in STOPWORDS), None)  # "not connected - a gap": connected
                if head:
                    out.add(stem(head))
                # "not the same" / "not higher": the negated word's opposite is asserted.
                out.update("~" + partner for w in scope for partner in opposites(w))
    return out


CONDITIONALS = frozenset({"if", "unless", "otherwise", "without", "whether"})


@functools.lru_cache(maxsize=4096)
def opposites(word: str) -> frozenset[str]:
    """The other members of every contrast set that contains the word."""
    return frozenset(w for group in CONTRAST_SETS if word in group for w in group - {word})


_IDENTIFIER = re.compile(
    r"(?<![\w.'’\-/])(?:\d{1,2}|[B-HJ-RUW-Zb-hj-ruw-z]|(?<=[a-z] )A"
    # "a" is a label, not an article, when no noun follows it: "bulb a and c", "bulbs b and a."
    # A full stop may end the sentence after a label ("terminal 2."); "1.5" is no label.
    # "4,096" and "39,000" are no labels either.
    r"|[aA](?=\s+(?:and|or|is|are|was|were|has|have|in|on|to)\b|\s*[,.;:)]|\s*$))(?![\w'’\-/]|\.\d|,\d{3}(?!\d))"
)


def identifiers(text: str) -> set[str]:
    """Small numbers and one-letter names ("bulb C", "terminal 4"): labels that must not be swapped."""
    return {m.group().lower() for m in _IDENTIFIER.finditer(text)}


_COMPARATIVES = {
    "higher": "high", "highest": "high", "lower": "low", "lowest": "low", "larger": "large", "largest": "large",
    "bigger": "large", "biggest": "large", "big": "large", "smaller": "small", "smallest": "small",
    "faster": "fast", "fastest": "fast", "slower": "slow", "slowest": "slow", "fewer": "less", "least": "less",
    "most": "more", "longer": "long", "shorter": "short", "overfitting": "overfit", "underfitting": "underfit",
    "overfits": "overfit", "underfits": "underfit", "maximum": "max", "maximize": "max", "minimum": "min",
    "minimize": "min", "ridge": "l2", "lasso": "l1",
}


def _lexeme(word: str) -> str:
    return _COMPARATIVES.get(word) or stem(word)


@functools.lru_cache(maxsize=1)
def _contrast_lexemes() -> tuple[frozenset[str], ...]:
    groups: dict[frozenset[str], None] = {}
    for group in CONTRAST_SETS:
        lexemes = frozenset(_lexeme(w) for w in group)
        if len(lexemes) > 1:
            groups.setdefault(lexemes, None)
    return tuple(groups)


def _sides(text: str) -> set[str]:
    """Contrast lexemes a text asserts; a negated one ("not the same") counts as its opposite."""
    body = _CONTRACTION_NEGATION.sub(" not", text)
    out: set[str] = set()
    for chunk in re.split(r"[,;:.!?()]", body):
        tokens = words(chunk)
        flip = False
        for token in tokens:
            if token in NEGATION_CUES:
                flip = True  # flips the next content word only: "not the same" -> different
                continue
            if token in STOPWORDS:
                continue
            lex = _lexeme(token)
            for group in _contrast_lexemes():
                if lex in group:
                    out.update(group - {lex} if flip else {lex})
            flip = False
    return out


# "the longer the sequence, the less ...": two swapped contrasts in one of these say the same thing.
_CORRELATIVE = re.compile(r"\bthe\s+(?:more|less|fewer|\w+er)\b[^.;]*?\bthe\s+(?:more|less|fewer|\w+er)\b", re.I)


def swapped_terms(reference: str | Sequence[str], candidate: str, cancel: bool = True) -> tuple[str, str] | None:
    """A contrast term the reference uses and the candidate replaced by its opposite.

    Two swaps can cancel ("the shorter, the more" said as "the longer, the less"), so only an odd
    number of swapped contrasts counts. With ``cancel=False`` they cancel only in a comparative
    correlative like that one, and elsewhere every swap counts ("faster and cheaper" against "slower
    and more expensive"): the stricter reading, for telling a sentence from a misconception.
    """
    phrasings = [reference] if isinstance(reference, str) else list(reference)
    ref = set().union(*(_sides(p) for p in phrasings))
    cand = _sides(candidate)
    swaps = []
    for group in _contrast_lexemes():
        said, used = ref & group, cand & group
        if said and used and not (said & used):
            swaps.append((sorted(said)[0], sorted(used)[0]))
    if len(swaps) % 2 == 0 and (cancel or _CORRELATIVE.search(candidate)):
        return None
    return swaps[0] if swaps else None


def is_instruction(text: str) -> bool:
    """Whether a sentence addresses the grader instead of the question."""
    return bool(INSTRUCTION_PATTERNS.search(text))


def says_dont_know(text: str) -> bool:
    """Whether the text is essentially "I don't know" (the cue plus almost nothing else)."""
    if not DONT_KNOW_PATTERNS.search(text):
        return False
    rest = DONT_KNOW_PATTERNS.sub(" ", text)
    return len(content_terms(rest)) < 4


def latin_share(text: str) -> float:
    """The share of letters in the text that are Latin, for telling English from other scripts."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters)


# A sentence that names a wrong idea in order to reject it ("a common mistake is to think X",
# "this doesn't mean X") does not assert X, however close its words are to X.
_REJECTION = re.compile(
    r"\b(?:common|frequent|classic|typical|popular|usual|big|frequently\s+made)\s+(?:misconception|mistake|error|myth|"
    r"pitfall|trap|misunderstanding|confusion|misreading|misinterpretation)s?\b"
    r"|\bmisconception|\bmyth\b|\bfallacy\b"
    r"|\b(?:some|many|most|a\s+lot\s+of)\s+(?:people|candidates|folks|beginners|juniors|newcomers)\b"
    r"|\b(?:people|candidates|folks|beginners|juniors|newcomers)\s+(?:\w+\s+){0,2}?(?:think|assume|believe|say|"
    r"claim|expect|confuse|mix|lump|suggest|conflate|often|sometimes|tend|usually|forget|describe|call|picture|"
    r"imagine|treat|read|interpret|explain)\w*\b"
    r"|\b(?:many|some|others|everyone|teams)\s+(?:\w+\s+){0,2}?"
    r"(?:think|thinks|assume|assumes|believe|believes|say|says|claim|claims|expect|confuse|mix\s+up|get\s+wrong)\b"
    r"|\btrips?\s+\w+\s+up\b|\bpush\s+back\b|\byou'?ll\s+(?:often\s+|sometimes\s+|also\s+)?hear\b"
    r"|\bi\s+(?:often\s+|sometimes\s+)?hear\b|\bdisagree\b|\b(?:wary|sceptical|skeptical|suspicious)\s+of\b"
    r"|\bmisread\w*|\bmisinterpret\w*|\bmisunderst\w*|\bthe\s+view\s+that\b"
    r"|\b(?:is|are)\s+(?:sometimes|often)\s+(?:described|said|claimed|presented|taught|told)\b"
    r"|\bsometimes\s+(?:described|said|claimed)\b"
    r"|\b(?:it'?s|it\s+is|that'?s|that\s+is|is|was)\s+(?:a\s+|an\s+)?(?:\w+\s+)?(?:mistake|wrong|false|untrue|incorrect|"
    r"not\s+true|not\s+correct|not\s+right|not\s+the\s+case|a\s+trap)\b"
    r"|\b(?:doesn'?t|does\s+not|don'?t|do\s+not|didn'?t|did\s+not|won'?t|will\s+not)\s+(?:\w+\s+)?"
    r"(?:mean|prove|imply|guarantee)\b"
    r"|\bnot\s+(?:true|the\s+case|correct|right)\s+that\b|\bisn'?t\s+(?:true|the\s+case|right|correct)\b"
    r"|\bcontrary\s+to\b|\btempting\s+to\b|\bwrongly\b|\bmistakenly\b|\berroneously\b|\bnaive(?:ly)?\s+(?:view|idea|reading)"
    r"|\b(?:avoid|never|don'?t|do\s+not)\s+(?:\w+\s+)?(?:assum|think|believ|conclud)\w*"
    # reported speech: "there's a belief that ...", "someone might argue ...", "a claim you hear is ..."
    r"|\bthere'?s\s+(?:a|an|this)\s+(?:\w+\s+)?(?:belief|claim|idea|notion|myth|view|assumption|misconception)\b"
    r"|\b(?:someone|somebody|people|others|folks|colleagues?|a\s+colleague|candidates|the\s+team)\s+(?:\w+\s+){0,2}?"
    r"(?:might|may|could|would|will|once|often|sometimes|usually|will\s+often)\s+(?:\w+\s+)?"
    r"(?:say|argue|claim|tell|told|suggest|think|assume|believe|describe|insist|object|point\s+out)\w*\b"
    r"|\b(?:someone|somebody|a\s+colleague|people)\s+(?:once\s+)?(?:told|argued|claimed|suggested|insisted)\b"
    r"|\b(?:i'?ve|i\s+have|we'?ve|you'?ve)\s+(?:often\s+|also\s+)?(?:heard|seen|read)\s+(?:people|someone|it|candidates|"
    r"teams|claims?|the\s+(?:claim|idea|argument))\b"
    r"|\b(?:a|one|the|another)\s+(?:\w+\s+)?(?:claim|belief|mistake|trap|myth|error|pitfall|idea|argument|approach|"
    r"assumption|statement|thing)\s+(?:that\s+)?(?:you'?ve|you|i'?ve|i|people|we'?ve|we|teams|candidates)\s+(?:\w+\s+)?"
    r"(?:hear|heard|see|seen|avoid|make|made|get\s+wrong|fall\s+for|run\s+into)\b"
    r"|\b(?:a|the|one)\s+(?:common\s+|classic\s+|big\s+)?(?:trap|pitfall|mistake|myth)\s+(?:is|here\s+is)\b"
    r"|\b(?:it'?s|it\s+is)\s+(?:often|commonly|sometimes|widely|frequently)\s+(?:said|claimed|believed|assumed|thought|argued)\b"
    r"|\b(?:a|the)\s+(?:common|popular|widespread|naive|tempting)\s+(?:belief|view|idea|assumption|claim|statement|"
    r"thought|conclusion|intuition|reading)\b"
    r"|\btempting\s+(?:statement|idea|claim|thought|conclusion|assumption|shortcut)\b"
    r"|\b(?:get|gets|got|have|has)\s+(?:it\s+|this\s+|that\s+)?backwards?\b|\bthe\s+wrong\s+way\s+round\b"
    r"|\bi'?d\s+(?:\w+\s+)?avoid\b|\bi\s+would\s+(?:\w+\s+)?avoid\b",
    re.IGNORECASE,
)
# A sentence that retracts the one before it: "That's wrong.", "But that's a myth", "Not true, though."
_RETRACTION = re.compile(
    r"^\W*(?:but\s+|and\s+|actually,?\s+|in\s+fact,?\s+)?(?:(?:that|this|it)(?:'s|\s+is|\s+was)\s+(?:\w+\s+)?"
    r"(?:wrong|false|untrue|not\s+true|not\s+right|not\s+correct|incorrect|a\s+myth|a\s+mistake|backwards|"
    r"misleading|not\s+the\s+case|a\s+misconception|a\s+trap)|not\s+true|wrong|nope)\b",
    re.IGNORECASE,
)


def rejects(text: str) -> bool:
    """Whether a sentence names an idea in order to reject it rather than to assert it."""
    return bool(_REJECTION.search(text.replace("’", "'")))


def sentence_of(text: str, units_: Sequence[Unit]) -> tuple[str, ...]:
    """For each unit, the text of the sentence it belongs to (the unit itself when it is a whole sentence)."""
    spans = sentences(text)
    out = []
    for u in units_:
        home = next((s for s in spans if s.start <= u.start < s.end), None)
        out.append(home.text if home is not None else u.text)
    return tuple(out)


def rejected_in_context(text: str, units_: Sequence[Unit]) -> frozenset[int]:
    """The start offsets of units that name an idea to reject it, read in their context.

    A clause counts when its sentence rejects anything ("People assume inserts are O(1), so lists
    beat arrays": the second clause is the idea rejected) or when the next sentence retracts it
    ("Lists beat arrays for inserts. That's a myth."). A question asserts nothing ("Is groupByKey
    cheaper than reduceByKey? No: ...").
    """
    found: set[int] = set()
    spans = sentences(text)
    for n, sentence in enumerate(spans):
        follows = spans[n + 1].text.replace("’", "'") if n + 1 < len(spans) else ""
        if rejects(sentence.text) or _RETRACTION.search(follows) or sentence.text.rstrip().endswith("?"):
            found.update(u.start for u in units_ if sentence.start <= u.start < sentence.end)
    return frozenset(found)


_BRITISH = re.compile(
    r"\b(quant|normal|regular|optim|general|minim|maxim|token|vector|standard|initial|parameter|summar|categor|"
    r"visual|personal|priorit|recogn|util|serial|parallel|random|synchron|special|real|organ|penal|stabil|final|"
    r"custom|memor|central|discret|binar|capital|character|local|global|lemmat|anonym|neutral|harmon|factor|"
    r"tensor|emphas|author|moder|modern|democrat|operational|industrial|hospital|monet|digit|sanit|legal|"
    r"rational|virtual|econom|critic|apolog|sympath|internal)"
    r"is(e|es|ed|ing|ation|ations|er|ers)\b",
    re.IGNORECASE,
)


def americanise(text: str) -> str:
    """British -ise/-isation spellings as -ize/-ization, same length, so every character offset still holds."""
    def swap(m: re.Match) -> str:
        word, cut = m.group(0), len(m.group(1)) + 1  # the "s" after the stem's "i"
        return word[:cut] + ("Z" if word[cut].isupper() else "z") + word[cut + 1:]

    out = _BRITISH.sub(swap, text)
    assert len(out) == len(text)
    return out
