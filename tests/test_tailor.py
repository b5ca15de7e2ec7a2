"""Tailoring to a job description: relevant questions, the lines they target, track diversity."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fakes import KeywordGrader, question, write_bank
from interviewer.bank import load_bank
from interviewer.engine import Engine
from interviewer.planner import Setup, SetupError
from interviewer.store import Store
from interviewer.tailor import Centrality, JobMatcher, job_lines, job_requirements, select

NLP_JD = """Senior NLP Engineer
About the role:
- Fine-tune transformer language models (BERT, T5) for text classification and named entity recognition.
- Build tokenization and text preprocessing pipelines for multilingual documents.
- Use word and sentence embeddings for semantic search over support tickets.
Requirements: 3+ years of Python. We offer a competitive salary and remote work."""

RECSYS_JD = """Machine Learning Engineer, Recommendations
You will build the recommender system behind our home feed.
* Design candidate retrieval and ranking models for personalised recommendations.
* Tackle cold start for new users and new items; use collaborative filtering and implicit feedback.
* Measure ranking quality offline with NDCG and recall@k, then run online A/B tests.
Benefits: health insurance, 25 days of holiday."""

TOPICS = {
    "nlp": [
        ("nlp-attention", "ml-fundamentals", "How does self-attention work in a transformer?",
         ("Each token builds queries, keys and values.", "Attention weights are softmax of scaled dot products.",
          "Multiple heads attend to different relations between tokens.")),
        ("nlp-tokenization", "data-modeling", "How would you tokenize text for a language model?",
         ("Subword tokenizers such as BPE or WordPiece split rare words into pieces.",
          "Lowercasing and normalisation depend on the model.", "The vocabulary size trades off length and coverage.")),
        ("nlp-word-embeddings", "ml-fundamentals", "What are word embeddings and how are they trained?",
         ("Word2vec learns dense vectors from the words around each word.",
          "Similar words end up close together in the vector space.", "Contextual embeddings from BERT depend on the sentence.")),
        ("nlp-ner", "evaluation-metrics", "How do you evaluate a named entity recognition model?",
         ("Entity-level precision, recall and F1 on exact span matches.",
          "Partial matches can be scored separately.", "Report per entity type because classes are imbalanced.")),
    ],
    "recsys": [
        ("rec-collab", "ml-system-design", "Explain collaborative filtering for a recommender system.",
         ("Users who liked similar items in the past will like similar items in the future.",
          "Matrix factorisation learns user and item embeddings from the interaction matrix.",
          "Implicit feedback like clicks needs negative sampling.")),
        ("rec-cold-start", "ml-system-design", "How do you handle cold start for new users and new items?",
         ("Use content features of new items instead of interactions.",
          "Ask new users for preferences or fall back to popular items.", "Explore new items with bandits.")),
        ("rec-ranking-metrics", "evaluation-metrics", "Which offline metrics evaluate a ranked list of recommendations?",
         ("NDCG rewards relevant items near the top of the list.", "Recall at k counts relevant items in the top k.",
          "Offline metrics must be confirmed with an online A/B test.")),
        ("rec-two-stage", "ml-system-design", "Design a two-stage retrieval and ranking recommender.",
         ("A cheap candidate retrieval stage narrows millions of items to hundreds.",
          "A heavier ranking model scores the candidates with rich features.", "Re-ranking adds diversity and business rules.")),
    ],
    "other": [
        ("stat-pvalue", "probability-statistics", "What is a p-value?",
         ("The probability of data this extreme if the null hypothesis is true.",
          "It is not the probability that the null hypothesis is true.", "A threshold like 0.05 is a convention.")),
        ("cs-hash", "cs-fundamentals", "How does a hash table work?",
         ("A hash function maps keys to buckets.", "Collisions are handled by chaining or open addressing.",
          "Lookups take constant time on average.")),
        ("stat-bayes", "probability-statistics", "Explain Bayes' theorem with an example.",
         ("The posterior is the likelihood times the prior, normalised.", "Base rates matter for rare diseases.",
          "Tests with high accuracy can still give mostly false positives.")),
        ("cs-sort", "cs-fundamentals", "Compare quicksort and merge sort.",
         ("Quicksort is in place with average n log n time.", "Merge sort is stable and always n log n.",
          "Merge sort needs linear extra memory.")),
    ],
}


@pytest.fixture(scope="module")
def topic_bank(tmp_path_factory):
    items = [question(qid, track, "mid", text, tags=(group,), points=points)
             for group, rows in TOPICS.items() for qid, track, text, points in rows]
    return write_bank(tmp_path_factory.mktemp("topics"), items)


@pytest.fixture(scope="module")
def matcher(topic_bank, encoder, tmp_path_factory):
    return JobMatcher(topic_bank, encoder, tmp_path_factory.mktemp("cache"))


def test_job_lines_keep_sentences_and_drop_headings():
    lines = job_lines(NLP_JD)
    assert "About the role:" not in lines and "Senior NLP Engineer" in lines
    assert lines[1].startswith("Fine-tune transformer language models")
    assert "Requirements: 3+ years of Python." in lines
    assert "We offer a competitive salary and remote work." in lines
    assert job_lines("Python\n\n- SQL\n") == []


@pytest.mark.parametrize("jd, group", [(NLP_JD, "nlp"), (RECSYS_JD, "recsys")])
def test_a_role_gets_questions_on_its_topic(matcher, topic_bank, jd, group):
    ranked = matcher.rank(jd)
    top = [m.question_id for m in ranked[:4]]
    assert {topic_bank.get(qid).tags[0] for qid in top} == {group}, top


def test_vectors_are_reused_from_the_grader_index(topic_bank, counting_encoder, matcher):
    from embeddings import TextIndex

    source = TextIndex(matcher.index.texts[:-1], matcher.index.vectors[:-1])
    reused = JobMatcher(topic_bank, counting_encoder, None, source=source)
    assert counting_encoder.texts == 1
    assert np.allclose(reused.index.vectors, matcher.index.vectors, atol=1e-4)


def test_each_question_names_the_lines_it_targets(matcher):
    by_id = {m.question_id: m for m in matcher.rank(NLP_JD)}
    assert any("tokenization" in line for line in by_id["nlp-tokenization"].targets)
    assert any("embeddings" in line for line in by_id["nlp-word-embeddings"].targets)
    by_id = {m.question_id: m for m in matcher.rank(RECSYS_JD)}
    assert any("cold start" in line for line in by_id["rec-cold-start"].targets)
    assert any("NDCG" in line for line in by_id["rec-ranking-metrics"].targets)
    assert all(len(m.targets) <= 2 for m in by_id.values())


def test_selection_keeps_tracks_diverse(matcher, topic_bank):
    chosen = select(matcher.rank(RECSYS_JD), topic_bank, 4)
    tracks = [topic_bank.get(m.question_id).track.value for m in chosen]
    assert tracks.count("ml-system-design") <= 2 and len(chosen) == 4


SECTIONS_JD = """Senior Recommendations Engineer
Responsibilities:
- Build collaborative filtering recommenders from implicit feedback.
- Evaluate ranked recommendations offline with NDCG and recall at k.
- Solve cold start for new users and new items.
Nice to have
- Knowing how a hash table handles collisions is a plus.
Requirements:
- Fluent in Mandarin for our Shanghai office.
Benefits: 30 days of holiday and health insurance."""


def test_lines_are_weighted_by_how_central_they_are():
    found = {line.text: line.centrality for line in job_requirements(SECTIONS_JD)}
    assert found["Senior Recommendations Engineer"] is Centrality.CONTEXT                 # the title
    assert found["Solve cold start for new users and new items."] is Centrality.CORE
    assert found["Knowing how a hash table handles collisions is a plus."] is Centrality.PLUS
    assert found["Fluent in Mandarin for our Shanghai office."] is Centrality.CORE
    assert found["Benefits: 30 days of holiday and health insurance."] is Centrality.CONTEXT
    inline = {line.text: line.centrality for line in job_requirements("- Spark experience would be a plus.\n"
                                                                       "- Ship ranking models to production.")}
    assert list(inline.values()) == [Centrality.PLUS, Centrality.OTHER]
    assert Centrality.CORE.weight > Centrality.OTHER.weight > Centrality.PLUS.weight > Centrality.CONTEXT.weight


def test_a_nice_to_have_never_outranks_the_core_duties_and_questions_spread_over_them(matcher, topic_bank):
    chosen = select(matcher.rank(SECTIONS_JD), topic_bank, 3)
    assert {topic_bank.get(m.question_id).tags[0] for m in chosen} == {"recsys"}, chosen
    firsts = [m.targets[0] for m in chosen]
    assert len(set(firsts)) == 3 and not any("hash table" in line for line in firsts)


def test_coverage_names_what_the_interview_covers_and_what_the_bank_cannot(matcher, topic_bank):
    chosen = [m.question_id for m in select(matcher.rank(SECTIONS_JD), topic_bank, 3)]
    coverage = matcher.coverage(SECTIONS_JD, chosen)
    assert {line for line, _ in coverage.covered} >= {"Solve cold start for new users and new items."}
    assert all(qid in chosen for _, qid in coverage.covered)
    assert coverage.elsewhere == ("Knowing how a hash table handles collisions is a plus.",)   # cs-hash, not asked
    assert coverage.beyond_bank == ("Fluent in Mandarin for our Shanghai office.",)
    every = [line for line, _ in coverage.covered] + list(coverage.elsewhere) + list(coverage.beyond_bank)
    assert not any("holiday" in line or line == "Senior Recommendations Engineer" for line in every)


def test_an_empty_job_description_says_what_to_paste(matcher):
    with pytest.raises(SetupError, match="paste the responsibilities"):
        matcher.rank("Python\nSQL")


def test_tailored_interview_tells_the_candidate_what_each_question_targets(topic_bank, encoder, tmp_path):
    engine = Engine(topic_bank, KeywordGrader(), Store(), encoder=encoder, data_dir=tmp_path)
    interview = engine.start(Setup(job_description=RECSYS_JD, length=3))
    reply = interview.opening()
    assert topic_bank.get(reply.question_id).tags[0] == "recsys"
    assert reply.targets and "(targets: “" in reply.text()
    assert set(interview.plan.pool[:3]) <= {qid for qid, *_ in TOPICS["recsys"]}


# --- the shipped bank: properties that hold whatever the final content ------------------------

NLP_TERMS = re.compile(r"\b(nlp|natural language|language models?|llms?|text|token\w*|transformer\w*|bert|"
                       r"word2vec|embedding\w*|attention|sentiment|spam|rag|named entit\w*)\b", re.I)
RECSYS_TERMS = re.compile(r"\b(recommend\w*|ranking|ranked|collaborative|cold.start|ndcg|personali[sz]\w*|"
                          r"retrieval|feed)\b", re.I)


def _about(q, pattern) -> bool:
    return bool(pattern.search(" ".join([q.question, *q.tags, *(p.text for p in q.key_points)])))


@pytest.fixture(scope="module")
def shipped(encoder, request):
    """The shipped bank and its matcher; the index is cached in pytest's cache folder between runs."""
    bank = load_bank(strict=False)
    return bank, JobMatcher(bank, encoder, request.config.cache.mkdir("job-matcher-index"))


@pytest.mark.slow
@pytest.mark.parametrize("jd, pattern", [(NLP_JD, NLP_TERMS), (RECSYS_JD, RECSYS_TERMS)])
def test_shipped_bank_tailoring_picks_relevant_questions(shipped, jd, pattern):
    bank, matcher = shipped
    relevant = [q for q in bank if _about(q, pattern)]
    if len(relevant) < 3:
        pytest.skip("the shipped bank has fewer than 3 questions on this topic yet")
    chosen = [bank.get(m.question_id) for m in select(matcher.rank(jd), bank, 5)]
    hits = sum(_about(q, pattern) for q in chosen)
    base = len(relevant) / len(bank)
    assert _about(chosen[0], pattern), chosen[0].id
    assert hits >= 2 and hits / len(chosen) >= 3 * base, ([q.id for q in chosen], hits, base)


def test_a_second_tailored_interview_spreads_over_questions_not_asked_lately(topic_bank, encoder, tmp_path):
    engine = Engine(topic_bank, KeywordGrader(), Store(), encoder=encoder, data_dir=tmp_path)
    first = engine.start(Setup(job_description=SECTIONS_JD, length=3))
    while not first.is_over:
        engine.command(first, "skip")
    again = engine.start(Setup(job_description=SECTIONS_JD, length=3))
    assert not set(again.plan.pool[:3]) & set(first.state.questions)
