"""`cocreate cluster` end to end with the real analyzer, and the label rules."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from cocreate.cli import app
from model.ideas import is_request, select_posts
from model.topic_labels import ctfidf, is_label_word, make_title, named_spans, phrase_titles, representative_quotes

runner = CliRunner()

DARK = [
    "希望增加夜间模式，晚上看屏幕太刺眼了",
    "建议出一个深色主题，晚上刷论坛眼睛疼",
    "能不能加个暗黑模式？夜里用太亮了",
    "求夜间模式！深色界面对眼睛好一点",
    "希望系统支持全局深色模式",
    "建议设置里加夜间模式开关，自动切换深色主题",
]
BATTERY = [
    "希望能优化一下续航，电池一天都撑不住",
    "建议增加省电模式，电池掉电太快",
    "能不能出个超级省电模式，出差时续航不够",
    "希望后续版本优化电池续航",
    "建议加一个电池健康度显示和充电保护",
    "求优化耗电，待机一晚上掉电百分之二十",
]
OTHER = ["客服回复很及时，点赞", "手机昨天突然黑屏重启了好几次"]


def _write(tmp_path, texts):
    src = tmp_path / "posts.jsonl"
    src.write_text(
        "\n".join(
            json.dumps({"pid": f"p{i}", "text": t, "user": f"u{i % 5}"}, ensure_ascii=False)
            for i, t in enumerate(texts)
        )
        + "\n",
        encoding="utf-8",
    )
    return src


def test_cluster_feature_requests_into_labelled_ideas(tmp_path):
    src = _write(tmp_path, DARK + BATTERY + OTHER)
    out = tmp_path / "clusters.json"
    res = runner.invoke(app, ["cluster", str(src), "-o", str(out), "--id-column", "pid", "--user-column", "user"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    clusters = doc["clusters"]
    assert len(clusters) >= 2
    assert [c["size"] for c in clusters] == sorted((c["size"] for c in clusters), reverse=True)
    for c in clusters:
        assert set(c) >= {"id", "label", "keywords", "size", "quotes", "post_ids", "sentiment_mean"}
        assert c["label"] and any("\u4e00" <= ch <= "\u9fff" for ch in c["label"])
        assert 1 <= len(c["quotes"]) <= 3 and len(set(c["quotes"])) == len(c["quotes"])
    ids_dark = {f"p{i}" for i in range(len(DARK))}
    ids_batt = {f"p{i}" for i in range(len(DARK), len(DARK) + len(BATTERY))}
    # each theme mostly lands in one cluster, and the two themes are not mixed
    best_dark = max(clusters, key=lambda c: len(ids_dark & set(c["post_ids"])))
    best_batt = max(clusters, key=lambda c: len(ids_batt & set(c["post_ids"])))
    assert best_dark["id"] != best_batt["id"]
    assert len(ids_dark & set(best_dark["post_ids"])) >= 4 and len(ids_batt & set(best_batt["post_ids"])) >= 4
    # praise and bug reports are not feature requests: neither clustered nor "unclustered"
    every = {p for c in clusters for p in c["post_ids"]} | set(doc["unclustered"])
    assert "p12" not in every


def test_cluster_empty_and_single_post(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    res = runner.invoke(app, ["cluster", str(empty), "-o", str(tmp_path / "a.json")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "a.json").read_text()) == {"clusters": [], "unclustered": []}
    one = tmp_path / "one.txt"
    one.write_text("希望增加夜间模式\n", encoding="utf-8")
    res = runner.invoke(app, ["cluster", str(one), "-o", str(tmp_path / "b.json"), "--all-posts"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "b.json").read_text()) == {"clusters": [], "unclustered": [0]}
    res = runner.invoke(app, ["cluster", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "c.json")])
    assert res.exit_code == 2 and "no such file" in res.output


def test_label_words_exclude_junk():
    for junk in ["2333", "123", "ab", "hhhhh", "。。", " ", "x", "…", "666666", "差差", "哈哈"]:
        assert not is_label_word(junk), junk
    for ok in ["夜间模式", "NFC", "5G", "Wi-Fi", "续航"]:
        assert is_label_word(ok), ok
    assert make_title(["NFC", "5G"]) == ""
    assert make_title(["夜间模式", "夜间", "深色主题", "NFC"]) == "夜间模式 / 深色主题 / NFC"


def test_ctfidf_prefers_distinctive_words():
    docs = [["夜间模式", "希望", "深色"], ["夜间模式", "希望"], ["续航", "希望", "电池"], ["续航", "希望"]]
    top = ctfidf(docs, np.array([0, 0, 1, 1]), [0, 1], top_k=2)
    assert top[0][0][0] == "夜间模式" and top[1][0][0] == "续航"


def test_quotes_skip_near_duplicates():
    Z = np.array([[1, 0], [0.999, 0.045], [0.8, 0.6]], np.float32)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    texts = ["希望增加夜间模式吧", "希望增加夜间模式呀", "建议出深色主题好不好"]
    assert representative_quotes(texts, Z, np.array([1, 0], np.float32), k=2) == [0, 2]


def test_ideas_are_titled_by_the_capability_phrase():
    docs = [
        ["希望", "加个", "定时", "清扫", "，", "每天", "自己", "扫"],
        ["蹲", "一个", "定时", "清扫"],
        ["求", "定时", "功能", "！"],
        ["定时", "清扫", "什么", "时候", "上"],
        ["希望", "扫", "完", "推送", "通知"],
        ["清扫", "完成", "通知", "什么", "时候", "上"],
        ["扫", "完", "发个", "通知", "吧"],
        ["清扫", "完成", "通知", "+", "1"],
        ["地图", "又", "丢", "了"],
    ]
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
    titles = phrase_titles(docs, labels, [0, 1])
    assert titles == {0: "定时清扫", 1: "清扫完成通知"}
    # never a word of asking at either end, never a lone character
    for t in titles.values():
        assert 2 <= len(t) <= 6 and not t.startswith(("希望", "加个", "求")) and not t.endswith("吧")


def test_a_capability_named_once_titles_an_idea_whose_other_posts_describe_it():
    # what a user names after a word of asking, even with the segmenter gluing 求 onto the next word
    assert named_spans(["求", "离家", "自动", "清扫", "！"]) == {"离家自动清扫"}
    assert named_spans(["希望", "能加个", "定时", "清扫", ",", "每天", "早上"]) == {"定时清扫"}
    assert named_spans(["求胎", "压", "显示", ",", "自己", "打气"]) == {"胎压显示"}
    assert named_spans(["能", "不能", "扫", "完", "发个", "通知", "？"]) == set()  # a question names nothing
    docs = [
        ["求", "离家", "自动", "清扫", "！"],
        ["出门", "了", "它", "还", "不", "动", ",", "得", "我", "手动", "开"],
        ["人", "走", "了", "就", "开始", "扫", "多好"],
        ["每次", "出门", "都", "要", "点", "一下", "App"],
    ]
    assert phrase_titles(docs, np.zeros(4, int), [0]) == {0: "离家自动清扫"}


def test_request_phrasing_rescues_posts_the_intent_label_misses():
    assert is_request("+1 同求预约清扫", "other")
    assert is_request("隔壁App都能设禁区了，我们这款只能贴磁条", "complaint")
    assert is_request("要是能到点自己开工就好了", "other")
    assert not is_request("客服回复很及时，点赞", "praise")
    assert not is_request("禁区明明设了它还是往里钻，希望能修一下", "bug_report")  # a fix is a bug, not an idea
    assert not is_request("建议大家买带热水洗拖布的版本，很值", "other")
    assert is_request("随便说说", "feature_request")
    # the intent head calls many forum asks bug reports: a cue or a competitor decides, a fix word keeps it out
    assert is_request("蹲禁区功能，落地灯已经被它撞倒两回了", "bug_report")
    assert is_request("隔壁的一上地毯就自动加大吸力，我们的一个档到底", "bug_report")
    assert not is_request("更新以后定时清扫没了，求尽快修复", "bug_report")
    assert is_request("蹲修订模式，编辑改稿刚需", "other")  # 修订 (track changes) is no fix
    # advice and questions to other users in a crisis thread are not asks of the product team
    assert not is_request("也希望大家理性维权，别人身攻击", "complaint")
    assert not is_request("建议先保留购买凭证和宣传页截图", "other")
    assert not is_request("有没有人知道售后能不能免费检测电池？", "question")
    assert not is_request("隔壁邻居家的狗一叫它就停下来", "bug_report")
    assert not is_request("扫到一半就断网，只能重启", "bug_report")
    rows = select_posts(["other", "praise", "feature_request"], False, ["求夜间模式", "好用", "x"])
    assert list(rows) == [0, 2]
    assert list(select_posts(["other", "praise", "feature_request"], False)) == [2]
    assert list(select_posts(["other", "praise"], True)) == [0, 1]


def test_a_lone_head_word_title_grows_into_the_capability_around_it():
    docs = [
        ["能不能", "做", "个", "模板", "市场", "？"],
        ["模板", "市场", "+", "1"],
        ["想", "找", "别人", "做好", "的", "模板"],
        ["模板", "太少", "了"],
        ["新建", "页面", "时", "选", "模板"],
        ["模板", "能", "分享", "吗"],
        ["地图", "又", "丢", "了"],
    ]
    labels = np.array([0, 0, 0, 0, 0, 0, -1])
    assert phrase_titles(docs, labels, [0], extend_ratio=0.0) == {0: "模板"}
    assert phrase_titles(docs, labels, [0]) == {0: "模板市场"}
