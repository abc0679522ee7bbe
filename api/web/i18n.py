"""UI strings, zh-CN first with an English switch."""

from __future__ import annotations

STRINGS = {
    "board": ("共创看板", "Co-creation board"),
    "console": ("版主控制台", "Moderator console"),
    "roadmap": ("路线图", "Roadmap"),
    "credits": ("共创者名单", "Co-creators"),
    "changelog": ("更新日志", "Changelog"),
    "users": ("用户关系", "Community users"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "api_key": ("API 密钥（pm 或 moderator）", "API key (pm or moderator)"),
    "supporters": ("支持者", "supporters"),
    "posts": ("帖子", "posts"),
    "trending": ("热门趋势", "Trending"),
    "most_wanted": ("最想要", "Most wanted"),
    "newest": ("最新", "Newest"),
    "most_negative": ("最不满", "Most negative"),
    "status": ("状态", "Status"),
    "quotes": ("代表性原话", "Representative quotes"),
    "history": ("状态记录", "Status history"),
    "responses": ("官方回复", "Staff responses"),
    "merge_into": ("合并到想法 #", "Merge into idea #"),
    "save": ("保存", "Save"),
    "respond": ("回复", "Respond"),
    "open_alerts": ("待处理警报", "Open alerts"),
    "severity": ("严重度", "severity"),
    "since_opened": ("已过", "since opened"),
    "overdue": ("已超时", "overdue"),
    "acknowledge": ("确认", "Acknowledge"),
    "resolve": ("解决", "Resolve"),
    "note": ("备注", "Note"),
    "flag": ("标记", "Flag"),
    "flagged": ("已标记", "flagged"),
    "no_alerts": ("暂无警报", "No alerts"),
    "signals": ("信任信号", "Trust signals"),
    "sentiment": ("情绪", "Sentiment"),
    "per_day": ("每日帖子", "Posts per day"),
    "super_user": ("超级用户", "super user"),
    "shipped_by": ("感谢以下用户的创意", "Thanks to the users who asked"),
    "response_clock": ("响应时钟", "Response clock"),
    "within_target": ("目标内回复", "answered within target"),
    "median": ("中位数", "median"),
    "at_risk": ("需关注", "at risk"),
    "level": ("等级", "level"),
    "balance": ("信任余额", "trust balance"),
    "bad_key": ("密钥无效或角色不符", "Invalid key or wrong role"),
    "respond_step": ("回应：1 小时内公开回应", "Respond: publicly within the hour"),
    "responsibility_step": ("担责：不推诿，说明原因", "Take responsibility: no deflecting"),
    "rebuild_step": ("重建：补偿、改进、复盘", "Rebuild: compensate, improve, follow up"),
    "all": ("全部", "All"),
    "ideas": ("想法", "ideas"),
    "keywords": ("关键词", "keywords"),
}
STATUS_NAMES = {
    "open": ("待评估", "Open"),
    "under_review": ("评估中", "Under review"),
    "planned": ("已计划", "Planned"),
    "in_progress": ("开发中", "In progress"),
    "shipped": ("已上线", "Shipped"),
    "declined": ("不采纳", "Declined"),
    "duplicate": ("重复", "Duplicate"),
}


def translator(lang: str):
    i = 1 if lang == "en" else 0

    def t(key: str) -> str:
        if key in STRINGS:
            return STRINGS[key][i]
        if key in STATUS_NAMES:
            return STATUS_NAMES[key][i]
        return key

    return t
