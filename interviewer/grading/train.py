"""Train the verifier: pairs from the bank, generated perturbations, SemEval labels, answer-suite-2's tune half.

Every example is (statement, unit, allowed labels). Most have one allowed label; some only rule one
out: a sentence of a correct answer never contradicts a key point and never asserts a misconception,
but whether it states the point is unknown, so it may be "entails" or "neutral". The loss is the
negative log of the probability mass on the allowed labels.

Only tune halves are used (questions split by the same hash as ``interviewer eval``), so the
holdout halves stay honest. Reproduce with ``interviewer train-verifier``.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from interviewer.bank import Bank, Rubric
from interviewer.grading import text as tx
from interviewer.grading.evaluate import in_split
from interviewer.grading.verifier import (ADAPTER_FILE, CONFIG_FILE, CONTRADICTS, ENTAILS, LABELS, NEUTRAL,
                                          WEIGHTS_DIR, build_network, file_sha256)

E, C, N = frozenset({ENTAILS}), frozenset({CONTRADICTS}), frozenset({NEUTRAL})
NOT_C, NOT_E = frozenset({ENTAILS, NEUTRAL}), frozenset({CONTRADICTS, NEUTRAL})


@dataclass(frozen=True)
class Example:
    """One training pair: the statement, the unit that may state it, the labels allowed, and its source."""

    statement: str
    unit: str
    allowed: frozenset[int]
    source: str


# --- perturbations --------------------------------------------------------------------------

_AUX = re.compile(r"\b(is|are|was|were|can|will|should|must|does|do|has|have|would|could)\b(?!\s+not\b)", re.I)
_NOT = re.compile(r"\b(is|are|was|were|can|will|should|must|does|do|has|have|would|could)\s+not\b|\b(\w+)n't\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")


def _pairs_of_words() -> dict[str, list[str]]:
    partners: dict[str, list[str]] = {}
    for group in tx.CONTRAST_SETS:
        for word in group:
            partners.setdefault(word, []).extend(sorted(group - {word}))
    return partners


_PARTNERS = _pairs_of_words()


def _match_case(original: str, new: str) -> str:
    return new.upper() if original.isupper() and len(original) > 1 else new.capitalize() if original[:1].isupper() else new


def swap_one(text: str, rng: random.Random) -> str | None:
    """Replace one contrast term by its opposite ("L1" -> "L2"), if that flips a contrast the text makes."""
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z0-9\-]*", text))
    present = {t.group().lower() for t in tokens}
    choices = [t for t in tokens if t.group().lower() in _PARTNERS
               and not set(_PARTNERS[t.group().lower()]) & present]  # "L1 and L2" in one text: no single swap
    if not choices:
        return None
    token = rng.choice(choices)
    new = _match_case(token.group(), rng.choice(_PARTNERS[token.group().lower()]))
    out = text[:token.start()] + new + text[token.end():]
    return out if tx.swapped_terms(text, out) else None


def exchange(text: str) -> str | None:
    """Exchange two opposed terms said in different clauses ("bagging ... variance, boosting ... bias")."""
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z0-9\-]*", text))
    for i, a in enumerate(tokens):
        for b in tokens[i + 1:]:
            if b.group().lower() in _PARTNERS.get(a.group().lower(), ()):
                between = text[a.end():b.start()]
                if not re.search(r"[,;:]|\b(?:while|whereas|but|and then|than)\b", between):
                    continue  # "L1 and L2": exchanging them changes nothing
                return (text[:a.start()] + _match_case(a.group(), b.group().lower()) + text[a.end():b.start()]
                        + _match_case(b.group(), a.group().lower()) + text[b.end():])
    return None


def negate(text: str) -> str | None:
    """Add a "not" after the first auxiliary, or drop an existing one."""
    found = _NOT.search(text)
    if found:
        if found.group(1):
            return text[:found.start()] + found.group(1) + text[found.end():]
        word = found.group(2)
        base = {"can": "can", "won": "will", "don": "do", "doesn": "does", "isn": "is", "aren": "are",
                "wasn": "was", "weren": "were", "shouldn": "should", "couldn": "could", "wouldn": "would",
                "hasn": "has", "haven": "have", "didn": "did", "mustn": "must"}.get(word.lower())
        return text[:found.start()] + base + text[found.end():] if base else None
    found = _AUX.search(text)
    if not found:
        return None
    return text[:found.end()] + " not" + text[found.end():]


def change_number(text: str, rng: random.Random) -> str | None:
    """Change one number that is not part of a name ("0.05" -> "0.5", "3" -> "6")."""
    found = [m for m in _NUMBER.finditer(text) if not re.search(r"[A-Za-z]$", text[:m.start()])]
    if not found:
        return None
    m = rng.choice(found)
    value = m.group(1)
    if "." in value:
        new = str(round(float(value) * rng.choice((10, 0.1, 2)), 6)).rstrip("0").rstrip(".")
    else:
        n = int(value)
        new = str(rng.choice((n * 2, n + 3, max(0, n - 1) if n > 1 else n + 5)))
    return None if new == value else text[:m.start()] + new + text[m.end():]


REJECTIONS = (
    "A common misconception is that {claim}",
    "People often think that {claim}, but that is wrong.",
    "It is not true that {claim}",
    "Some candidates say {claim}; that's a mistake.",
    "This doesn't mean that {claim}",
    "A mistake I see a lot is believing {claim}",
)


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


# --- sources --------------------------------------------------------------------------------

def rubrics_of(bank: Bank) -> list[Rubric]:
    """Every gradable rubric of the bank: questions and their follow-ups."""
    out = []
    for q in bank:
        out.append(q.rubric)
        out.extend(f.rubric(q.kind) for f in q.follow_ups)
    return out


def bank_examples(bank: Bank, encoder, rng: random.Random) -> list[Example]:
    """Pairs the bank itself labels: phrasings entail each other, claims contradict points, and so on."""
    rubrics = rubrics_of(bank)
    all_points = [p for r in rubrics for p in r.key_points]
    out: list[Example] = []
    for rubric in rubrics:
        points = rubric.key_points
        ref_units = [u.text for u in tx.units(rubric.reference_answer) if len(tx.content_terms(u.text)) >= 3]
        ref_vecs = encoder.encode(ref_units) if ref_units else None
        point_vecs = encoder.encode([p.text for p in points]) if ref_units else None
        for n, point in enumerate(points):
            phr = point.phrasings
            for a in phr:
                for b in phr:
                    if a != b:
                        out.append(Example(a, b, E, "bank:alternative"))
            if ref_vecs is not None:
                sims = ref_vecs @ point_vecs[n]
                best = int(np.argmax(sims))
                if sims[best] >= 0.55:
                    out.append(Example(point.text, ref_units[best], NOT_C, "bank:reference"))
            others = [other for other in points if other is not point]
            for other in rng.sample(others, min(2, len(others))):
                out.append(Example(point.text, rng.choice(other.phrasings), N, "bank:same-question"))
            out.append(Example(point.text, rng.choice(rng.choice(all_points).phrasings), N, "bank:other-question"))
            if rng.random() < 0.5:
                out.append(Example(point.text, rubric.question, N, "bank:question"))
            for a in phr if rubric.kind.value != "behavioral" else ():  # stories have no facts to flip
                for make, name in ((lambda t: swap_one(t, rng), "swap"), (exchange, "exchange"), (negate, "negate"),
                                   (lambda t: change_number(t, rng), "number")):
                    changed = make(a)
                    if changed and changed != a:
                        out.append(Example(point.text, changed, C, f"perturb:{name}"))
                        out.append(Example(changed, a, C, f"perturb:{name}"))
        by_id = {p.id: p for p in points}
        for wrong in rubric.misconceptions:
            truth = by_id.get(wrong.key_point)
            claim = wrong.claim.strip()
            out.append(Example(claim, claim, E, "bank:claim-self"))
            if truth:
                for phrase in truth.phrasings:
                    out.append(Example(phrase, claim, C, "bank:claim-vs-point"))
                    out.append(Example(claim, phrase, C, "bank:claim-vs-point"))
            if wrong.correction:
                out.append(Example(claim, wrong.correction, NOT_E, "bank:claim-vs-correction"))
            for template in rng.sample(REJECTIONS, 3):
                rejection = template.format(claim=_lower_first(claim))
                out.append(Example(claim, rejection, NOT_E, "bank:rejection"))
                if truth:
                    out.append(Example(truth.text, rejection, NOT_C, "bank:rejection"))
            for other in points:
                if other is not truth:
                    out.append(Example(claim, other.text, NOT_E, "bank:claim-vs-other"))
    return out


SEMEVAL_LABELS = {"correct": E, "contradictory": C, "partially_correct_incomplete": NOT_C,
                  "irrelevant": N, "non_domain": N}


def semeval_examples(path: Path, encoder, split: str = "tune") -> list[Example]:
    """Student answers against their closest reference, from the tune half of a graded-answers file."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if in_split(r["question"], split) and r.get("label") in SEMEVAL_LABELS]
    refs = sorted({ref for r in rows for ref in r["reference_answers"]})
    ref_vec = dict(zip(refs, encoder.encode(refs)))
    answers = encoder.encode([r["answer"] for r in rows])
    out = []
    for row, vector in zip(rows, answers):
        best = max(row["reference_answers"], key=lambda ref: float(ref_vec[ref] @ vector))
        out.append(Example(best, row["answer"], SEMEVAL_LABELS[row["label"]], f"semeval:{Path(path).stem}"))
    return out


def suite_examples(path: Path, bank: Bank, encoder, split: str = "tune") -> list[Example]:
    """Answer-suite-2's tune half: what correct answers never do, and what their false sentences are."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[Example] = []
    for row in rows:
        if not in_split(row["question_id"], split) or row["question_id"] not in bank:
            continue
        question = bank.get(row["question_id"])
        if question.kind.value == "behavioral":
            continue
        rubric = question.rubric
        units = [u.text for u in tx.units(row["answer"]) if tx.content_terms(u.text)]
        false = row.get("false_claim") or ""
        false_units = [u for u in units if _overlaps(u, false)]
        true_units = [u for u in units if u not in false_units] if row["kind"] in ("good", "good_rejects", "good_terse", "mixed") else []
        rejected = row.get("rejected_misconception") or ""
        for unit in true_units:
            rejecting = bool(rejected) and _shares(unit, rejected)
            for point in rubric.key_points:
                out.append(Example(point.text, unit, NOT_C, "suite:true-unit"))
            for wrong in rubric.misconceptions:
                out.append(Example(wrong.claim, unit, NOT_E, "suite:rejects" if rejecting else "suite:true-unit"))
        for unit in false_units:
            for point in rubric.key_points:
                if _shares(unit, point.text, 0.3):
                    out.append(Example(point.text, unit, NOT_E, "suite:false-unit"))
            if row["kind"] == "wrong_listed" and rubric.misconceptions:
                vecs = encoder.encode([unit] + [m.claim for m in rubric.misconceptions])
                best = int(np.argmax(vecs[1:] @ vecs[0]))
                out.append(Example(rubric.misconceptions[best].claim, unit, E, "suite:asserts-claim"))
    return out


def _overlaps(unit: str, sentence: str) -> bool:
    return bool(sentence) and (unit.strip() in sentence or sentence.strip() in unit or _shares(unit, sentence, 0.7))


def _shares(a: str, b: str, share: float = 0.5) -> bool:
    ta, tb = tx.content_terms(a), tx.content_terms(b)
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) >= share


# --- training -------------------------------------------------------------------------------

def collect(bank: Bank, encoder, data_dir: Path | None, seed: int, log: Callable[[str], None]) -> list[Example]:
    """Every training example, deduplicated, in a seeded order."""
    rng = random.Random(seed)
    examples = bank_examples(bank, encoder, rng)
    if data_dir:
        for name in ("scientsbank-train.jsonl", "beetle-train.jsonl"):
            path = data_dir / "graded-answers" / name
            if path.is_file():
                examples += semeval_examples(path, encoder)
        suite = data_dir / "answer-suite-2" / "answers.jsonl"
        if suite.is_file():
            examples += suite_examples(suite, bank, encoder)
    seen: dict[tuple[str, str], Example] = {}
    for ex in examples:
        seen.setdefault((ex.statement, ex.unit), ex)
    out = list(seen.values())
    rng.shuffle(out)
    counts = Counter(ex.source for ex in out)
    log(f"{len(out)} examples: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return out


def train(examples: Sequence[Example], out_dir: Path = WEIGHTS_DIR, *, seed: int = 13, epochs: float = 3.0,
          batch_size: int = 32, lr: float = 5e-4, rank: int = 16, alpha: float = 32.0, max_length: int = 80,
          first_layer: int = 2,
          threads: int = 2, log: Callable[[str], None] = print, model_path: Path | None = None) -> dict:
    """Train the adapter and head on the examples and write them, with a config, to out_dir."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from embeddings.encoder import packaged_model_path

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    folder = Path(model_path) if model_path else packaged_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    network = build_network(AutoModel.from_pretrained(str(folder)), rank, alpha, first_layer=first_layer)
    dev = [ex for i, ex in enumerate(examples) if i % 25 == 0]
    data = [ex for i, ex in enumerate(examples) if i % 25 != 0]
    params = [p for p in network.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = max(1, int(epochs * len(data) / batch_size))
    warmup = min(200, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / max(1, warmup)) * max(0.05, 1 - s / steps))
    log(f"training on {len(data)} pairs, {steps} steps of {batch_size}; dev {len(dev)}")
    start = time.time()
    order: list[Example] = []
    for step in range(steps):
        if len(order) < batch_size:
            more = list(data)
            rng.shuffle(more)
            order += more
        batch, order = order[:batch_size], order[batch_size:]
        network.train()
        loss = _loss(network, tokenizer, batch, max_length)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        if step % 100 == 0 or step in (10, 30) or step == steps - 1:
            log(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - start:.0f}s")
        if (step + 1) % 400 == 0 or step == steps - 1:
            log(dev_report(network, tokenizer, dev, max_length))
            meta = {"base_model": folder.name, "labels": list(LABELS), "rank": rank, "alpha": alpha,
                    "max_length": max_length, "first_layer": first_layer, "seed": seed, "epochs": epochs,
                    "batch_size": batch_size, "lr": lr, "steps": step + 1,
                    "examples": dict(sorted(Counter(ex.source for ex in examples).items())),
                    "train_seconds": round(time.time() - start)}
            _save(network, out_dir, meta)  # a usable checkpoint at every report, the final one last
    return meta


def _save(network, out_dir: Path, meta: dict) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.half().contiguous() for k, v in network.adapter_state().items()}
    save_file(state, str(out_dir / ADAPTER_FILE))
    meta["adapter_sha256"] = file_sha256(out_dir / ADAPTER_FILE)
    (out_dir / CONFIG_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _loss(network, tokenizer, batch: Sequence[Example], max_length: int):
    import torch

    enc = tokenizer([ex.statement for ex in batch], [ex.unit for ex in batch], padding=True, truncation=True,
                    max_length=max_length, return_tensors="pt")
    logits = network(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
    logp = torch.log_softmax(logits, dim=-1)
    mask = torch.zeros_like(logp, dtype=torch.bool)
    for i, ex in enumerate(batch):
        mask[i, list(ex.allowed)] = True
    return -torch.logsumexp(logp.masked_fill(~mask, -1e9), dim=-1).mean()


def dev_report(network, tokenizer, dev: Sequence[Example], max_length: int) -> str:
    """Share of dev pairs whose most likely label is allowed, per source family."""
    import torch

    network.eval()
    right: Counter = Counter()
    total: Counter = Counter()
    with torch.inference_mode():
        for i in range(0, len(dev), 64):
            batch = dev[i:i + 64]
            enc = tokenizer([ex.statement for ex in batch], [ex.unit for ex in batch], padding=True,
                            truncation=True, max_length=max_length, return_tensors="pt")
            pred = network(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids")).argmax(-1).tolist()
            for ex, p in zip(batch, pred):
                family = ex.source.split(":")[0] + ":" + ex.source.split(":")[1].split("-")[0]
                total[family] += 1
                right[family] += p in ex.allowed
    return "dev " + ", ".join(f"{k} {right[k] / total[k]:.2f} (n={total[k]})" for k in sorted(total))


def run(bank: Bank, encoder, data_dir: Path | None, out_dir: Path = WEIGHTS_DIR, seed: int = 13,
        epochs: float = 3.0, log: Callable[[str], None] = print, **kwargs) -> dict:
    """Collect the examples and train: what ``interviewer train-verifier`` does."""
    examples = collect(bank, encoder, data_dir, seed, log)
    return train(examples, out_dir, seed=seed, epochs=epochs, log=log, **kwargs)
