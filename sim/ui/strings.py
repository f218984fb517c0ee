"""Every user-interface string of the front end, in English and Chinese.

Scenario text comes from the scenario (resolved with :func:`sim.lang.text.resolve`); everything else the
trainee reads is here, so a translation is one table and a test can check that none is missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from sim.lang.text import DEFAULT_LOCALE, REVIEW_CLASS_NAMES, STAGE_NAMES, UI_LOCALES

__all__ = ["CURRENCY_NAMES_ZH", "CURRENCY_SYMBOLS", "STRINGS", "colon", "default_locale", "fmt_days", "fmt_money",
           "fmt_percent", "sentences", "tr"]

STRINGS: dict[str, dict[str, str]] = {
    # --- app and picker ----------------------------------------------------------------------------
    "app_title": {"en": "Touchpoint", "zh": "Touchpoint 销售路线图"},
    "app_subtitle": {"en": "Train on the customer sales roadmap", "zh": "客户销售路线图训练"},
    "picker_heading": {"en": "Choose a case", "zh": "选择案例"},
    "picker_hint": {"en": "Number keys or click to choose · Enter to open · L switches language",
                    "zh": "按数字键或点击选择 · 回车打开 · L 切换语言"},
    "language": {"en": "Language", "zh": "语言"},
    "lang_en": {"en": "English", "zh": "English"},
    "lang_zh": {"en": "中文", "zh": "中文"},
    "industry": {"en": "Industry", "zh": "行业"},
    "difficulty": {"en": "Difficulty", "zh": "难度"},
    "minutes": {"en": "{n} min", "zh": "{n} 分钟"},
    "languages": {"en": "Languages", "zh": "语言"},
    "pipeline_badge": {"en": "Pipeline · {n} accounts", "zh": "销售管道 · {n} 个客户"},
    "difficulty_intro": {"en": "Intro", "zh": "入门"},
    "difficulty_easy": {"en": "Easy", "zh": "简单"},
    "difficulty_medium": {"en": "Medium", "zh": "中等"},
    "difficulty_hard": {"en": "Hard", "zh": "困难"},
    "scenario_broken": {"en": "Cannot be opened", "zh": "无法打开"},
    "no_scenarios": {"en": "No scenarios found.", "zh": "没有找到案例。"},
    "open": {"en": "Open", "zh": "打开"},
    "key_hint": {"en": "{text}  ({hint})", "zh": "{text}（{hint}）"},  # a button's label and its key
    # --- briefing ------------------------------------------------------------------------------------
    "briefing": {"en": "Briefing", "zh": "案例简报"},
    "customer": {"en": "The customer", "zh": "客户画像"},
    "size": {"en": "Size", "zh": "规模"},
    "needs": {"en": "Needs", "zh": "需求"},
    "pain_points": {"en": "Pain points", "zh": "痛点"},
    "buying_center": {"en": "The buying center", "zh": "采购决策小组"},
    "cares_about": {"en": "Cares about", "zh": "关心"},
    "influence_word": {"en": "{level} influence", "zh": "影响力{level}"},
    "joins_later": {"en": "joins later", "zh": "稍后加入"},
    "objective": {"en": "Your objective", "zh": "你的目标"},
    "grading": {"en": "How you are graded", "zh": "评分方式"},
    "w_conversion": {"en": "Winning the deal", "zh": "赢单"},
    "w_satisfaction": {"en": "Buyer satisfaction", "zh": "客户满意度"},
    "w_cycle_time": {"en": "A short sales cycle", "zh": "销售周期短"},
    "w_retention": {"en": "Renewal after the sale", "zh": "售后续约"},
    "w_revenue": {"en": "Revenue against the list price", "zh": "成交收入（对比标价）"},
    "w_margin": {"en": "Margin against the best margin the deal allows", "zh": "毛利（对比交易可达的最高毛利）"},
    "cycle_rule": {"en": "Full cycle marks for a close by day {target}; none from day {max}.",
                   "zh": "第 {target} 天前成交得满分周期分；第 {max} 天及以后不得分。"},
    "pass_rule": {"en": "Pass mark {mark} of 100.", "zh": "及格线 {mark} 分（满分 100）。"},
    "wins_rule": {"en": "Win at least {n} of the {total} accounts.", "zh": "至少赢下 {total} 个客户中的 {n} 个。"},
    "deadline": {"en": "Deadline: day {day}", "zh": "截止：第 {day} 天"},
    "your_name": {"en": "Your name (goes in the log)", "zh": "你的名字（写入记录）"},
    "name_placeholder": {"en": "Click to type your name", "zh": "点击输入名字"},
    "start": {"en": "Start", "zh": "开始"},
    "start_hint": {"en": "Enter to start · Esc for the menu", "zh": "回车开始 · Esc 打开菜单"},
    "back": {"en": "Back", "zh": "返回"},
    "competitor": {"en": "Competitor", "zh": "竞争对手"},
    "deal_value": {"en": "Deal value", "zh": "合同金额"},
    "facts_heading": {"en": "What you know", "zh": "已知信息"},
    "terms_on_offer": {"en": "Terms that can be traded", "zh": "可交换的条款"},
    # --- play ----------------------------------------------------------------------------------------
    "day": {"en": "Day {day}", "zh": "第 {day} 天"},
    "days_left": {"en": "{n} days left", "zh": "剩 {n} 天"},
    "days_cost": {"en": "{n} days", "zh": "{n} 天"},
    "day_cost_one": {"en": "1 day", "zh": "1 天"},
    "no_time": {"en": "no time", "zh": "不占时间"},
    "menu": {"en": "Menu", "zh": "菜单"},
    "roadmap": {"en": "Sales roadmap", "zh": "销售路线图"},
    "buyer_here": {"en": "Buyer is here", "zh": "客户所在"},
    "stage_done": {"en": "done", "zh": "已完成"},
    "stage_skipped": {"en": "not used", "zh": "不适用"},
    "stakeholders": {"en": "Stakeholders", "zh": "相关人"},
    "mood": {"en": "Mood", "zh": "情绪"},
    "trust": {"en": "Trust", "zh": "信任"},
    "absent": {"en": " (not in the buying center)", "zh": "（不在决策小组中）"},
    "role_unknown": {"en": "? role unknown", "zh": "？角色未知"},
    "role_unrevealed": {"en": "? {role}", "zh": "？{role}"},  # a role the seller never found out (debrief)
    "influence_unknown": {"en": "influence unknown", "zh": "影响力未知"},
    "facts_none": {"en": "Nothing found out yet", "zh": "尚未了解到"},
    "facts_unknown_one": {"en": "1 fact not yet known", "zh": "还有 1 条信息未知"},
    "facts_unknown": {"en": "{n} facts not yet known", "zh": "还有 {n} 条信息未知"},
    "deal": {"en": "Price and terms", "zh": "价格与条款"},
    "list_price": {"en": "List price", "zh": "标价"},
    "price_now": {"en": "On the table", "zh": "当前价格"},
    "price_off": {"en": " ({pct} off)", "zh": "（优惠 {pct}）"},
    "floor": {"en": "Your floor", "zh": "你的底价"},
    "margin_now": {"en": "Your margin", "zh": "你的毛利"},
    "terms_agreed": {"en": "Agreed", "zh": "已约定"},
    "no_terms": {"en": "none yet", "zh": "暂无"},
    "deal_line": {"en": "List {list} · on the table {price}", "zh": "标价 {list} · 当前 {price}"},
    "agenda_title": {"en": "What do you do next?", "zh": "下一步做什么？"},
    "agenda_situation": {"en": "Each happens at most once here; the buyer's clock runs while you work.",
                         "zh": "每项在这里最多进行一次；你忙的时候，客户的时钟照样在走。"},
    "agenda_done": {"en": "Done so far: {list}", "zh": "已完成：{list}"},
    "move_on": {"en": "Move on", "zh": "不再安排，继续推进"},
    "move_on_next": {"en": "Leave the rest; next: {title}", "zh": "其余不做；下一步：{title}"},
    "move_on_stage": {"en": "Leave the rest; on to {stage} once the buyer is ready",
                      "zh": "其余不做；客户准备好后进入{stage}阶段"},
    "move_on_end": {"en": "Leave the rest of the agenda", "zh": "其余安排都不做"},
    "days_range": {"en": "{a}–{b} days", "zh": "{a}–{b} 天"},
    "signals": {"en": "Deal signals", "zh": "交易信号"},
    "competition": {"en": "Competition", "zh": "竞争态势"},
    "no_competitor": {"en": "none seen", "zh": "未见竞争"},
    "milestones": {"en": "Milestones", "zh": "里程碑"},
    "no_milestones": {"en": "None reached yet", "zh": "尚未达成"},
    "feed": {"en": "What's happening", "zh": "动态"},
    "feed_empty": {"en": "Nothing new yet.", "zh": "暂无新动态。"},
    "touchpoint": {"en": "Touchpoint {n}", "zh": "接触点 {n}"},
    "with": {"en": "With: {names}", "zh": "参与：{names}"},
    "stage_goal": {"en": "Goal of this stage: {goal}", "zh": "本阶段目标：{goal}"},
    "your_move": {"en": "What do you do?", "zh": "你会怎么做？"},
    "choose_hint": {"en": "Press 1–{n} or click to choose · Enter confirms",
                    "zh": "按 1–{n} 或点击选择 · 回车确认"},
    "confirm": {"en": "Confirm", "zh": "确认"},
    "focus_title": {"en": "Which account do you work on next?", "zh": "接下来跟进哪个客户？"},
    "focus_situation": {"en": "Several buyers are waiting for you. Your days are the one resource they all "
                              "compete for: the others wait while you work, and their clocks keep running.",
                        "zh": "几个客户都在等你。你的时间是他们共同争夺的资源：你在跟进一个客户时，"
                              "其他客户只能等待，而他们的时钟不会停。"},
    "accounts": {"en": "Accounts", "zh": "客户"},
    "status_open": {"en": "open", "zh": "进行中"},
    "status_won": {"en": "won", "zh": "已赢单"},
    "status_lost": {"en": "lost", "zh": "已丢单"},
    "resumed": {"en": "Resumed at decision {n}", "zh": "已从第 {n} 个决策继续"},
    "reloaded": {"en": "Scenario reloaded: the run restarted", "zh": "案例已重新加载，本局已重新开始"},
    "disk_full": {"en": "The disk is full: the game is paused and your log is safe. Free some space to go on.",
                  "zh": "磁盘已满：游戏已暂停，日志完好。请释放一些空间后继续。"},
    "disk_ok": {"en": "Space is back: your log is saved and the game goes on",
                "zh": "空间已恢复：日志已保存，游戏继续"},
    # --- feedback ------------------------------------------------------------------------------------
    "you_chose": {"en": "You chose", "zh": "你的选择"},
    "reaction": {"en": "How the buyer reacted", "zh": "客户的反应"},
    "changes": {"en": "What changed", "zh": "变化"},
    "no_changes": {"en": "No visible change.", "zh": "没有明显变化。"},
    "coach": {"en": "Coach", "zh": "教练点评"},
    "continue": {"en": "Continue", "zh": "继续"},
    "continue_hint": {"en": "Enter to continue", "zh": "回车继续"},
    "time_passed": {"en": "Day {a} → day {b}", "zh": "第 {a} 天 → 第 {b} 天"},
    "ch_mood": {"en": "{name}: mood {a} → {b}", "zh": "{name}：情绪 {a} → {b}"},
    "ch_trust": {"en": "{name}: trust {a} → {b}", "zh": "{name}：信任 {a} → {b}"},
    "ch_join": {"en": "{name} joined the buying center", "zh": "{name}加入了决策小组"},
    "ch_leave": {"en": "{name} left the buying center", "zh": "{name}离开了决策小组"},
    "ch_stage": {"en": "{company} moved to {stage}", "zh": "{company}进入{stage}阶段"},
    "ch_milestone": {"en": "Milestone: {label}", "zh": "里程碑：{label}"},
    "ch_milestone_lost": {"en": "Milestone lost: {label}", "zh": "失去里程碑：{label}"},
    "ch_competition": {"en": "Competition: {a} → {b}", "zh": "竞争态势：{a} → {b}"},
    "ch_won": {"en": "{company} signed the contract", "zh": "{company}签约了"},
    "ch_lost": {"en": "{company}: deal lost", "zh": "{company}：丢单"},
    "ch_event": {"en": "Day {day}: {text}", "zh": "第 {day} 天：{text}"},
    "up": {"en": "up", "zh": "上升"},
    "ch_price": {"en": "Price on the table: {a} → {b}", "zh": "当前价格：{a} → {b}"},
    "ch_term": {"en": "Agreed: {label}", "zh": "约定：{label}"},
    "ch_reveal_person": {"en": "You found out {name}'s part: {role}", "zh": "你弄清了{name}的角色：{role}"},
    "surfaced": {"en": "Since your last meeting: {change}", "zh": "自上次见面以来：{change}"},
    "ch_reveal_fact": {"en": "New fact: {label}: {value}", "zh": "新信息：{label}：{value}"},
    "mv_trust_up": {"en": "{name}'s trust rose", "zh": "{name}的信任上升了"},
    "mv_trust_up_big": {"en": "{name}'s trust rose sharply", "zh": "{name}的信任大幅上升"},
    "mv_trust_down": {"en": "{name}'s trust fell", "zh": "{name}的信任下降了"},
    "mv_trust_down_big": {"en": "{name}'s trust fell sharply", "zh": "{name}的信任大幅下降"},
    "mv_satisfaction_up": {"en": "{name}'s mood improved", "zh": "{name}的情绪好转了"},
    "mv_satisfaction_up_big": {"en": "{name}'s mood improved a lot", "zh": "{name}的情绪明显好转"},
    "mv_satisfaction_down": {"en": "{name}'s mood worsened", "zh": "{name}的情绪变差了"},
    "mv_satisfaction_down_big": {"en": "{name}'s mood worsened a lot", "zh": "{name}的情绪明显变差"},
    "mv_info_up": {"en": "The buyer knows more to decide with", "zh": "客户掌握的决策信息增加了"},
    "mv_info_up_big": {"en": "The buyer knows much more to decide with", "zh": "客户掌握的决策信息大幅增加"},
    "mv_info_down": {"en": "The buyer knows less to decide with", "zh": "客户掌握的决策信息减少了"},
    "mv_info_down_big": {"en": "The buyer knows much less to decide with", "zh": "客户掌握的决策信息大幅减少"},
    "mv_fit_up": {"en": "Your solution fits their needs better", "zh": "你的方案更贴合他们的需求了"},
    "mv_fit_up_big": {"en": "Your solution fits their needs much better", "zh": "你的方案明显更贴合他们的需求"},
    "mv_fit_down": {"en": "Your solution fits their needs less well", "zh": "你的方案与需求的契合度下降了"},
    "mv_fit_down_big": {"en": "Your solution fits their needs much less well", "zh": "你的方案与需求的契合度大幅下降"},
    "mv_competitor_up": {"en": "The competitor gained ground", "zh": "竞争对手的优势扩大了"},
    "mv_competitor_up_big": {"en": "The competitor gained a lot of ground", "zh": "竞争对手的优势大幅扩大"},
    "mv_competitor_down": {"en": "The competitor lost ground", "zh": "竞争对手的优势缩小了"},
    "mv_competitor_down_big": {"en": "The competitor lost a lot of ground", "zh": "竞争对手的优势大幅缩小"},
    "mv_other_up": {"en": "{name}: {var} rose", "zh": "{name}：{var}上升了"},
    "mv_other_down": {"en": "{name}: {var} fell", "zh": "{name}：{var}下降了"},
    "down": {"en": "down", "zh": "下降"},
    # --- debrief -------------------------------------------------------------------------------------
    "debrief": {"en": "Debrief", "zh": "复盘"},
    "result_won": {"en": "Deal won", "zh": "赢单"},
    "result_lost": {"en": "Deal lost", "zh": "丢单"},
    "result_won_pipeline": {"en": "Pipeline target met: {won} of {total} won",
                            "zh": "达成管道目标：赢下 {total} 个中的 {won} 个"},
    "result_lost_pipeline": {"en": "Pipeline target missed: {won} of {total} won",
                             "zh": "未达管道目标：赢下 {total} 个中的 {won} 个"},
    "won_on": {"en": "Signed on day {day}.", "zh": "第 {day} 天签约。"},
    "won_at": {"en": "Signed on day {day} at {price}.", "zh": "第 {day} 天以{price}签约。"},
    "lost_on": {"en": "Lost on day {day}.", "zh": "第 {day} 天丢单。"},
    "veto_power": {"en": "can veto", "zh": "有否决权"},
    "scorecard": {"en": "Scorecard", "zh": "成绩单"},
    "conversion": {"en": "Conversion", "zh": "转化"},
    "satisfaction": {"en": "Satisfaction", "zh": "满意度"},
    "cycle_time": {"en": "Cycle time", "zh": "销售周期"},
    "retention": {"en": "Renewal chance", "zh": "续约概率"},
    "score": {"en": "Score", "zh": "总分"},
    "grade": {"en": "Grade", "zh": "等级"},
    "passed": {"en": "passed", "zh": "及格"},
    "failed": {"en": "below the pass mark", "zh": "未及格"},
    "no_close": {"en": "no close", "zh": "未成交"},
    "n_days": {"en": "{n} days", "zh": "{n} 天"},
    "timeline": {"en": "Your run along the roadmap", "zh": "本局路线回顾"},
    "hidden": {"en": "The hidden numbers", "zh": "隐藏数值揭晓"},
    "hidden_head": {"en": "trust / satisfaction, start → end", "zh": "信任 / 满意度：开始 → 结束"},
    "differed": {"en": "Where the coach would have chosen differently", "zh": "与教练建议不同的选择"},
    "no_differences": {"en": "You chose as the coach recommends at every step.",
                       "zh": "每一步都与教练的建议一致。"},
    "your_choice": {"en": "You: {label}", "zh": "你：{label}"},
    "coach_choice": {"en": "Coach: {label}", "zh": "教练：{label}"},
    "focus_choice": {"en": "Which account to work on", "zh": "先跟进哪个客户"},
    "log_saved": {"en": "Log saved to {path}: hand this file in.", "zh": "记录已保存到 {path}，请提交此文件。"},
    "log_complete": {"en": "This log is complete.", "zh": "此记录已完成。"},
    "play_again": {"en": "Play again", "zh": "再玩一次"},
    "scenarios": {"en": "Scenarios", "zh": "案例列表"},
    "quit": {"en": "Quit", "zh": "退出"},
    "debrief_hint": {"en": "R plays again · S back to the scenarios · Q quits",
                     "zh": "R 再玩一次 · S 返回案例列表 · Q 退出"},
    "tl_decision": {"en": "{title} — {label}", "zh": "{title}：{label}"},
    "tl_start": {"en": "Start", "zh": "开始"},
    "legend_good": {"en": "choice as the coach advises", "zh": "与教练一致的选择"},
    "legend_bad": {"en": "choice the coach would change", "zh": "与教练不同的选择"},
    "legend_event": {"en": "event", "zh": "事件"},
    "legend_outcome": {"en": "won / lost", "zh": "赢单 / 丢单"},
    "revenue": {"en": "Revenue", "zh": "成交收入"},
    "margin": {"en": "Margin", "zh": "毛利"},
    "of_list": {"en": "{pct} of list", "zh": "标价的 {pct}"},
    "never_found": {"en": "Never discovered", "zh": "始终没有发现"},
    "never_found_none": {"en": "You found out who everyone is and every fact.",
                         "zh": "你弄清了每个人的角色和每条信息。"},
    "never_found_person": {"en": "{name}: {role}", "zh": "{name}：{role}"},
    "agenda_choice": {"en": "What to do next", "zh": "下一步安排"},
    # --- the game review in the debrief ----------------------------------------------------------------
    "tab_result": {"en": "Result", "zh": "结果"},
    "tab_review": {"en": "Game review", "zh": "决策评析"},
    "review_heading": {"en": "Game review", "zh": "决策评析"},
    "reviewing": {"en": "Reviewing your game: every option of every decision played out with the same dice…",
                  "zh": "正在评析：用同样的运气推演每个决策的每个选项……"},
    "reviewing_n": {"en": "{done} of {total} decisions", "zh": "已完成 {done}/{total} 个决策"},
    "review_failed": {"en": "The review could not be made ({error}).", "zh": "无法完成评析（{error}）。"},
    "review_accuracy": {"en": "accuracy", "zh": "决策准确度"},
    "review_expected": {"en": "Expected score {expected} · your score {actual} · luck {luck}",
                        "zh": "预期得分 {expected} · 实际得分 {actual} · 运气 {luck}"},
    "review_graph": {"en": "Win chance after each decision", "zh": "每个决策后的赢单概率"},
    "review_yours": {"en": "your choices", "zh": "你的选择"},
    "review_best_line": {"en": "best option", "zh": "最佳选项"},
    "review_decisions": {"en": "Each decision", "zh": "逐个决策"},
    "review_hint": {"en": "Pick a decision (click, or ↑ ↓) and replay it with another option, on the same dice.",
                    "zh": "选一个决策（点击或按 ↑ ↓），用同样的运气换个选项重玩。"},
    "review_you": {"en": "You: {label}", "zh": "你：{label}"},
    "review_lost": {"en": "-{points} points", "zh": "损失 {points} 分"},
    "review_lost_win": {"en": "-{win} win chance", "zh": "赢单概率低了 {win}"},
    "review_win": {"en": "win chance {win}", "zh": "赢单概率 {win}"},
    "review_best": {"en": "Best: {label}", "zh": "最佳：{label}"},
    "review_reason": {"en": "Why: {reason}", "zh": "原因：{reason}"},
    "review_perfect": {"en": "Every choice was the best one. Each decision below says why it was right.",
                       "zh": "每一步都是最佳选择。下面逐个说明为什么正确。"},
    "decisive": {"en": "decisive moment", "zh": "关键时刻"},
    "replay_here": {"en": "Replay from here", "zh": "从这里重玩"},
    "replay_pick": {"en": "Pick a decision to replay", "zh": "先选一个决策"},
    "rv_accuracy_line": {"en": "Played at {pct}% accuracy", "zh": "决策准确度 {pct}%"},
    "rv_event_decided": {"en": "“{text}” on day {day} decided it ({points} points)",
                         "zh": "第 {day} 天的“{text}”左右了结果（约 {points} 分）"},
    "rv_costliest": {"en": "decision {n} ({klass}) cost the most", "zh": "第 {n} 个决策（{klass}）代价最大"},
    "rv_lucky": {"en": "lucky: scored {actual} against {expected} expected",
                 "zh": "运气好：实际 {actual} 分，预期 {expected} 分"},
    "rv_unlucky": {"en": "unlucky: scored {actual} against {expected} expected",
                   "zh": "运气差：实际 {actual} 分，预期 {expected} 分"},
    "rv_no_luck": {"en": "scored {actual}, as expected ({expected})",
                   "zh": "实际 {actual} 分，与预期（{expected} 分）相符"},
    **{f"class_{key}": names for key, names in REVIEW_CLASS_NAMES.items()},
    # --- practice branches ("Replay from here") ---------------------------------------------------------
    "branch_badge": {"en": "Practice branch · not graded", "zh": "练习分支 · 不计成绩"},
    "branch_started": {"en": "Practice branch from decision {n}, same dice. In your game you chose: {label}",
                       "zh": "练习分支：从第 {n} 个决策开始，运气相同。原对局中你选了：{label}"},
    "branch_note": {"en": "Practice branch from decision {n} of {log}: not graded.",
                    "zh": "这是从 {log} 第 {n} 个决策开始的练习分支，不计成绩。"},
    "branch_saved": {"en": "Practice branch (not graded) saved to {path}; hand in your game's log.",
                     "zh": "练习分支（不计成绩）已保存到 {path}；请提交原对局的记录。"},
    "back_to_game": {"en": "Back to your game", "zh": "返回原对局"},
    "branch_failed": {"en": "Cannot start the practice branch: {error}", "zh": "无法开始练习分支：{error}"},
    # --- menu ----------------------------------------------------------------------------------------
    "menu_title": {"en": "Paused", "zh": "已暂停"},
    "resume": {"en": "Resume", "zh": "继续"},
    "restart": {"en": "Restart this case", "zh": "重新开始本案例"},
    "menu_hint": {"en": "Your choices so far are saved in the log.", "zh": "已做的选择都已保存在记录中。"},
    "restart_confirm": {"en": "Restart? Your current game's log is kept.", "zh": "重新开始？当前这局的记录会保留。"},
    "yes": {"en": "Yes", "zh": "是"},
    "no": {"en": "No", "zh": "否"},
    # --- errors (watch mode) -------------------------------------------------------------------------
    "error_title": {"en": "The scenario has problems", "zh": "案例文件有问题"},
    "error_hint": {"en": "Fix the file and save it: the game reloads it by itself.",
                   "zh": "修改并保存文件，游戏会自动重新加载。"},
    # --- levels (names of the signals in sim/signals.py) --------------------------------------------
    "mood_unhappy": {"en": "unhappy", "zh": "不满"},
    "mood_skeptical": {"en": "skeptical", "zh": "怀疑"},
    "mood_neutral": {"en": "neutral", "zh": "中立"},
    "mood_positive": {"en": "positive", "zh": "积极"},
    "mood_enthusiastic": {"en": "enthusiastic", "zh": "热情"},
    "trust_guarded": {"en": "guarded", "zh": "戒备"},
    "trust_cautious": {"en": "cautious", "zh": "谨慎"},
    "trust_open": {"en": "open", "zh": "开放"},
    "trust_trusting": {"en": "confident", "zh": "信赖"},  # not trusting / 信任: that is the signal's label
    "trust_advocate": {"en": "advocate", "zh": "拥护"},
    "comp_quiet": {"en": "quiet", "zh": "平静"},
    "comp_active": {"en": "active", "zh": "活跃"},
    "comp_strong": {"en": "strong", "zh": "强势"},
    "influence_high": {"en": "high", "zh": "高"},
    "influence_medium": {"en": "medium", "zh": "中"},
    "influence_low": {"en": "low", "zh": "低"},
    # --- the roadmap stages ----------------------------------------------------------------------------
    **{f"stage_{key}": names for key, names in STAGE_NAMES.items()},
    # --- buying-center roles ---------------------------------------------------------------------------
    "role_economic_buyer": {"en": "Economic buyer", "zh": "经济决策者"},
    "role_technical_buyer": {"en": "Technical buyer", "zh": "技术把关人"},
    "role_user": {"en": "User", "zh": "使用者"},
    "role_champion": {"en": "Champion", "zh": "内部支持者"},
    "role_gatekeeper": {"en": "Gatekeeper", "zh": "守门人"},
    "role_influencer": {"en": "Influencer", "zh": "影响者"},
    # --- why deals are lost (sim.lang.schema.LOSS_REASONS) -----------------------------------------------
    "loss_patience": {"en": "The buyer ran out of time and stayed with the status quo.",
                      "zh": "客户等不及了，最终维持现状。"},
    "loss_competitor": {"en": "The buyer signed with the competitor.", "zh": "客户与竞争对手签约了。"},
    "loss_veto": {"en": "A stakeholder with a veto blocked the close.", "zh": "有否决权的决策人否决了成交。"},
    "loss_stalled": {"en": "The deal stalled: the buyer never got past this stage.",
                     "zh": "交易停滞：客户始终没能通过这一阶段。"},
    "loss_disqualified": {"en": "The opportunity was disqualified.", "zh": "该商机被判定为不合格。"},
    "loss_cancelled": {"en": "The buyer cancelled the purchase.", "zh": "客户取消了采购。"},
    "loss_price": {"en": "At the close the price, less what the agreed terms were worth to the buyer, was "
                         "above what they would pay: they took their alternative.",
                   "zh": "成交时，价格减去已谈妥条款对客户的价值，仍高于客户愿意支付的上限：客户选择了其他方案。"},
    "loss_unknown": {"en": "The deal was lost.", "zh": "交易丢失。"},
    "lost_in_stage": {"en": "Lost in {stage}.", "zh": "在{stage}阶段丢单。"},
    # --- what ``touchpoint play`` prints in the terminal when the window closes -------------------------
    "cli_log_won": {"en": "log: {path} (complete: won, score {score}, grade {grade})",
                    "zh": "记录：{path}（已完成：赢单，总分 {score}，等级 {grade}）"},
    "cli_log_lost": {"en": "log: {path} (complete: lost, score {score}, grade {grade})",
                     "zh": "记录：{path}（已完成：丢单，总分 {score}，等级 {grade}）"},
    "cli_log_unfinished": {"en": "log: {path} (unfinished: continue with 'touchpoint play --resume {path}')",
                           "zh": "记录：{path}（未完成：运行“touchpoint play --resume {path}”继续）"},
    "cli_assignment": {"en": "assignment {id}: attempt {n} of {total}, due {due}",
                       "zh": "作业 {id}：第 {n} 次尝试（共 {total} 次），截止 {due}"},
}


def tr(key: str, locale: str, **values: object) -> str:
    """The UI string ``key`` in ``locale`` (English if that language is missing), formatted."""
    entry = STRINGS[key]
    text = entry.get(locale) or entry.get(locale.split("-")[0]) or entry[DEFAULT_LOCALE]
    return text.format(**values) if values else text


def default_locale(env: Mapping[str, str] | None = None) -> str:
    """The UI language from the system locale (LC_ALL, LC_MESSAGES, LANG): zh for a Chinese one."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].lower()
            if code in UI_LOCALES:
                return code
            if code not in ("c", "posix"):
                return DEFAULT_LOCALE
    return DEFAULT_LOCALE


def colon(locale: str) -> str:
    """The separator after a label: a full-width colon in Chinese."""
    return "：" if locale.startswith("zh") else ": "


def sentences(parts: list[str], locale: str) -> str:
    """Join sentences: with spaces in English, without in Chinese."""
    return ("" if locale.startswith("zh") else " ").join(p for p in parts if p)


#: Currencies written with a symbol in English (others: "360,000 CHF").
CURRENCY_SYMBOLS: dict[str, str] = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
#: Currencies by their Chinese name (others: "36万 CHF").
CURRENCY_NAMES_ZH: dict[str, str] = {"CNY": "元", "USD": "美元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元",
                                     "HKD": "港元"}


def _trim(value: float, decimals: int) -> str:
    """``value`` with at most ``decimals`` decimals and no trailing zeros (36.50 -> 36.5, 36.00 -> 36)."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_money(amount: float, currency: str = "CNY", locale: str = "en") -> str:
    """An amount of money as the locale writes it.

    English: "¥360,000", "$1,250.50", "360,000 CHF" (a symbol for the currencies that have a usual
    one, the ISO code after the number otherwise). Chinese: in 万 from ten thousand and in 亿 from
    a hundred million, with at most two decimals: "36万元", "36.5万元", "1.2亿元", "8000元",
    "36万美元". A negative amount gets a minus sign ("-") in front.
    """
    sign = "-" if amount < 0 else ""  # a hyphen-minus: the Chinese font has no U+2212
    value = abs(float(amount))
    code = (currency or "CNY").upper()
    if locale.startswith("zh"):
        unit = CURRENCY_NAMES_ZH.get(code)
        if round(value / 1e4, 2) >= 1e4:
            number = _trim(value / 1e8, 2) + "亿"
        elif round(value, 2) >= 1e4:
            number = _trim(value / 1e4, 2) + "万"
        else:
            number = _trim(value, 2)
        return sign + (number + unit if unit else f"{number} {code}")
    number = _grouped(value)
    symbol = CURRENCY_SYMBOLS.get(code)
    return sign + (symbol + number if symbol else f"{number} {code}")


def _grouped(value: float) -> str:
    """Thousands grouped with commas; cents only when there are any (1,250.50, 360,000)."""
    cents = round(value * 100) % 100
    return f"{value:,.2f}" if cents else f"{round(value):,}"


def fmt_percent(fraction: float) -> str:
    """A share as a percentage: whole when it is nearly whole (10%), else one decimal (8.3%)."""
    pct = fraction * 100
    return f"{pct:.0f}%" if abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"


def fmt_days(days: float) -> str:
    """A day count without a trailing .0 (days can be fractional)."""
    return f"{days:.0f}" if abs(days - round(days)) < 0.05 else f"{days:.1f}"
