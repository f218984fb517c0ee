"""touchpoint graph: valid SVG and PNG files, readable at 60 touchpoints, text that fits its boxes."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim.authoring import graph
from sim.cli import main
from sim.engine.loader import load_bytes, load_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAGES = ("need_identification", "information_gathering", "solution_design", "negotiation", "after_sales")


def big_scenario(touchpoints: int) -> str:
    """A valid scenario with ``touchpoints`` touchpoints spread over the five stages, and events."""
    lines = ["version: 1", "id: big", "title: {en: A big case, zh: 大案例}", "objective: {en: Win, zh: 赢单}",
             "languages: [en, zh]",
             "rubric: {weights: {conversion: 0.4, satisfaction: 0.3, cycle_time: 0.1, retention: 0.2}, "
             "target_days: 90, max_days: 180}",
             "accounts:", "  - id: acme",
             "    persona: {company: {en: Acme, zh: 艾克米}, industry: {en: Tools, zh: 工具}, size: {en: Big, zh: 大}}",
             "    patience_days: 200",
             "    stakeholders: [{id: boss, name: {en: Boss, zh: 老板}, role: economic_buyer, influence: 1}]",
             "    stages: {" + ", ".join(f"{s}: {{}}" for s in STAGES) + "}",
             "    events:"]
    for i in range(6):
        lines.append(f"      - {{id: e{i}, day: {10 + 25 * i}, text: {{en: Something happens on day {10 + 25 * i} "
                     f"that the seller should notice, zh: 第{10 + 25 * i}天发生了一件销售应该注意的事}}}}")
    lines.append("    touchpoints:")
    for i in range(touchpoints):
        lines += [f"      - id: tp{i}", f"        stage: {STAGES[i * 5 // touchpoints]}",
                  f"        title: {{en: Meeting number {i} with the buyer, zh: 与客户的第{i}次会面}}",
                  "        situation: {en: A meeting., zh: 一次会面。}", "        actions:"]
        for j in range(3):
            lines.append(f"          - {{id: a{j}, label: {{en: Do the thing number {j} with care and attention, "
                         f"zh: 认真细致地做第{j}件事}}, days: {j + 1}, recommended: {'true' if j == 0 else 'false'}}}")
    return "\n".join(lines) + "\n"


def svg_size(path: Path) -> tuple[float, float]:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return float(root.get("width", "0").rstrip("pt")), float(root.get("height", "0").rstrip("pt"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_graph_writes_a_valid_svg(tmp_path: Path, locale: str, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "tutorial.svg"
    assert main(["graph", "tutorial", "-o", str(out), "--locale", locale]) == 0
    width, height = svg_size(out)
    assert width > 800 and height > 300
    assert "warning" not in capsys.readouterr().err  # the bundled CJK font was found


def test_graph_writes_a_valid_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "tutorial.png"
    assert main(["graph", "tutorial", "-o", str(out)]) == 0
    width, height = png_size(out)
    assert width >= 1500 and height >= 500
    capsys.readouterr()


def test_svg_output_is_deterministic(tmp_path: Path):
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    assert main(["graph", "tutorial", "-o", str(a)]) == 0
    assert main(["graph", "tutorial", "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_sixty_touchpoints_make_a_taller_readable_figure():
    small = load_bytes(big_scenario(10).encode(), "small.yaml")  # two cards a column
    big = load_bytes(big_scenario(60).encode(), "big.yaml")
    with graph.chart_style():
        f_small, f_big = graph.figure(small, "en"), graph.figure(big, "zh")
    assert f_big.get_figwidth() == f_small.get_figwidth()  # the columns keep their width...
    # ...and the figure grows with the longest column (12 cards against 2), so cards keep their size
    assert f_big.get_figheight() > 2 * f_small.get_figheight()


def test_cards_grow_with_their_text():
    sc = load_bytes(big_scenario(10).encode(), "big.yaml")
    people = {p.id: p for p in sc.spec.accounts[0].stakeholders}
    tp = sc.spec.accounts[0].touchpoints[0]
    with graph.chart_style():
        card = graph._card(tp, people, "en")
        assert len(card.lines) >= 1 + len(tp.actions)
        widths = [graph.text_width(t, size, bold) + indent for t, size, _, bold, indent in card.lines]
    assert max(widths) <= graph.COL_W - 0.12 - 2 * graph.PAD + 1e-6


@pytest.mark.parametrize("text", [
    "Ask what the late deliveries cost her this quarter, and what a lost supermarket contract would mean",
    "问她本季度的延误造成了多少损失，以及失去一个商超合同意味着什么，并请她用自己的数字说明",
    "consensus >= 60 and present(wang_cfo) and trust(wang_cfo) > 50 and pain_acknowledged",
    "Supercalifragilisticexpialidocious_and_then_some_more_words_without_spaces",
])
def test_wrap_never_exceeds_the_width_and_keeps_every_character(text: str):
    with graph.chart_style():
        lines = graph.wrap(text, 1.4, 8)
        assert all(graph.text_width(line, 8) <= 1.4 + 1e-6 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_shortens_with_an_ellipsis():
    with graph.chart_style():
        lines = graph.wrap("one two three four five six seven eight nine ten eleven twelve", 0.6, 8, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")


def test_bad_output_and_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["graph", "tutorial", "-o", str(tmp_path / "roadmap.pdf")]) == 2
    assert main(["graph", "tutorial", "-o", str(tmp_path / "missing" / "dir" / "x.svg")]) == 2
    assert main(["graph", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert ".svg or .png" in err and "cannot write" in err


def test_every_word_has_both_languages():
    for key, value in graph.WORDS.items():
        pairs = value.values() if isinstance(value, dict) else [value]
        for en, zh in pairs:
            assert en and zh and en != zh, key


def test_every_stage_title_has_both_languages():
    assert set(graph.STAGE_WORDS) == set(STAGES)
    for stage in STAGES:
        en, zh = graph.stage_title(stage, "en"), graph.stage_title(stage, "zh")
        assert en and zh and en != zh, stage


def test_every_bundled_scenario_draws():
    from sim.lang import bundled

    with graph.chart_style():
        for sid in bundled.scenario_ids():
            assert graph.figure(load_scenario(sid), "zh").get_figheight() > 3


# --- issue 23, item 7: wait_days, whole words, the chosen language ---------------------------------------


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_actions_show_the_buyers_wait_days():
    text = big_scenario(5).replace("days: 1, recommended: true", "days: 1, wait_days: 14, recommended: true", 1)
    sc = load_bytes(text.encode(), "big.yaml")
    people = {p.id: p for p in sc.spec.accounts[0].stakeholders}
    tp = sc.spec.accounts[0].touchpoints[0]
    assert tp.actions[0].wait_days == 14
    with graph.chart_style():
        en = " ".join(line[0] for line in graph._card(tp, people, "en").lines)
        zh = "".join(line[0] for line in graph._card(tp, people, "zh").lines)
        legend = graph.word("legend", "en")
    assert "(1d + buyer 14d)" in en and "(2d)" in en  # the other actions: the seller's days only
    assert "1天 + 客户14天" in zh
    assert "buyer" in legend


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_no_line_of_the_roadmap_breaks_inside_a_word(locale: str):
    from sim.lang import bundled

    with graph.chart_style():
        for sid in bundled.scenario_ids():
            texts = _texts(graph.figure(load_scenario(sid), locale))
            assert not [t for t in texts if t.rstrip().endswith("_")], sid
    if locale == "en":  # the tutorial's gate that used to read "pain_ / acknowledged"
        assert "pain_acknowledged" in _texts(graph.figure(load_scenario("tutorial"), locale))


def test_gate_conditions_keep_every_word_whole():
    from sim.lang import bundled

    with graph.chart_style():
        for sid in bundled.scenario_ids():
            for acc in load_scenario(sid).spec.accounts:
                for stage in acc.stages.values():
                    if stage.gate:
                        size = graph.fit_size(stage.gate, graph.GAP - 0.2, 6.5)
                        lines = graph.wrap(stage.gate, graph.GAP - 0.2, size, 5)
                        assert " ".join(lines).split() == stage.gate.split(), (sid, lines)
                        assert all(graph.text_width(line, size) <= graph.GAP - 0.2 + 1e-6 for line in lines)


def test_wrap_breaks_between_whole_words():
    text = "consensus >= 48 and (security_ok or not security_required) and pain_acknowledged"
    with graph.chart_style():
        for width in (0.9, 1.2, 2.0):
            size = graph.fit_size(text, width, 6.5)
            lines = graph.wrap(text, width, size)
            assert " ".join(lines).split() == text.split(), lines


def test_the_chinese_roadmap_shows_conditions_in_words():
    sc = load_scenario("tutorial")
    with graph.chart_style():
        texts = _texts(graph.figure(sc, "zh"))
    joined = "\n".join(texts)
    flag = next(f for f in sc.spec.accounts[0].flags if f.id == "pain_acknowledged")
    from sim.lang.text import resolve

    assert "信息 ≥ 40" in joined and "共识 ≥ 55" in joined
    assert resolve(flag.label, "zh")[:4] in joined  # the flag by its Chinese label
    for raw in (">=", "pain_acknowledged", " and ", "consensus"):
        assert raw not in joined, raw


def test_condition_text_translates_names_people_and_operators():
    from types import SimpleNamespace

    acc = SimpleNamespace(flags=[SimpleNamespace(id="champion", label={"en": "A champion", "zh": "有了内线"})],
                          stakeholders=[SimpleNamespace(id="cfo", name={"en": "Ms Wang", "zh": "王总"})])
    cond = "trust(cfo) >= 50 and not (champion or days_left < 10) or present(cfo)"
    assert graph.condition_text(cond, acc, "en") == cond  # English: as written
    zh = graph.condition_text(cond, acc, "zh")
    assert zh == "王总的信任度 ≥ 50 且 非（有了内线 或 剩余天数 < 10） 或 王总在场"
    assert graph.condition_text("info >= (", acc, "zh") == "info >= ("  # not a condition: as written
    assert graph.condition_text("unknown_name", acc, "zh") == "unknown_name"


# --- the deal's numbers and the functions of facts, actions, touchpoints and terms, in words ------------


def _deal_account():
    from types import SimpleNamespace as NS

    action = NS(id="give_discount", label={"en": "Give 15% off", "zh": "给九五折"})
    return NS(flags=[NS(id="champion", label={"en": "A champion", "zh": "有了内线"})],
              stakeholders=[NS(id="lin", name={"en": "Lin Hao", "zh": "林浩"})],
              facts=[NS(id="budget", label={"en": "The budget", "zh": "预算"})],
              touchpoints=[NS(id="demo", title={"en": "The demo", "zh": "产品演示"}, actions=[action])],
              deal=NS(terms=[NS(id="two_year", label={"en": "Two-year term", "zh": "两年订阅"})]))


def test_condition_text_says_the_deal_and_every_function_in_words():
    acc = _deal_account()
    cond = ("walk_away >= price and discount < 10 and not known(lin) and known(budget) and not chose(give_discount)"
            " and visits(demo) >= 2 and agreed(two_year)")
    assert graph.condition_text(cond, acc, "zh") == (
        "客户愿付上限 ≥ 当前价格 且 折扣（%） < 10 且 非已了解林浩 且 已了解预算 且 非已选“给九五折” 且 "
        "“产品演示”的次数 ≥ 2 且 已约定“两年订阅”")
    assert graph.condition_text(cond, acc, "en") == (
        "the buyer's walk-away >= the price and discount (%) < 10 and not Lin Hao known and The budget known and "
        'not chose "Give 15% off" and visits to "The demo" >= 2 and agreed "Two-year term"')
    # English keeps the rest as written, parentheses where the grouping needs them
    assert graph.condition_text("not (walk_away >= price or champion)", acc, "en") == \
        "not (the buyer's walk-away >= the price or champion)"
    assert graph.condition_text("not (walk_away >= price or champion)", acc, "zh") == \
        "非（客户愿付上限 ≥ 当前价格 或 有了内线）"


def _bundled_conditions(sid: str):
    for acc in load_scenario(sid).spec.accounts:
        conds = [s.gate for s in acc.stages.values() if s.gate] + [tp.when for tp in acc.touchpoints if tp.when]
        conds += [a.when for tp in acc.touchpoints for a in tp.actions if a.when]
        for cond in conds:
            yield acc, cond


@pytest.mark.parametrize("sid", ["enterprise_software", "pipeline", "renewal"])
def test_bundled_conditions_in_chinese_show_no_raw_names(sid: str):
    import re

    raw = re.compile(r"\b(price|walk_away|discount|known|chose|visits|agreed|trust|present)\b|[()<>]=|[():?]")
    seen = 0
    for acc, cond in _bundled_conditions(sid):
        zh = graph.condition_text(cond, acc, "zh")
        assert not raw.search(zh), (cond, zh)
        seen += 1
    assert seen


def test_bundled_conditions_in_english_name_what_the_functions_read():
    texts = {cond: graph.condition_text(cond, acc, "en") for acc, cond in _bundled_conditions("enterprise_software")}
    assert texts["known(lin)"] == "Lin Hao known"
    assert texts["days_left >= 50"] == "days_left >= 50"  # no such names: as written
    for cond, text in {c: graph.condition_text(c, a, "en") for a, c in _bundled_conditions("pipeline")}.items():
        for func in ("known(", "chose(", "visits(", "agreed(", "walk_away"):
            assert func not in text, (cond, text)


def test_the_chinese_roadmap_of_a_pipeline_uses_full_width_punctuation_and_company_names():
    sc = load_scenario("pipeline")
    with graph.chart_style():
        joined = "\n".join(_texts(graph.figure(sc, "zh")))
        english = "\n".join(_texts(graph.figure(sc, "en")))
    for acc in sc.spec.accounts:
        assert f"[{acc.id}]" not in joined and f"[{acc.id}]" not in english  # no raw account ids
        assert f"［{acc.persona.company['zh']}］" in joined and f"[{acc.persona.company['en']}]" in english
    assert "客户愿付上限" in joined and "walk_away" not in joined
    assert "（1天）" in joined and "(1天)" not in joined
    assert "%: " not in joined and "%：" in joined  # 概率45%：…
    assert not [line for line in joined.splitlines() if line[:1] in "：，。、"]  # no line starts with '：'


def test_wrap_never_starts_a_line_with_closing_punctuation():
    text = "［北方重机集团］第17.5天 · 概率70%：集团网络安全办公室规定：所有云服务供应商签约前都必须通过等保2.0审查。"
    with graph.chart_style():
        for width in (1.0, 1.5, 2.0, 2.7):
            lines = graph.wrap(text, width, 6.5)
            assert all(graph.text_width(line, 6.5) <= width + 1e-6 for line in lines)
            assert not [line for line in lines if line[:1] in "：，。"], lines
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")
