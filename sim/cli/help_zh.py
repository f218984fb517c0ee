"""``--help`` in Chinese (``touchpoint --locale zh --help``, ``touchpoint COMMAND --locale zh --help``).

:data:`HELP_ZH` is the catalog: every English text the help shows (the commands' descriptions and
one-line summaries, every argument's help, argparse's own headings and help lines) and its Chinese.
:class:`sim.cli.Parser` looks each text up where it is registered (``tests/test_cli_help_zh.py``
fails, naming the text, when one has no entry). Option names, metavars, file names, ids, numbers
and examples stay as they are; ``%(default)s`` and the like are kept for argparse to fill in.

Chinese has no spaces to break lines at, and each character takes two columns of a terminal, so
argparse's wrapping (by characters, at spaces) would overflow the window: :func:`lay_out` breaks
the texts by display width itself (never before a closing mark such as ，or ）, never after an
opening one), and :class:`Formatter` keeps those lines as they are.
"""

from __future__ import annotations

import argparse
import re
import shutil
import unicodedata
from typing import Any

__all__ = ["HELP_ZH", "USAGE_EN", "USAGE_ZH", "Formatter", "chinese", "lay_out", "text_width"]

#: argparse's heading of the usage line, and the Chinese one: the same width in a terminal (7
#: columns), so the usage's continuation lines, indented by argparse to follow it, stay aligned.
USAGE_EN = "usage: "
USAGE_ZH = "用法： "

#: The column the help texts of arguments start at, at most (argparse's default; :class:`Formatter`
#: passes it on), so a text laid out for the rest of the line fits wherever argparse puts it.
HELP_COLUMN = 24
#: The narrowest a text is laid out (argparse keeps at least 20 columns for help on a narrow terminal).
MIN_WIDTH = 20

HELP_ZH: dict[str, str] = {
    # --- argparse's own -------------------------------------------------------------------------------
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助信息并退出",
    "show program's version number and exit": "显示程序版本号并退出",
    # --- touchpoint ---------------------------------------------------------------------------------------
    "Touchpoint: play and grade the customer sales roadmap.": "Touchpoint：演练客户销售路线图，并为学员评分。",
    # --- the subcommands' one-line summaries (touchpoint --help) -------------------------------------------
    "list the bundled scenarios": "列出内置案例",
    "find problems in scenario files (schema, references, fairness)": "查找案例文件中的问题（结构、引用、公平性）",
    "run headless trainees through a scenario and summarise": "让模拟学员在后台把案例跑一遍，并汇总结果",
    "verify a session log by replaying it": "重放会话日志，以校验它",
    "show the documentation that ships with Touchpoint (field reference, guides)":
        "显示随 Touchpoint 安装的文档（字段参考、指南）",
    "rewrite version-1 scenario files as version 2": "把第 1 版案例文件改写为第 2 版",
    "price every decision of session logs, like a chess game review": "像棋局复盘一样，评估会话日志中每个决策的得失",
    "play a scenario in a window": "在窗口中玩一个案例",
    "verify and grade a class's session logs (CSV for the LMS, xAPI, HTML report)":
        "校验全班的会话日志并评分（供 LMS 导入的 CSV、xAPI、HTML 报告）",
    "write a synthetic class's session logs and roster": "生成一个模拟班级的会话日志和花名册",
    "write an assignment: each trainee's seeds for a scenario, from a class secret":
        "生成作业：由班级密钥为每名学员生成一个案例的种子",
    "print the JSON Schema of scenario files (for editors)": "输出案例文件的 JSON Schema（供编辑器使用）",
    "write a commented starter scenario to edit": "生成一个带注释的入门案例，供你修改",
    "is the case fair, and does skill decide it? (random, expert, lookahead bots)":
        "案例是否公平？胜负是否取决于技能？（随机、专家、前瞻机器人）",
    "draw a scenario as a roadmap picture (SVG or PNG)": "把案例画成路线图（SVG 或 PNG）",
    # --- touchpoint scenarios -----------------------------------------------------------------------------
    "List the scenarios that ship with Touchpoint.": "列出随 Touchpoint 提供的案例。",
    "print a JSON list (id, title, path, ...)": "输出 JSON 列表（id、title、path 等）",
    "language of titles in the plain listing: en or zh (or a variant such as zh-TW)":
        "普通列表中标题的语言：en 或 zh（或 zh-TW 等变体）",
    # --- touchpoint check ---------------------------------------------------------------------------------
    "Check scenario files: YAML, schema and references, then semantic checks (conditions that never hold, "
    "soft-locks, unreachable outcomes, missing translations) and, with seeded bot runs, balance warnings. "
    "Every problem is reported in one pass.":
        "检查案例文件：先查 YAML、结构和引用，再做语义检查（永远不成立的条件、走不下去的死局、无法到达的结局、"
        "缺少的翻译），并用带种子的机器人运行给出平衡性警告。一次报告全部问题。",
    "scenario YAML files (or bundled ids)": "案例 YAML 文件（或内置案例的 id）",
    "text: file:line:column: [severity] message (default); github: workflow annotations":
        "text：“文件:行:列: [级别] 消息”（默认）；github：GitHub 工作流注释",
    "exit 1 on warnings too": "有警告时也以退出码 1 退出",
    "seeded bot runs for the run-based checks (default 600, at most 1,000,000; 0 skips them)":
        "基于运行的检查所用的带种子机器人运行次数（默认 600，最多 1,000,000；0 表示跳过）",
    "skip the run-based checks (same as --runs 0)": "跳过基于运行的检查（同 --runs 0）",
    "seed of the first bot run (default 0)": "第一次机器人运行的种子（默认 0）",
    "language of the messages (en, zh)": "消息的语言（en、zh）",
    "print every problem (default: at most 200 lines, and 10 warnings of one kind, then a count of the rest)":
        "输出全部问题（默认：最多 200 行，同类警告最多 10 条，其余只计数）",
    "print problems only, no summary lines": "只输出问题，不输出汇总行",
    # --- touchpoint run -----------------------------------------------------------------------------------
    "Run a policy through a scenario N times and summarise the scores.": "用一种策略把案例运行 N 次，并汇总得分。",
    "a bundled scenario id or a scenario file": "内置案例的 id 或案例文件",
    "random, expert, a policy file (YAML: choices: {touchpoint: action}) or a session log":
        "random、expert、策略文件（YAML：choices: {touchpoint: action}）或会话日志",
    "number of runs (default 100, at most 1,000,000)": "运行次数（默认 100，最多 1,000,000）",
    "seed of the first run (default 0)": "第一次运行的种子（默认 0）",
    "print one JSON object": "输出一个 JSON 对象",
    "write each run's session log to DIR": "把每次运行的会话日志写入 DIR",
    "show a progress bar on stderr even when it is not a terminal (it shows on a terminal)":
        "即使 stderr 不是终端也显示进度条（在终端上总会显示）",
    # --- touchpoint replay --------------------------------------------------------------------------------
    "Replay a session log against its scenario and print the recomputed scorecard. Exit 0: the log replays; "
    "1: it is invalid; 2: usage, or a log that cannot be read.":
        "按对应的案例重放会话日志，并输出重新计算的成绩单。退出码 0：日志可以重放；1：日志无效；"
        "2：用法错误，或日志无法读取。",
    "a session log (.jsonl)": "会话日志（.jsonl）",
    "scenario file or id to replay against (default: the one the log names)":
        "重放所依据的案例文件或 id（默认：日志中写明的案例）",
    "print the scorecard as JSON": "以 JSON 格式输出成绩单",
    # --- touchpoint docs ----------------------------------------------------------------------------------
    "Print a page of the documentation that is installed with Touchpoint: 'scenario' (every field of a "
    "scenario file), 'cli' (every command), the tutorial and the how-to guides. Without TOPIC, list the topics.":
        "输出随 Touchpoint 安装的文档中的一页：'scenario'（案例文件的每个字段）、'cli'（每条命令）、"
        "教程和操作指南。不给 TOPIC 时列出全部主题。",
    "the page to show (default: list the topics)": "要显示的页面（默认：列出全部主题）",
    "open the page in the web browser instead of printing it": "在网页浏览器中打开页面，而不是输出",
    "write the page to FILE (HTML if FILE ends in .html) instead of printing it":
        "把页面写入 FILE（FILE 以 .html 结尾时写成 HTML），而不是输出",
    "language of the listing, and of pages written in both (the tutorial)":
        "主题列表的语言，以及有中英两版的页面（教程）的语言",
    # --- touchpoint migrate -------------------------------------------------------------------------------
    "Rewrite version-1 scenario files as version 2 (only the version line changes: version 2 adds fields and "
    "changes none). Each file must load before and after.":
        "把第 1 版案例文件改写为第 2 版（只改版本号这一行：第 2 版只新增字段，不改动已有字段）。"
        "每个文件在改写前后都必须能加载。",
    "scenario files": "案例文件",
    "change nothing; exit 1 if a file would be rewritten": "不做任何修改；若有文件需要改写，以退出码 1 退出",
    # --- touchpoint review --------------------------------------------------------------------------------
    "Review verified session logs: each decision's options played out in other worlds (the same worlds for "
    "every option), the expected points each choice gave up and its class, the run's accuracy, the decisive "
    "moments, and luck (actual score minus expected).":
        "复盘已校验的会话日志：在其他世界中推演每个决策的各个选项（每个选项用同一批世界），"
        "给出每个选择放弃的预期分数及其等级、这一局的决策准确度、决定性时刻，以及运气（实际得分减预期得分）。",
    "session logs (.jsonl)": "会话日志（.jsonl）",
    "worlds per batch of rollouts (default 8): every option gets two batches, then more while the choice's "
    "class is in doubt (up to 8), the same worlds for every option":
        "每批推演的世界数（默认 8）：每个选项先推演两批，选择的等级仍不确定时再加批（最多 8 批），"
        "每个选项用同一批世界",
    "folder of non-bundled scenario files": "存放非内置案例文件的文件夹",
    "print the reviews as JSON": "以 JSON 格式输出复盘结果",
    "also write an HTML review": "另外写出一份 HTML 复盘报告",
    "processes (with --executor process or dask)": "进程数（配合 --executor process 或 dask）",
    "where the rollouts run (default: serial for one worker, else process)":
        "推演在哪里运行（默认：只有一个进程时为 serial，否则为 process）",
    "language of the report (en or zh)": "报告的语言（en 或 zh）",
    "language of the summary (en or zh; the JSON is the same in both)": "汇总的语言（en 或 zh；JSON 输出两种语言相同）",
    # --- touchpoint play ----------------------------------------------------------------------------------
    "Play in a window. With no scenario, a picker lists the bundled cases (tutorial first). Every choice is "
    "written to a session log at once; --resume continues a log.":
        "在窗口中玩。不指定案例时，列出内置案例供选择（教程排在最前）。每个选择都立即写入会话日志；"
        "--resume 可接着日志继续玩。",
    "language of the interface (default: the system's)": "界面的语言（默认：跟随系统）",
    "the trainee's name or id, written in the log": "学员的姓名或编号，写入日志",
    "play an assignment (touchpoint assign): its scenario, on the seed it gives --trainee":
        "玩一份作业（touchpoint assign 生成）：用作业给 --trainee 指定的种子玩其中的案例",
    "with --assignment: which attempt to play (default 1)": "配合 --assignment：玩第几次尝试（默认 1）",
    "continue an unfinished game from its log": "从日志接着玩一局未完成的游戏",
    "seed of the run (default: picked from the clock)": "这一局的种子（默认：按当前时间选取）",
    "where to write the session log (default: touchpoint-logs/ in this folder)":
        "会话日志的写入位置（默认：当前文件夹下的 touchpoint-logs/）",
    "play without a person (for demos and checks)": "无人值守自动玩（用于演示和检查）",
    "save a PNG of every screen shown": "把显示过的每个画面保存为 PNG",
    "reload the scenario file whenever it is saved and restart the run (for authors)":
        "案例文件每次保存后都重新加载并从头开始（供案例作者使用）",
    "window size (default 1280x720)": "窗口尺寸（默认 1280x720）",
    # --- touchpoint grade ---------------------------------------------------------------------------------
    "Replay every session log against its scenario, recompute its score, and write grades (plain, Moodle or "
    "Canvas CSV), xAPI statements and an HTML report. A log that does not replay is listed as invalid. "
    "Exit 0: all logs valid; 1: some invalid; 2: usage.":
        "按对应的案例重放每份会话日志，重新计算得分，并写出成绩（plain、Moodle 或 Canvas 格式的 CSV）、"
        "xAPI 语句和 HTML 报告。无法重放的日志列为无效。退出码 0：全部日志有效；1：部分无效；2：用法错误。",
    "log files, folders (searched for *.jsonl) or globs": "日志文件、文件夹（在其中查找 *.jsonl）或通配符模式",
    "folder of scenario files, found by id (they take precedence over bundled ones)":
        "案例文件所在的文件夹，按 id 查找（优先于内置案例）",
    "roster: trainee id, name, email, section": "花名册：学员编号、姓名、邮箱、班级",
    "grades CSV (default: standard output)": "成绩 CSV 文件（默认：标准输出）",
    "grades CSV shape (default plain)": "成绩 CSV 的格式（默认 plain）",
    "write a self-contained HTML report for the debrief (needs the charts extra)":
        "写出一份独立的 HTML 报告，供课后讲评（需要 charts 组件）",
    "write one xAPI statement per verified attempt": "每次已校验的尝试写一条 xAPI 语句",
    "the institution's address for xAPI: actor account homePage and activity ids under it "
    "(default: Touchpoint's urn: IRIs)":
        "机构在 xAPI 中使用的地址：参与者账户的 homePage 和活动 id 都在它之下（默认：Touchpoint 的 urn: IRI）",
    "which attempt of a trainee is graded: best score, last started, or all (default: the assignment's, else best)":
        "学员的哪次尝试计入成绩：得分最高的、最后开始的，或全部（默认：按作业的规定，没有作业时取最高分）",
    "parallel workers (default: the number of cores)": "并行工作进程数（默认：CPU 核数）",
    "serial, a local process pool (default), or Dask (needs the 'distributed' extra)":
        "串行、本地进程池（默认）或 Dask（需要 distributed 组件）",
    "address of a running Dask scheduler (implies --executor dask)":
        "正在运行的 Dask 调度器的地址（隐含 --executor dask）",
    "logs per task (default: up to a quarter of each worker's share, at most 500, smaller towards the end)":
        "每个任务处理的日志数（默认：至多为每个工作进程份额的四分之一，不超过 500，临近结束时更少）",
    "language of the report and feedback: en or zh, or a variant such as zh-TW "
    "(default: the scenario's first language)":
        "报告和反馈的语言：en 或 zh，或 zh-TW 等变体（默认：案例的第一种语言）",
    "review every verified log (touchpoint review) and add accuracy, expected score and luck to every output":
        "复盘每份已校验的日志（同 touchpoint review），并在每种输出中加入决策准确度、预期得分和运气",
    "with --review: worlds per batch of rollouts (default 8; every option gets two batches, more while the "
    "choice's class is in doubt, up to 8), as touchpoint review":
        "配合 --review：每批推演的世界数（默认 8；每个选项先推演两批，选择的等级仍不确定时再加批，最多 8 批），"
        "同 touchpoint review",
    "grade the run's outcome (default) or the expected score of the choices made, so luck cannot fail a good "
    "player (implies --review)":
        "按这一局的结果（默认）或所做选择的预期得分评分；按后者评分，好学员不会因运气差而不及格（隐含 --review）",
    "an assignment (touchpoint assign): accept only its seeds for each trainee (others are wrong-seed) and "
    "apply its attempts policy":
        "一份作业（touchpoint assign 生成）：每名学员只接受作业给的种子（其他种子记为 wrong-seed），"
        "并按作业的规定选取计分的尝试",
    "keep results in this file by each log's content: a re-run grades only new or changed logs, an interrupted "
    "run resumes, an unchanged class writes its last outputs again":
        "按每份日志的内容把结果保存在这个文件里：再次运行时只评新增或改动过的日志，中断的运行可以接着进行，"
        "班级没有变化时重新写出上次的输出",
    "no progress bar, and no summary unless some logs are invalid": "不显示进度条；除非有日志无效，否则不输出汇总",
    # --- touchpoint cohort --------------------------------------------------------------------------------
    "Write N session logs as if N trainees had played a scenario, plus roster.csv. Deterministic: the same "
    "arguments write the same files.":
        "生成 N 份会话日志，如同 N 名学员玩过一个案例，另附 roster.csv。结果是确定的：相同的参数生成相同的文件。",
    "number of trainees": "学员人数",
    "policy shares, e.g. expert=0.3,random=0.7 (a policy may also be a policy file; default %(default)s)":
        "各策略所占比例，例如 expert=0.3,random=0.7（策略也可以是策略文件；默认 %(default)s）",
    "seed of the whole class (default 0)": "整个班级的种子（默认 0）",
    "folder for the logs and roster.csv": "存放日志和 roster.csv 的文件夹",
    "attempts per trainee (default 1)": "每名学员的尝试次数（默认 1）",
    "when the class starts, ISO 8601 (default 2026-03-02T09:30:00+08:00)":
        "开课时间，ISO 8601 格式（默认 2026-03-02T09:30:00+08:00）",
    "language of the logs and roster names: en or zh, or a variant such as zh-TW (default: the scenario's first)":
        "日志和花名册中姓名的语言：en 或 zh，或 zh-TW 等变体（默认：案例的第一种语言）",
    "processes writing logs (default 1)": "写日志的进程数（默认 1）",
    "no progress bar": "不显示进度条",
    # --- touchpoint assign --------------------------------------------------------------------------------
    "Write an assignment for the trainees of a roster: the scenario, its content hash, the attempts and which "
    "counts, the due date, and each trainee's seed for each attempt, derived from a class secret kept in a "
    "separate file. Trainees play it with 'touchpoint play --assignment FILE --trainee ID'; "
    "'touchpoint grade --assignment FILE' accepts only those seeds.":
        "为花名册上的学员生成一份作业：案例及其内容哈希、尝试次数和哪一次计分、截止日期，以及每名学员每次尝试"
        "的种子（由单独保存的班级密钥推导）。学员用 'touchpoint play --assignment FILE --trainee ID' 来玩；"
        "'touchpoint grade --assignment FILE' 只接受这些种子。",
    "which attempt counts when grading: the best score or the last started (default best)":
        "评分时计哪一次尝试：得分最高的或最后开始的（默认 best）",
    "due date, ISO 8601 (e.g. 2026-03-09)": "截止日期，ISO 8601 格式（例如 2026-03-09）",
    "the assignment's id (default: the scenario id and a code from the secret)":
        "作业的 id（默认：案例 id 加上由密钥得出的代码）",
    "the class secret (default: the --out file's name with .secret; made if missing)":
        "班级密钥文件（默认：--out 的文件名改用 .secret 后缀；不存在时自动生成）",
    "the assignment file to write (YAML)": "要写出的作业文件（YAML）",
    # --- touchpoint schema --------------------------------------------------------------------------------
    "Print the JSON Schema (draft 2020-12) of scenario files, generated from the models that validate them. "
    "Editors that use yaml-language-server complete and explain every field of a file whose first line is "
    "'# yaml-language-server: $schema=PATH/scenario.schema.json'. The editor keywords (enumDescriptions, "
    "patternErrorMessage, defaultSnippets) are left out with --strict, for validators that reject unknown "
    "keywords such as ajv in strict mode.":
        "输出案例文件的 JSON Schema（draft 2020-12），由校验案例的模型生成。使用 yaml-language-server 的编辑器，"
        "对第一行为 '# yaml-language-server: $schema=PATH/scenario.schema.json' 的文件，能补全并解释每个字段。"
        "加 --strict 时不含编辑器专用的关键字（enumDescriptions、patternErrorMessage、defaultSnippets），"
        "供拒绝未知关键字的校验器使用，例如严格模式下的 ajv。",
    "write the schema to FILE (replacing it) instead of printing it": "把 schema 写入 FILE（覆盖原文件），而不是输出",
    "leave out the editor keywords, for strict validators (ajv); accepts the same files":
        "不含编辑器专用的关键字，供严格的校验器（ajv）使用；接受的文件不变",
    # --- touchpoint new -----------------------------------------------------------------------------------
    "Write a starter scenario: a short, complete case (one customer, three stakeholders, the five stages, "
    "a deal to negotiate, a rubric) that passes 'touchpoint check' and plays, with comments explaining each "
    "section. It never overwrites a file.":
        "生成一个入门案例：简短而完整（一个客户、三位干系人、五个阶段、一笔要谈的交易、一份评分标准），"
        "能通过 'touchpoint check'，可以直接玩，每一部分都有注释说明。它绝不会覆盖已有文件。",
    "the new scenario's id: lower-case letters, digits and _, starting with a letter":
        "新案例的 id：由小写字母、数字和 _ 组成，以字母开头",
    "language of the texts and comments: en (default) or zh": "文字和注释的语言：en（默认）或 zh",
    "where to write it (default: ID.yaml in the current folder; '-' prints it)":
        "写入位置（默认：当前文件夹下的 ID.yaml；'-' 表示直接输出）",
    # --- touchpoint balance -------------------------------------------------------------------------------
    "Play the scenario with random, expert and lookahead bots on the same seeds and report conversion, "
    "satisfaction, cycle time, score, per-touchpoint choices, the stage funnel and a verdict.":
        "让随机、专家和前瞻机器人用同一批种子玩这个案例，报告赢单率、满意度、销售周期、得分、各接触点的选择、"
        "阶段漏斗和结论。",
    "runs per policy (default 200, at most 1,000,000)": "每种策略的运行次数（默认 200，最多 1,000,000）",
    "runs of the (slower) lookahead bot (default: the smaller of --runs and 20; 0 skips it)":
        "前瞻机器人（较慢）的运行次数（默认：--runs 与 20 中较小的一个；0 表示跳过）",
    "lookahead rollouts per option and decision (default 4)": "前瞻机器人在每个决策中为每个选项推演的次数（默认 4）",
    "seeds of the one-deviation table (default: --runs, at most the scenario's checks.deviation_runs; "
    "0 skips it)":
        "单步偏离表所用的种子数（默认：同 --runs，但不超过案例的 checks.deviation_runs；0 表示跳过）",
    "print the numbers as one JSON object": "把各项数字输出为一个 JSON 对象",
    "write a self-contained HTML report with charts (needs the charts extra)":
        "写出一份带图表的独立 HTML 报告（需要 charts 组件）",
    "language of the report (en, zh)": "报告的语言（en、zh）",
    # --- touchpoint graph ---------------------------------------------------------------------------------
    "Draw the scenario as a roadmap: stages as columns, touchpoints and actions (recommended ones starred), "
    "gates between stages, events on a timeline.":
        "把案例画成路线图：每个阶段一列，其中是接触点和行动（推荐的行动标星），阶段之间是关口，事件标在时间线上。",
    "FILE.svg or FILE.png": "FILE.svg 或 FILE.png",
    "language of the texts, conditions included (en, zh)": "文字的语言，条件也包括在内（en、zh）",
}


def _key(text: str) -> str:
    return " ".join(text.split())  # argparse shows any run of whitespace as one space


def chinese(text: str) -> str:
    """The Chinese of an English help text (the text itself if the catalog has none)."""
    return HELP_ZH.get(_key(text), text)


def text_width() -> int:
    """The width argparse lays help out in: the terminal's, less 2 (as argparse computes it)."""
    return shutil.get_terminal_size().columns - 2


class Formatter(argparse.RawTextHelpFormatter):
    """argparse's formatter for Chinese help: the texts' lines are :func:`lay_out`'s, kept as they are
    (``RawTextHelpFormatter``), in the width :func:`lay_out` measured for."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = HELP_COLUMN,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, text_width() if width is None else width)


# --- breaking lines by display width --------------------------------------------------------------------

#: Marks a line never starts with, and marks it never ends with (Chinese line-breaking rules).
_CLOSING = "，。、；：！？）】》」』〉”’…"
_OPENING = "（【《「『〈“‘"
_SPECIFIER = re.compile(r"%\((\w+)\)s")


def _columns(text: str, params: dict[str, Any] | None) -> int:
    """How many terminal columns ``text`` takes, its ``%(name)s`` filled in from ``params``."""
    if params and "%" in text:
        text = _SPECIFIER.sub(lambda m: str(params.get(m[1], m[0])), text).replace("%%", "%")
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """What a line may break between: (piece, whether a space comes before it). A Chinese character is a
    piece of its own; a run of other characters (a word, an option, a number) is one; a closing mark
    sticks to the piece before it, an opening mark to the piece after it."""
    raw: list[tuple[str, bool]] = []
    word, word_spaced, spaced = "", False, False
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch.isspace() or wide:
            if word:
                raw.append((word, word_spaced))
                word = ""
            if ch.isspace():
                spaced = True
            else:
                raw.append((ch, spaced))
                spaced = False
        else:
            if not word:
                word_spaced, spaced = spaced, False
            word += ch
    if word:
        raw.append((word, word_spaced))
    pieces: list[tuple[str, bool]] = []
    for piece, space in raw:
        if pieces and not space and (piece[0] in _CLOSING or pieces[-1][0][-1] in _OPENING):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        else:
            pieces.append((piece, space))
    return pieces


def lines(text: str, width: int, params: dict[str, Any] | None = None) -> list[str]:
    """``text`` broken into lines of at most ``width`` terminal columns (a piece longer than that
    alone on its line), at spaces and between Chinese characters."""
    out: list[str] = []
    line, used = "", 0
    for piece, space in _pieces(text):
        gap = 1 if space and line else 0
        size = _columns(piece, params)
        if line and used + gap + size > width:
            out.append(line)
            line, used = piece, size
        else:
            line, used = line + " " * gap + piece, used + gap + size
    out.append(line)
    return out


def lay_out(text: str, indent: int | None = None, params: dict[str, Any] | None = None) -> str:
    """A help text as :class:`Formatter` shows it: broken into lines that fit the terminal from column
    ``indent`` (None: the help column of an argument, or of a subcommand's summary)."""
    start = HELP_COLUMN if indent is None else indent
    return "\n".join(lines(text, max(text_width() - start, MIN_WIDTH), params))
