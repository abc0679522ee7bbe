from __future__ import annotations

import pytest

from cocreate.loaders import load_segmenter


@pytest.fixture(scope="module")
def seg():
    return load_segmenter()


def test_user_dictionary_words_stay_whole(seg):
    toks = seg.cut("希望增加夜间模式，续航再强一点，客服退款太慢，售后也不行")
    for word in ["夜间模式", "续航", "客服", "退款", "售后"]:
        assert word in toks


def test_fullwidth_is_normalised_and_no_whitespace_tokens(seg):
    toks = seg.cut("ＮＦＣ　功能什么时候支持？　 \t\n")
    assert "NFC" in toks and "?" in toks
    assert all(t.strip() == t and t for t in toks)


def test_english_numbers_and_emoji_survive(seg):
    toks = seg.cut("Wi-Fi老断连😡，iOS17.1更新后闪退，花了199.5元👍🏻")
    for t in ["Wi-Fi", "😡", "iOS17.1", "199.5", "👍🏻", "闪退"]:
        assert t in toks, (t, toks)


def test_words_drop_stopwords_punctuation_numbers(seg):
    words = seg.words("我觉得这个手机的电池真的很好！！！买了3台")
    assert "电池" in words and "手机" in words
    for junk in ["的", "我", "！", "!", "3", "很"]:
        assert junk not in words


def test_keywords_are_content_words(seg):
    kws = seg.keywords("屏幕太亮了，晚上看很刺眼，希望增加夜间模式和深色主题", top_k=3)
    assert len(kws) == 3 and "夜间模式" in kws
    assert all(k not in seg.stopwords for k in kws)


def test_keywords_follow_jiebas_tfidf_ranking(seg):
    """Same ranking as jieba's own extract_tags; passing the tokens skips the second cut."""
    import jieba.analyse

    text = "酒店位置很好，离地铁近，早餐一般，晚上隔音差，隔音真的差，前台服务热情"
    ref = jieba.analyse.TFIDF()
    ref.tokenizer = seg.tokenizer
    ref.stop_words = ref.stop_words | seg.stopwords
    want = [k for k in ref.extract_tags(text, topK=10) if k not in seg.stopwords][:5]
    assert seg.keywords(text, top_k=5) == want
    assert seg.keywords(text, top_k=5, tokens=seg.cut(text)) == want
    assert want[0] == "隔音"  # said twice: the top term


@pytest.mark.parametrize("text", ["", "   ", "\ud800", "\x00\x01", "。。。！！", "🙂🙂"])
def test_bad_input_is_defined(seg, text):
    toks = seg.cut(text)
    assert all(t.strip() for t in toks)
    assert seg.keywords(text) == [] or all(isinstance(k, str) for k in seg.keywords(text))
