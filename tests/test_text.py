"""Sentence/paragraph splitting and page-furniture detection."""

from pipeline.text import boilerplate_paragraphs, is_boilerplate, split_paragraphs, split_text


def test_paragraph_spans_cut_back_to_their_text():
    text = "First para.\n\nSecond para.\n"
    assert [text[a:b] for a, b in split_paragraphs(text)] == ["First para.", "Second para."]


def test_title_abbreviation_does_not_end_a_sentence():
    # "Mr. Assad" must stay in one sentence or the speaker is lost.
    sents = split_text("Mr. Assad spoke. Troops fired.")
    assert [s.text for s in sents] == ["Mr. Assad spoke.", "Troops fired."]


def test_sentences_carry_their_paragraph_index():
    sents = split_text("A one.\n\nB two. C three.")
    assert [s.paragraph for s in sents] == [0, 1, 1]


def test_comment_policy_is_boilerplate():
    assert is_boilerplate("All the comments will be moderated by the editorial.")


def test_news_sentence_is_not_boilerplate():
    assert not is_boilerplate("Gunmen attacked a village on Monday.")


def test_disclaimer_paragraph_is_skipped_whole():
    # The second sentence looks ordinary; only the paragraph's first sentence marks it.
    text = "News here.\n\nDisclaimer : we moderate. Try to avoid hyperlinks."
    assert boilerplate_paragraphs(text) == {1}
