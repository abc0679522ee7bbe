"""Build the 星火手机 demo community (posts.jsonl, users.jsonl, README.md).

Every post text below is hand-written for this fictional forum; the script only
decides *who* posts *when* (seeded, so the output is reproducible) and writes the
files.  Run with:  .venv/bin/python data/demo/make_demo.py
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
TZ = timezone(timedelta(hours=8))
SEED = 20261016
rng = random.Random(SEED)

WINDOW_START = datetime(2026, 10, 1, 0, 0, tzinfo=TZ)
WINDOW_END = datetime(2026, 10, 28, 23, 59, 59, tzinfo=TZ)
SCANDAL = (datetime(2026, 10, 16, 20, 32, tzinfo=TZ), datetime(2026, 10, 16, 22, 2, tzinfo=TZ))
SAFETY = (datetime(2026, 10, 22, 21, 10, tzinfo=TZ), datetime(2026, 10, 22, 23, 5, tzinfo=TZ))

# --------------------------------------------------------------------------- users
# (user_id, display_name, joined_at or None (derived from first post), bio)
SUPER_USERS = [
    ("u_laoxing", "老星粉不是老猩猩", "2024-03-12T21:40:00+08:00", "星火一代用到X3，家里四台星火📱 有问题先看置顶帖"),
    ("u_ajie", "数码阿杰", "2024-08-02T13:05:00+08:00", "数码爱好者，手里过过几十台机器，只说实话"),
    ("u_lin_paike", "林间拍客", "2025-01-19T09:12:00+08:00", "风光/扫街，X3主力机+备用机各一台"),
    ("u_zhou_dev", "程序员小周", "2024-11-05T23:18:00+08:00", "安卓开发，偶尔写点系统体验长文"),
    ("u_erbao_ma", "二宝妈妈Lily", "2025-06-21T10:30:00+08:00", "全家都是星火，老公爸妈人手一台～"),
    ("u_yuhou", "雨后小鱼", "2025-02-14T20:02:00+08:00", "大二，每日签到人，宿舍星火推广大使（自封的）"),
]
AT_RISK_USERS = [
    ("u_chen_ge", "陈哥不吃辣", "2024-05-30T19:44:00+08:00", "X1到X3的老用户"),
    ("u_tiantian", "甜甜圈圈🍩", "2025-09-10T15:20:00+08:00", "颜值党，樱花粉真爱"),
    ("u_afei", "阿飞骑行中", "2025-04-03T07:55:00+08:00", "骑行爱好者，手机要续航要抗摔"),
    ("u_moli", "茉莉清茶", "2026-09-26T22:10:00+08:00", "第一次用国产旗舰"),
]
REGULAR_USERS = [
    ("u_xiaowang", "小王爱喝奶茶", "三分糖去冰"),
    ("u_dalei", "大雷子", "东北银儿，说话直"),
    ("u_kk_lee", "KK李", "产品经理，职业病爱提需求"),
    ("u_ahuang", "阿黄不是狗", ""),
    ("u_meimei", "梅梅酱", "追剧中，勿扰"),
    ("u_laoli", "老李头", "退休了，学着玩智能手机"),
    ("u_sunny99", "Sunny_99", "coffee & code"),
    ("u_qiuqiu", "秋秋", "喜欢秋天"),
    ("u_wang_zhuli", "王总的助理", "每天接一百个电话"),
    ("u_baozi", "包子铺老板", "早上五点开门，欢迎来吃"),
    ("u_xiaomao", "小猫咪呀", "喵～"),
    ("u_ruan", "阮同学", "在读研究生"),
    ("u_hanhan", "憨憨本憨", "本憨"),
    ("u_dayu", "大鱼吃小鱼", ""),
    ("u_tudou", "土豆丝", "酸辣的那种"),
    ("u_lele_ma", "乐乐妈", "乐乐今年5岁啦"),
    ("u_gaogong", "高工", "做硬件的，嘴比较毒"),
    ("u_zhangsan", "张三不是法外狂徒", "普法从我做起"),
    ("u_yiyi", "一一", ""),
    ("u_momo", "默默潜水", "潜水三年第一次冒泡"),
    ("u_fengzi", "疯子哥", "手机重度用户，一天亮屏十小时"),
    ("u_lu_driver", "卢师傅网约车", "跑车五年，安全第一"),
    ("u_wu_deco", "吴老板装修", "承接全包半包，电话找我"),
    ("u_he_rent", "何同学租房中", "北漂第三年"),
    ("u_qin_shop", "秦掌柜小店", "淘宝小店，卖手工皂"),
    ("u_kaoyan", "考研人小赵", "27考研，上岸！"),
    ("u_stargazer", "追星星的人", "天文爱好者，不是追星"),
    ("u_yanhua", "烟花易冷", ""),
    ("u_nana_vlog", "娜娜vlog", "记录生活的小博主"),
    ("u_xiagu", "峡谷王者", "星耀二，求带"),
    ("u_three_cats", "三只猫的铲屎官", "橘、狸花、奶牛"),
    ("u_sunzi", "李奶奶的孙子", "替我奶奶问问题"),
    ("u_chenpao", "晨跑打卡", "每天5公里"),
    ("u_chengdu", "成都小吃货", "巴适得板"),
    ("u_sz_coder", "深圳码农", "996幸存者"),
    ("u_gz_zai", "广州仔", "饮咗茶未"),
    ("u_beipiao", "北漂小刘", ""),
    ("u_sh_bailing", "上海白领Vivian", "working hard"),
    ("u_hushi", "夜班护士", "白天睡觉晚上上班"),
    ("u_yuwen", "语文老师", "教初二"),
    ("u_daer", "大二学生", "计算机专业"),
    ("u_weishang", "微商小美", "正品代购"),
    ("u_azhen", "淘宝店主阿珍", "女装店"),
    ("u_laozhou_gu", "炒股的老周", "A股老韭菜"),
    ("u_diaoyu", "钓鱼佬", "空军常客"),
    ("u_tubu", "徒步者", "走过川西"),
    ("u_twins_ma", "双胞胎妈妈", "两个熊孩子"),
    ("u_guoyuan", "果园老陈", "种橙子的"),
    ("u_lvshi", "张律师", "执业律师，维权咨询勿私信"),
    ("u_xiaobai", "新手小白", "刚入坑"),
    ("u_huaijiu", "怀旧党", "还留着诺基亚"),
    ("u_tufu", "价格屠夫", "不降价不买"),
    ("u_tiaoci", "挑刺专业户", "爱之深责之切"),
    ("u_yemao", "夜猫子", "凌晨三点还在线"),
    ("u_kafei", "咖啡续命", "今天第三杯"),
    ("u_erji", "耳机发烧友", "HiFi入坑五年"),
    ("u_wangsu", "网速狂魔", "测速爱好者"),
    ("u_lanren", "懒人一枚", "能躺着绝不坐着"),
    ("u_zaoshui", "早睡困难户", "明天一定早睡"),
    ("u_duanzi", "段子手", "哈哈哈"),
    ("u_lurenjia", "路人甲", ""),
    ("u_lurenyi", "路人乙", ""),
    ("u_keji", "柯基的主人", "短腿天下第一"),
    ("u_mangguo", "芒果布丁", "甜品控"),
    ("u_ningmeng", "柠檬不酸", ""),
    ("u_huajiao", "花椒", "麻"),
    ("u_yunduo", "云朵朵", "喜欢拍天空"),
    ("u_xiayu", "下雨天", ""),
    ("u_xuebi", "雪碧加冰", "夏天快乐水"),
    ("u_zhao_shifu", "赵师傅修车", "汽修十五年"),
]
SUPER_IDS = [u[0] for u in SUPER_USERS]
AT_RISK_IDS = [u[0] for u in AT_RISK_USERS]
REGULAR_IDS = [u[0] for u in REGULAR_USERS]

# --------------------------------------------------------------------------- posts
# Each item: "text"  or  ("text", user_id)  or  ("text", user_id_or_None, when)
# when: None = any day 1-28; (d1, d2) = between those October days (inclusive);
#       "YYYY-MM-DDTHH:MM" = fixed minute.
POSTS: list[dict] = []


def add(kind: str, label: str, items, when=None) -> None:
    for it in items:
        if isinstance(it, str):
            text, user, w = it, None, when
        else:
            text, user = it[0], it[1]
            w = it[2] if len(it) > 2 else when
        POSTS.append({"kind": kind, "label": label, "text": text, "user": user, "when": w})


IDEAS = {
    "dark_mode": "夜间模式 / 深色主题",
    "call_recording": "通话录音",
    "battery_health": "电池健康度显示 / 充电上限80%",
    "app_clone": "应用双开 / 分身",
    "icon_custom": "桌面图标自定义 / 隐藏应用",
    "camera_pro": "相机专业模式 / RAW",
    "lockscreen_clock": "锁屏时间样式",
    "nfc_card": "NFC门禁卡 / 公交卡",
    "aod": "息屏显示 (AOD)",
    "long_updates": "更长的系统更新支持",
}

add("idea", "dark_mode", [
    "求个全局深色模式！晚上躺床上刷论坛眼睛要瞎了😵",
    "星火OS什么时候能出暗黑模式啊，现在只有几个系统app是黑的，第三方全是白底",
    "夜间模式+1",
    "有没有大佬知道怎么把设置界面变成黑色的？找了半天木有，是不是根本没这个功能",
    "建议：深色主题能不能跟随日落自动切换，像某果那样。手动切太麻烦了",
    "OLED屏不做纯黑主题真的浪费，黑色像素本来就不发光，还省电",
    "强烈要求dark mode!!! 别家两年前就有了",
    "晚上看微信还好（微信自己有深色），一回桌面就闪瞎，求求加个暗色主题吧🙏",
    "希望出个深色壁纸+深色图标的主题包，现在主题商店里黑色系的都要钱，还丑",
    "深色模式能不能做个强制应用到第三方app的开关？有些app自己不适配",
    ("半夜起来喂奶看一眼手机，亮度调到最低还是刺眼，有暗黑模式就好了😮‍💨", "u_erbao_ma"),
    "黑暗模式啥时候安排上？？等到花儿都谢了",
    "我自己开了护眼模式，但通知栏下拉还是白花花的一片，割裂感太强，希望出个真正的夜间模式统一一下",
    "暗色主题 求求了 眼睛疼",
    ("建议深色模式分两档：深灰和纯黑。纯黑省电，深灰看久了舒服一点，让用户自己选", "u_kk_lee"),
    "晚上玩手机被老婆说屏幕太亮影响她睡觉😂 官方加个夜间黑色界面吧",
    ("夜班护士路过，凌晨值班查资料，白底界面在病房里像个手电筒……真心需要深色模式", "u_hushi"),
    ("整理一下深色模式的需求点：1）系统全局暗色，包括设置、通知栏、桌面文件夹；2）按时间或日出日落自动切换；"
     "3）第三方应用强制深色，可以单独加白名单；4）纯黑/深灰两档。希望3.3版本能排上。", "u_zhou_dev"),
])

add("idea", "call_recording", [
    "通话录音在哪开？我翻遍设置都没有",
    ("跑业务的，没有通话录音真的很不方便，客户电话里说的价格事后对不上账", "u_wang_zhuli"),
    "求加自动通话录音，可以设置只录陌生号码的那种",
    "星火能不能加个通话录音啊，之前用的那个牌子都有，换过来发现没有，有点后悔",
    "通话录音+1，被快递和中介坑过好几次了，有录音好维权",
    "系统自带的电话app太简陋了，连录音都没有。装了第三方的，结果只录得到我自己的声音",
    "希望加入通话录音，录音文件能按联系人分类保存，方便找",
    "call recording 什么时候支持？",
    ("我奶奶年纪大了，打完电话就忘了人家说啥，要是能录音她可以回头再听一遍", "u_sunzi"),
    ("房东电话里答应的事转头就不认，血泪教训：手机一定要能通话录音！！星火快加吧", "u_he_rent"),
    "录音可以做成通话界面上的一个按钮，想录就点一下，不用全部自动录",
    ("做装修的，每天几十个电话，没有录音真记不住哪个客户要什么瓷砖😭", "u_wu_deco"),
    "通话录音 啥时候有 急",
    "能否支持通话录音并且自动转文字？现在AI这么火，这个应该不难吧",
    "看到隔壁系统都有通话录音了，星火OS还没有，差距啊",
    ("说一下通话录音：国内法规是允许的，各家基本都有，星火没有我猜不是合规问题而是没排期。建议参考做法："
     "通话中一键录制+设置里可选自动录制（全部/陌生号/指定联系人），文件只存本地不上云，注重隐私的人也能接受。", "u_ajie"),
])

add("idea", "battery_health", [
    "能不能在设置里显示电池健康度？想知道用了一年电池还剩多少容量",
    "求充电上限80%的选项，晚上插一夜电总觉得伤电池",
    "建议加个优化充电：按作息晚上先充到80%，起床前再充满",
    "电池健康度在哪看啊？网上说拨号盘输代码，试了几个都没用",
    "充电保护 80%上限 +1，笔记本电脑都有这功能了手机没理由没有",
    "买的时候说电池1600次循环还有80%容量，那总得让我们能看到循环次数吧",
    "120W充得是快，但谁知道对电池损耗多大，至少给个健康度让人心里有数",
    "希望电池页面能显示：健康度、循环次数、最大容量。这三个就够了",
    ("充电限制到80%！！！我手机基本整天插着电当导航用", "u_lu_driver"),
    "电池健康 显示一下很难吗😤",
    "有个建议：电池健康度低于85%的时候弹个提醒，顺便告诉我附近哪个售后能换电池",
    "看别人家手机能看电池损耗，我的星火只能凭感觉，感觉比刚买的时候掉电快了",
    "可以搞个“智能充电”开关吗？夜里慢慢充，白天赶时间再快充，电池也保护了",
    ("冒烟那个帖子之后更想要电池健康度显示了，起码自己能先看一眼电池状态，不用瞎担心", None, (23, 28)),
    ("电池健康度这个我看过系统日志，底层是有 cycle count 的，只是前台没展示。希望电池设置里直接显示，"
     "再加个“充至80%停止”的开关，对常插电的用户很重要。", "u_zhou_dev"),
    ("家里四台星火，我爸那台用了两年明显不耐用了，但没法判断是电池老化还是软件问题。强烈建议加电池健康度显示，"
     "方便我们判断要不要去换电池。", "u_laoxing"),
    ("带我爸那台去售后检测了，电池健康91%，没事。顺便再提一次：要是系统里能直接看电池健康度，"
     "大家也不用都挤到售后排队了", "u_laoxing", (23, 26)),
])

add("idea", "app_clone", [
    "微信双开什么时候支持？工作号生活号来回切太痛苦了",
    "求应用分身功能！",
    "双开+1，一个微信工作一个微信私人，现在只能揣两台手机",
    "有没有办法开两个微信？星火好像没有分身",
    "应用双开这么基础的功能，为什么星火OS到现在还没有",
    ("淘宝开店的，需要两个千牛同时在线，求双开", "u_azhen"),
    "建议做成“分身空间”那种，双开的app数据完全隔离，还能单独设密码",
    ("游戏小号想同时挂着，双开安排一下？😂", "u_xiagu"),
    "之前用的手机能双开微信QQ，换了星火发现不行，只好又买了个备用机😑",
    "app双开 app双开 app双开 重要的事情说三遍",
    ("做微商必须双开啊，客户太多一个号加不下", "u_weishang"),
    "希望双开的微信图标能加个角标区分，不然老点错",
    "公司要求工作用企业微信，这个还好。主要是钉钉有两个组织的账号，来回登出登录烦死了，分身能支持钉钉吗",
    ("我一个微信号加了三个家长群和幼儿园群，另一个是工作号，真的需要双开。双开的时候希望通知能标明是哪个号的消息。",
     "u_erbao_ma"),
    ("应用双开技术上建议走 Android 的工作资料（Work Profile）那套，数据隔离做得好，也方便企业管理。"
     "千万别用那种hook式的分身，稳定性太差。", "u_zhou_dev"),
])

add("idea", "icon_custom", [
    "桌面图标能不能自己换啊，系统自带的图标有点丑",
    "求隐藏应用功能！有些app不想让别人看到",
    ("建议桌面支持隐藏图标，家里俩孩子老抢我手机玩，有些东西不想让他们点到", "u_twins_ma"),
    "图标大小能不能调？现在一排只能放4个，太浪费屏幕了",
    "想把银行类app藏起来，需要的时候输密码才显示，有这种功能吗",
    "桌面图标自定义+1，主题商店的图标包要么贵要么只换一半，第三方app还是原样",
    "能不能支持第三方图标包？像nova launcher那种",
    "希望桌面支持5x6布局，再加个隐藏应用名称的选项，看着清爽",
    "隐藏应用别藏在设置很深的地方，最好桌面双指一划就能进隐藏空间",
    "想给app改名字😂 比如把“支付宝”改成“钱包”，图标也自己换",
    "系统预装的那几个app删不掉，好歹让我藏起来吧，天天看着碍眼",
    "图标圆角能不能调成方一点的？个人觉得方的好看",
    "桌面能不能锁定布局，老是不小心把图标拖乱",
    ("颜值党的请求🥺 图标能不能自己换颜色呀，想要跟我的樱花粉后盖配成一套粉色系桌面～", "u_tiantian", (2, 12)),
    ("每天签到的人提个小建议：隐藏应用可以做成“第二桌面”，指纹A进主桌面、指纹B进隐藏桌面，宿舍同学借手机也不怕😂",
     "u_yuhou"),
])

add("idea", "camera_pro", [
    "相机什么时候支持RAW格式？JPG后期空间太小了",
    ("求专业模式！想手动调快门和ISO拍星空", "u_stargazer"),
    "现在的专业模式只能调ISO，快门最长才1秒，拍不了车流光轨",
    "能不能加DNG输出？Lightroom后期需要",
    "专业模式里加个峰值对焦和直方图吧，手动对焦现在全靠蒙",
    "拍照很好，但希望长焦也能开专业模式，现在一切到3x就变回自动了",
    "RAW+JPG同时保存的选项有吗？",
    "相机pro mode求完善，白平衡能手动输入K值就好了",
    ("想拍烟花，快门调不了，只能用夜景模式，糊成一片", "u_yanhua"),
    "专业模式的参数能不能存成预设？每次打开都要重新调",
    "拍银河需要20-30秒曝光，现在做不到，建议学学别家的专业模式",
    ("视频也要专业模式啊，能不能考虑log格式，拍vlog调色用", "u_nana_vlog"),
    ("摄影党说几点：1. 主摄已经很强了，但直出锐化太重，需要RAW(DNG)保留原始数据；2. 专业模式快门最长至少30s，"
     "有B门更好；3. 加峰值对焦/直方图/斑马纹；4. 三颗镜头都开放专业模式。做到这几点X3能当我的扫街主力。", "u_lin_paike"),
    ("再顶一下RAW的需求。国庆去坝上拍了一批片子，JPG暗部一拉全是涂抹，太可惜了📷", "u_lin_paike", (8, 13)),
])

add("idea", "lockscreen_clock", [
    "锁屏时钟能换样式吗？现在那个字体好粗",
    "求锁屏时间多几种风格，比如竖排的、复古翻页的",
    ("锁屏的时间能不能挪个位置，放中间会挡住我壁纸上猫主子的脸😹", "u_three_cats"),
    "希望锁屏能显示农历和天气",
    "锁屏时钟字体太单调了，给几个可选的吧",
    "想要锁屏时间改成12小时制，设置里改了只有状态栏变，锁屏还是24小时的",
    "能不能让锁屏时间的颜色自定义？白色在浅色壁纸上根本看不清",
    ("锁屏样式自定义+1，还想加个倒计时，考研党每天看一眼还剩多少天", "u_kaoyan"),
    "锁屏大时钟 求！像海报那样超大的数字",
    ("建议锁屏加个签名/一句话的功能，可以写点给自己打气的话", "u_yuwen"),
    "锁屏时间的字体能调细一点吗，现在的太像电子表了",
    ("帮我奶奶问：锁屏时间能调大吗，她眼睛不好要凑很近才看得清", "u_sunzi"),
    "锁屏时钟能不能跟着壁纸自动取色啊，换壁纸就自动变色那种",
    ("锁屏可以参考一下手表表盘的思路，给一堆时钟模板让用户选，再开放给设计师投稿，做成社区共创，多好玩~", "u_yuhou"),
])

add("idea", "nfc_card", [
    "NFC能模拟门禁卡吗？小区的卡老是忘带",
    "公交卡什么时候支持我们城市？只有北京上海太少了",
    "求NFC门禁卡模拟，加密卡也想支持",
    "钱包里只有银行卡，没有交通卡，出门还得掏实体卡，感觉NFC白长了",
    "NFC门禁+1，公司工卡也想放进手机",
    "有没有人试过用X3复制电梯卡？试了几次都提示不支持",
    ("希望交通卡支持更多城市，深圳通、岭南通都没有😭", "u_sz_coder"),
    "门禁卡功能真的刚需，物业说办第二张卡要加钱",
    "NFC能不能碰一下自动切卡？比如到公司门口自动用工卡，进地铁自动用交通卡",
    ("建议加校园卡，我们学校食堂和宿舍门禁都是NFC的", "u_daer"),
    ("nfc公交卡 地铁 求支持成都天府通", "u_chengdu"),
    "门禁卡模拟：加密的复制不了就算了，至少未加密的让用吧",
    ("NFC这块跟友商比差距最大：交通卡城市少、门禁卡不能模拟、没有快捷切卡。X3的NFC天线硬件没问题，"
     "主要是软件和合作方。建议优先做门禁卡（需求量最大），交通卡慢慢接入。", "u_ajie"),
    ("每天送娃+上班，小区门禁、公司门禁、公交卡三张卡，要是都能放手机里就好了，求NFC门禁卡和公交卡🙏", "u_erbao_ma"),
])

add("idea", "aod", [
    "息屏显示什么时候有？看个时间还要按电源键",
    "AOD求加！OLED屏没有息屏显示说不过去",
    "希望有息屏显示，显示时间、电量和未读消息图标就够了",
    "息屏显示 +1",
    "always on display 啥时候支持啊",
    "建议息屏显示可以定时，比如晚上12点到早上7点自动关掉省电",
    "没有AOD的话，能不能至少来消息时闪一下呼吸灯？现在有消息完全不知道",
    "想要个息屏时钟，手机放桌上瞄一眼就知道几点",
    "息屏显示能不能放照片？像别家那样放个小图",
    "AOD耗电很少的，别担心续航，让用户自己选开不开嘛",
    ("开会的时候手机正面朝上放桌上，有息屏显示就能看到有没有重要消息，不用老点亮屏幕，领导看着也不好", "u_sh_bailing"),
    "求息屏时钟+通知图标，每天按电源键按到手酸",
    "X3的屏幕这么好不做息屏显示太可惜了吧",
    ("AOD是我从X1开始就在提的需求了😂，三代了还没有。希望星火OS下个大版本能安排，样式先简单点也行，有总比没有好。",
     "u_laoxing"),
    ("骑车的时候手机夹在车把上，要是有息屏显示时间和下一个路口导航就太完美了", "u_afei", (1, 10)),
])

add("idea", "long_updates", [
    "星火X3承诺几年系统更新？官网找了半天没写",
    "希望承诺至少4年大版本更新、5年安全补丁",
    "买手机最怕一年后就不管了，求星火给个明确的更新年限",
    "X1现在还在更新吗？我的X1上次收到更新是半年前了……",
    "更新周期太短了，别家都开始承诺5年7年了",
    "安全补丁能不能每月推？我这还停在7月的补丁",
    "能不能公布一下各机型的更新路线图，让老用户安心",
    "建议：老机型就算不给大版本，也要持续推安全更新，至少3年",
    "我X2才用了一年半就没新版本了，这让人怎么放心买X3",
    "系统更新承诺写进宣传页吧，比写一堆跑分有用",
    ("算笔账：X3四千多块，如果只给两年大版本更新，平均一年两千多；要是能承诺五年安全补丁，我能安心用到它坏，"
     "摊下来一年不到一千。对普通用户来说，更新年限比多一个镜头实在多了。希望星火在发布会上正面回答这个问题，"
     "别每次都说“会持续优化”。", "u_laozhou_gu"),
    ("X1还在给我老婆当备用机用，希望老机型也能多更新几年", "u_chen_ge", (1, 12)),
    ("关于长期更新支持，说点开发者视角：安全补丁月更+3次大版本+5年安全维护，是现在头部厂商的水位。"
     "星火要是能给出白纸黑字的承诺，对二手残值和口碑都是加分项，比堆参数划算。", "u_zhou_dev"),
    ("家里还有一台X1给我妈用，希望老机型能多给点安全更新，别让老用户寒心", "u_laoxing"),
    ("顶楼上，X2最后一个版本停在星火OS 2.8，之后补丁都没再更过。更新年限这事真的影响我推荐给别人", "u_ajie"),
])

add("request", "one_off", [
    "建议相册加个私密相册，需要指纹才能打开",
    "能不能出个官方手机壳，带支架的那种",
    "希望计算器加个汇率换算，出国用",
    ("输入法能加个方言语音输入吗，我阿妈说粤语识别得唔准", "u_gz_zai"),
    ("求一个游戏模式下屏蔽来电悬浮窗的开关，团战的时候弹出来直接送人头", "u_xiagu"),
    "能不能在通知栏加个截长图的快捷按钮",
    "红外遥控能不能加上？家里空调遥控器老找不到😂",
    "希望充电动画可以换，现在那个闪电有点土",
    "短信验证码能不能自动识别并复制？每次都要手动记",
    ("建议出个长辈模式：大字体大图标，桌面放几个一键拨号给子女，我爸妈用起来会方便很多", "u_laoxing"),
    ("建议相机水印能自定义，现在“Shot on 星火X3”的字体可以再好看点", "u_lin_paike"),
    ("有没有儿童模式？想给大宝限制一下每天的使用时间", "u_erbao_ma"),
])

add("bug", "bug", [
    ("蓝牙耳机老断连，走着走着就没声了，有人一样吗", None, (1, 8)),
    ("指纹解锁最近很不灵，手指稍微有点湿就识别不了", None, (1, 8)),
    ("玩原神半小时背面烫手，这发热控制不太行啊", "u_xiagu", (2, 8)),
    ("WiFi和蓝呀同时开的时候网速明显变慢，是bug吗", None, (1, 8)),
    ("自动亮度太迷了，在室内突然变很暗", None, (1, 8)),
    ("闹钟有一次没响！！！差点迟到，吓死我了", None, (1, 8)),
    ("微信视频通话对方说我声音断断续续的", None, (1, 8)),
    ("插了充电器显示在充电，但是电量一直不涨，换了根线也一样，充不进电啊", None, (3, 8)),
    ("更新3.2.1之后微信闪退，打开两秒就退出来，有人遇到吗", None, (9, 12)),
    ("升级完系统相机打不开了，一点就黑屏闪退", None, (9, 12)),
    ("更新后闪退+1，王者荣耀一进游戏就退", None, (9, 12)),
    ("新版本耗电好快，一晚上掉了15%，以前只掉3%", None, (9, 13)),
    ("3.2.1更新后车机蓝牙连不上了，开车导航没声音急死", "u_lu_driver", (9, 12)),
    ("更新后指纹失灵了，重新录了好几次还是认不出来，只能输密码", None, (9, 13)),
    ("升级后桌面卡顿，滑动掉帧很明显，能不能给个回滚的办法", None, (9, 13)),
    ("更新之后输入法偶尔弹不出来，要重启才好", None, (9, 13)),
    ("系统更新完支付宝闪退，淘宝也闪退，这是跟阿里有仇吗🤣", None, (9, 12)),
    ("闪退闪退闪退，更新了个寂寞", None, (9, 12)),
    ("更新后手机莫名重启了两次，有一次还是在打电话的时候", None, (10, 14)),
    ("新系统通知不及时，微信消息要打开app才收到，后台是不是被杀了", None, (10, 14)),
    ("更新后开了省电模式也发热，放兜里都是热的", None, (9, 14)),
    ("3.2.1 bug合集：1.相册缩略图错乱 2.控制中心WiFi开关偶尔失灵 3.锁屏的音乐控件没了", "u_tiaoci", (10, 12)),
    ("3.2.1闪推问题简单排查了下，logcat里是WebView组件版本冲突，受影响的都是内嵌WebView的app（微信、支付宝、淘宝）。"
     "临时方案：设置-应用-Android System WebView-卸载更新，然后重启。等官方修吧。", "u_zhou_dev", "2026-10-10T22:14"),
    ("X3蓝牙断连我测了一下，跟2.4G WiFi同时开的时候最明显，关掉WiFi或者连5G频段就好很多，应该是共存没调好。",
     "u_ajie", (4, 9)),
    ("蓝牙又断了，跟耳机型号有关吗？我用的是降噪耳机，开了降噪更容易断", "u_erji", (12, 28)),
    ("指文识别率下降，贴了钢化膜之后更差了，是膜的问题吗", None, (12, 28)),
    ("GPS定位漂移，跑步记录显示我从河里游过去了😂", "u_chenpao", (5, 28)),
    ("充不进电，插上显示充电中，但是电量还在掉，用的原装充电器", None, (14, 28)),
    ("屏幕偶尔会有绿线闪一下，不知道是硬件还是软件", None, (5, 28)),
    ("听筒声音小，开到最大还是听不清对方说话", None, (5, 28)),
    ("来电的时候屏幕是黑的，接不了电话，要按电源键才亮", None, (5, 28)),
    ("热点开一会儿就自动断开，上网课的时候断了好几次", "u_ruan", (5, 28)),
    ("发热严重，刷抖音十分钟就烫", None, (14, 28)),
    ("详细说一下我的发热问题：室温22度，只开了微信和导航，二十分钟后背面摄像头附近就到了45度左右（拿测温枪测的），"
     "屏幕亮度自动降低，导航也开始卡。关掉5G改成4G之后好一点，但还是比我之前的手机热。已经恢复出厂设置过一次，没用。"
     "有没有同样情况的？要不要直接去售后？", None, (5, 20)),
    ("指纹失灵+1，按了屏幕上的指纹图标没反应", None, (14, 28)),
    ("更新3.2.2了，闪退好了，但蓝牙还是断", None, (13, 16)),
    ("相机切换长焦的时候会卡一下，然后画面闪烁", None, (3, 28)),
    ("NFC刷地铁经常刷不上，要贴很久才滴", None, (3, 28)),
    ("5G信号显示满格但网速很慢，切4G反而快，离谱", "u_wangsu", (3, 28)),
    ("手机放了一晚上没用，掉电20%，哪个app在偷跑？", None, (3, 28)),
    ("微信语音消息播放的时候会突然切到听筒模式", None, (3, 28)),
    ("地库里没信号也就算了，出来以后半天都恢复不了，要开关飞行模式才行", None, (3, 28)),
    ("跟小周的方法卸载了WebView更新，微信确实不闪退了，感谢大佬🙏", None, (11, 12)),
])
# Slow-charging complaints before the scandal (precursors, not part of the burst).
add("bug", "charging_precursor", [
    ("是我的错觉吗，感觉120W没有宣传的那么快，充满要四十多分钟", None, "2026-10-11T21:47"),
    ("充电前半段很快，到80%之后就慢得像蜗牛🐌", None, "2026-10-13T22:26"),
    ("有人拿功率计测过X3的充电吗？我这边看着一直在60W上下晃，跟120W差得有点多", "u_gaogong", "2026-10-15T20:58"),
])

add("praise", "praise", [
    "续航真的顶，重度用一天还剩30%",
    "X3拍照太绝了，夜景比我之前的手机强太多",
    "客服小姐姐态度超好，耐心教我迁移数据，点赞👍",
    "屏幕好看，看视频色彩很舒服",
    "手感一级棒，素皮后盖不沾指纹",
    ("国庆出去玩拍了几百张照片，没一张糊的，X3牛", None, (2, 9)),
    "售后换屏很快，一个小时就搞定了，服务不错",
    "系统很干净，没什么广告，这点比很多国产强",
    "扬声器声音很大，外放看剧很爽",
    "信号比我之前那台好太多了，电梯里都有信号",
    "星火OS的动画好流畅啊，爱了爱了",
    ("充电确实快，早上洗个澡就差不多充满了", None, (1, 10)),
    "续航给满分，两天一充没问题（轻度用户）",
    ("拍猫主子超清楚，胡子都根根分明🐱", "u_three_cats"),
    "第一次用星火，整体感觉超出预期",
    "线下门店体验很好，店员不强推",
    "震动马达手感很棒，打字哒哒哒的很舒服",
    "X3的人像模式虚化很自然，给我妈拍了几张她超喜欢",
    ("3.2.2修得挺快，点个赞", None, (13, 16)),
    "客服回复速度很快，报修流程也简单",
    ("这个价位能有这配置，性价比无敌", "u_tufu"),
    ("续航稳，出差一天没带充电宝也够用", "u_sh_bailing"),
    ("钓了一天鱼，手机晒了一整天也没过热关机，还能拍照发朋友圈炫耀我的空军成绩😂", "u_diaoyu"),
    ("晒单！又给我爸妈各入了一台X3，家里已经四台星火了😄 老爸说字大好用，老妈天天拍花。", "u_laoxing", (1, 5)),
    ("国庆带全家去海边，四台星火一起拍，家庭群里传图传疯了📸", "u_laoxing", (3, 8)),
    ("给老丈人也安排上了X3，这下家族群全是星火了😂 回购第五台，星火欠我一个推广大使的称号", "u_laoxing", (10, 15)),
    ("X3用了两周的综合评价：屏幕——2K直屏，亮度够，低频闪对眼睛友好；影像——主摄和长焦都是同价位第一梯队，"
     "超广角偏弱；续航——中度使用一天半没问题；系统——流畅干净，但功能还差点意思（NFC门禁、AOD、应用双开都没有）。"
     "缺点：偏重，213g；充电速度体感一般。整体推荐，已经安利给两个同事下单了，自己也准备给我爸回购一台。", "u_ajie", (6, 14)),
    ("做了个续航测试：亮度200nit，5G和WiFi交替，刷视频/微信/游戏各一小时循环，从100%用到20%一共7小时40分，同价位里算第一档。"
     "顺便说下充电，我这边0-100%要45分钟左右，跟宣传的19分钟有点出入，先记一笔。", "u_ajie", (7, 9)),
    ("推荐给了同事三个人，都说好用，我是不是该找星火要推广费😂 朋友圈晒了一波，点赞好多", "u_erbao_ma", (3, 14)),
    ("给我妈回购了一台，她说比原来那台好用，字大声音大，视频通话也清楚", "u_erbao_ma", (17, 27)),
    ("家里三台X3+一台X2，我发现全家都在这个论坛潜水😂", "u_erbao_ma", (5, 20)),
    ("回购了！之前的X2给了我妹，自己换了X3，还是熟悉的星火味道", "u_yuhou", (1, 6)),
    ("给室友安利了X3，他今天也下单了，宿舍已经三台星火了哈哈", "u_yuhou", (9, 15)),
    ("发几张X3扫街的片子，直出没调色，这个长焦真香📷 已经推荐给摄影群里好几个人了", "u_lin_paike", (2, 9)),
    ("坝上日出，X3长焦直出。朋友圈发了之后好几个人私信问是什么相机🤭", "u_lin_paike", (8, 12)),
    ("今天的晚霞，X3超广角直出🌇 这颜色我愿称之为星火色", "u_lin_paike", (19, 27)),
    ("摄影群里又被我安利走两台，顺便晒一下我自己的第二台X3，专门当备用机", "u_lin_paike", (18, 27)),
    ("安利给组里两个同事了，都拿来当测试机，X3的开发者选项很良心，adb调试也很稳", "u_zhou_dev", (4, 14)),
    ("星火OS 3.2.2 简单体验：WebView闪退修了，后台保活比3.2.1好，动画帧率稳了。蓝牙共存问题还在，继续等。",
     "u_zhou_dev", (13, 15)),
    # at-risk users, before the scandal
    ("X1到X3一路用过来，每一代都有进步，星火加油！", "u_chen_ge", (1, 8)),
    ("又给我老婆买了一台，她说比她原来的手机流畅多了", "u_chen_ge", (6, 14)),
    ("樱花粉真的好好看啊啊啊，拿出来同事都问是什么手机🌸", "u_tiantian", (1, 9)),
    ("骑了120公里，导航+听歌开了一整天，回家还剩25%，续航太强了", "u_afei", (2, 9)),
    ("摔了一次，屏幕没事，结实！给你们点赞", "u_afei", (8, 14)),
    ("就是冲着120W快充买的，第一次用这么快的充电，真香", "u_moli", (1, 7)),
    ("拍照也比我想象的好，这次买对了😊", "u_moli", (6, 13)),
])

add("question", "question", [
    "X3支持5G吗？我这边一直显示4G",
    "怎么开启双卡双待？插了两张卡只能用一张",
    ("请问怎么开启120W快充？我用原装充电器显示的是“快速充电”，没看到120W字样", "u_moli", (2, 8)),
    "有没有人知道怎么关掉负一屏",
    "X3支持无线充电吗？",
    ("怎么把旧手机的数据迁过来？聊天记录能迁吗", None, (1, 8)),
    "请问X3防水吗？IP几级",
    "肿么开启开发者选项？",
    "存储空间256G实际能用多少？",
    "截屏的快捷方式是啥？三指下滑能开吗",
    "有没有大佬知道怎么开高刷？感觉不够顺滑",
    "X3支持eSIM吗",
    "能插SD卡扩展吗",
    "请问怎么设置应用锁？",
    "有红外吗？想遥控空调",
    "没有耳机孔的话，转接头送不送啊",
    ("请问星火OS 3.2.1什么时候推送？我这还没收到", None, (9, 11)),
    ("怎么关闭系统自动更新？被3.2.1搞怕了", None, (10, 14)),
    "X3支持WiFi 7吗？",
    "保修期是多久？一年还是两年",
    "屏幕是LCD还是OLED？",
    "请问怎么开启5G？设置里找不到开关",
    ("怎么开省电模式？我奶奶的手机老是没电", "u_sunzi"),
    "手机壳哪家的好看，求推荐",
    ("新人求问，签到有什么用？积分能换什么", "u_xiaobai"),
    "外屏碎了换一个多少钱？",
    ("国庆活动还有吗？想给我爸买一台", None, (1, 6)),
    "怎么把铃声换成自己的歌？",
    ("双十一会降价吗？现在买还是等等", "u_tufu", (17, 28)),
    "看视频的时候打孔摄像头有点挡，能隐藏吗",
    ("回楼上问5G的：X3全系支持5G SA/NSA，设置-移动网络-启用5G，默认是开的，看看是不是卡套餐的问题", "u_ajie"),
    ("回答一下专业模式在哪：相机-更多-专业，长按参数可以锁定，不过快门最长只有1秒，拍星空还是不够", "u_lin_paike"),
])

add("chatter", "chatter", [
    "沙发",
    "签到签到",
    "哈哈哈哈楼上太真实了",
    "今日打卡✅",
    ("有没有广州的星火用户，线下聚聚？", "u_gz_zai"),
    ("国庆快乐🎉", None, (1, 2)),
    "水一贴，今天天气真好",
    ("第一次发帖，请多关照", "u_momo"),
    "顶",
    "签到第15天",
    "mark一下",
    ("刚抢到X3，明天到货，期待！", None, (1, 12)),
    "路过",
    ("晚安各位🌙", "u_zaoshui"),
    "有人参加星火的抽奖活动吗？我又没中",
    "论坛好热闹啊",
    "周末愉快～",
    "打卡 +1",
    "哈哈 笑死",
    ("有没有一起组队打王者的星火er", "u_xiagu"),
    ("今天终于把旧手机卖了，正式成为星火人", "u_huaijiu"),
    "坐等新系统",
    "摸鱼中……",
    "签到",
    "前排围观",
    ("求个X3的高清壁纸，官方发布会那张星空的", "u_yunduo"),
    "这论坛的表情包好可爱",
    ("双十一要来了，钱包要空了💸", None, (18, 28)),
    "冒个泡",
    "早上好打工人",
    ("凌晨三点，还有人吗", "u_yemao"),
    ("签到第20天，今天也是爱星火的一天💪", "u_yuhou"),
    ("今日签到～顺便问问大家午饭吃啥", "u_yuhou"),
    ("签到！昨晚论坛好吓人，今天还是照常签到", "u_yuhou", (17, 17)),
    ("签到第30天达成🎉", "u_yuhou", (25, 28)),
    ("周末约拍，有广州的星火用户一起吗📷", "u_lin_paike"),
])

# ---- week 3: 120W 快充 false-advertising scandal, one evening burst (first post is the trigger)
SCANDAL_POSTS = [
    ("刚看了个测评视频，X3的120W实测峰值才67W，0到100要52分钟，宣传页上的“19分钟充满”是怎么来的？？", None),
    ("我也测了，用的功率计，最高就跑到60多W，根本达不到120W", None),
    ("这不就是虚假宣传吗？？当初就是冲着120W快充才买的", None),
    ("官方出来解释一下！！120W是实验室数据还是骗人的？", None),
    ("难怪我老觉得充电没宣传的那么快，原来是假的😡", None),
    ("虚假宣传，要求退款！", None),
    ("我在群里问了一圈，没一个人能充到120W，这宣传页就是摆设", None),
    ("打了客服电话，客服说“120W是峰值功率，受温度影响”，那宣传页写“19分钟充满”又是啥意思", None),
    ("前几天客服就说充电慢的问题会给补偿，说好的补偿券到现在也没兑现，现在又开始推脱", None),
    ("官方骗人，我截图留证了，准备去12315投诉", None),
    ("退款！退款！退款！", None),
    ("充电速度根本达不到，120W就是个数字游戏", None),
    ("骗子公司，本来还想推荐给朋友，幸好还没推荐", None),
    ("客服推来推去，一会儿说找售后，一会儿说找销售，就是没人负责", None),
    ("这事能不能集体维权？有没有律师朋友", None),
    ("说好的120W，结果实际跟我之前那台33W的差不多，真的无语", None),
    ("官方骗人的话，以后谁还信你们的宣传", None),
    ("在电商平台申请退款被拒了，说过了7天无理由，可这是虚假宣传啊", None),
    ("刚去门店问，店员说“宣传上写的是最高120W”，“最高”两个字那么小谁看得见", None),
    ("120W快充=虚假宣传，已举报", None),
    ("我一直在论坛帮星火说话，现在被打脸了，真的很失望", None),
    ("客服承诺48小时内回电，到现在三天了没人理", None),
    ("我朋友是被我安利买的，现在天天在群里骂我😭", None),
    ("别家说120W就是120W，你们这叫割韭菜", None),
    ("要不统计一下？我先来：峰值62W，充满55分钟", None),
    ("说一下我的经历：9月底在官方旗舰店买的，详情页第一屏就是“120W 19分钟充满”。收到后自己测了三次，最快一次也要46分钟。"
     "当时问客服，客服说前几次充电需要“学习”，过几天就好，还说帮我申请补偿。结果快一个月了，充电没变快，补偿也没有。"
     "今天看到测评才知道根本不是我一个人的问题。要求官方退款，或者按宣传给个说法！", None),
    ("我的更离谱，开着空调的房间峰值也才58W", None),
    ("不给说法就黑猫投诉走起", None),
    ("之前还发帖夸充电快，现在想想是被骗了还帮着数钱", None),
    ("假的，都是假的🙃", None),
    ("建议大家都去投诉，人多了才有用，一个人打客服电话没人理你", None),
    ("说补偿的那个客服现在电话都打不通了，呵呵", None),
    ("从法律上讲，宣传参数与实际严重不符可以主张欺诈，退一赔三，建议先保留购买凭证和宣传页截图", "u_lvshi"),
    ("本来要买X3的，看到这贴，算了", None),
    ("星火官方人呢？？论坛都炸了还不出来说话", None),
    ("我就问一句：宣传页的19分钟充满，你们自己测过吗", None),
    ("客服说“可以帮您登记”，登记了然后呢？上次登记的补偿到现在也没个影", None),
    ("从X1用到X3，一直觉得星火是良心厂商，120W这事真把我整不会了。再也不买了，X4出来我也不会看一眼", "u_chen_ge"),
    ("我就是冲着120W买的！！！现在告诉我是假的？？要求退款，不退我就去投诉", "u_moli"),
    ("之前还在群里夸你们续航充电，现在脸被打得啪啪响。换别家了，再见", "u_afei"),
    ("好看有什么用，连充电都骗人😤 后悔了", "u_tiantian"),
    ("冷静一点，贴下我的测试数据：室温25℃，原装头原装线，峰值71W，平均48W，0-100用时47分钟。确实和宣传的19分钟差很远，"
     "希望官方正面说明，不要拿“实验室条件”搪塞。", "u_ajie"),
    ("看了几个人的数据，差距这么大不像个体问题，是宣传口径的问题。建议官方：1.公开测试条件；2.给购买用户明确的补偿方案；"
     "3.改宣传页。别装死，越拖越难看。", "u_zhou_dev"),
    ("作为老粉我也得说一句，宣传确实有问题，官方得给个交代。也希望大家理性维权，别人身攻击。", "u_laoxing"),
    ("我全家都是星火，这事希望官方认真处理，不然真的对不起老用户", "u_erbao_ma"),
]
SCANDAL_AFTER = [
    ("昨晚的帖子都看了，今天冷静下来想想，手机本身没毛病，就是宣传吹过头了", None, (17, 17)),
    ("官方发公告了，说会改宣传页并给补偿，先看看能不能兑现吧", None, (17, 18)),
    ("补偿是200元券+延保一年？有点敷衍，但总比没有强", None, (18, 20)),
    ("退款申请通过了，分享下流程：带发票去门店，说明是宣传不实，店长签字就行", None, (18, 21)),
    ("说实话充电速度对我来说够用，不过宣传不实该骂还是得骂", None, (17, 20)),
    ("补偿券到账了，这次算是兑现了", None, (20, 23)),
    ("退了，已经换了别家的。再见星火", "u_moli", (19, 21)),
    ("补偿看到了，但信任这东西碎了就是碎了。这台用到坏，不会再买星火了", "u_chen_ge", (18, 20)),
    ("算了，手机还是挺好看的，先用着吧，但不会再推荐给别人了", "u_tiantian", (18, 20)),
    ("已经下单了别家的，X3挂闲鱼了", "u_afei", (18, 21)),
    ("补偿方案出来了，虽然不完美，但态度至少端正了。我还是会继续用星火，也会盯着他们兑现", "u_laoxing", (18, 19)),
    ("补充测试：推了新充电固件(3.2.3)之后峰值到了85W，离120W还是有距离。客观记录一下。", "u_ajie", (20, 21)),
    ("宣传确实离谱，但希望大家别一棒子打死，X3其他方面还是很能打的", "u_yuhou", (17, 18)),
    ("宣传不实确实该道歉。不过我买X3是为了拍照，这点它没让我失望", "u_lin_paike", (17, 19)),
]

# ---- week 4: overheating / swelling battery safety scare (first two posts are the report)
SAFETY_POSTS = [
    ("大家注意！！我的X3刚才充电的时候冒烟了，拔插头的时候手被烫了一下，现在手指起了个泡😨 用的是原装充电器", "u_zhao_shifu"),
    ("补充：后盖已经鼓起来了，边缘翘开一条缝，我放在阳台瓷砖上不敢动它", "u_zhao_shifu"),
    ("天哪，看得我赶紧把充电器拔了", None),
    ("电池鼓包？？会不会爆炸啊，我每天晚上都放床头充电的", None),
    ("我的好像也有点鼓，后盖按下去软软的，不会也要炸吧😰", None),
    ("120W本来就是虚的，现在还冒烟，这手机还敢用吗", None),
    ("充电的时候特别烫，我一直以为是正常的，现在有点怕了", None),
    ("孩子在用这台手机，吓死我了，马上收起来了", None),
    ("有没有人知道售后能不能免费检测电池？明天一早就去", None),
    ("建议楼主赶紧报官方，保留好证据，这是安全问题不是小事", None),
    ("晚上充电不敢放枕头边了，放到离床远远的地方", None),
    ("这要是在车里、飞机上爆了怎么办，想想都后怕", None),
    ("充电发烫+1，尤其是边玩边充，烫到拿不住", None),
    ("鼓包是电池质量问题吧，星火要召回吗？", None),
    ("别慌，先别用快充，用普通的5V充电头慢慢充试试", None),
    ("我老婆看到这帖让我别用了，今晚只能翻出旧手机", None),
    ("说真的，虚假宣传还能忍，安全问题不能忍，官方赶紧回应", None),
    ("楼主烫伤严不严重？去医院看看吧", None),
    ("我刚摸了一下充电中的X3，40多度，这正常吗？", None),
    ("爆炸的话太危险了，家里有小孩，手机都不敢放卧室了", None),
    ("上周才决定原谅你们，今天又看到冒烟的……不用了，换别家", "u_tiantian"),
    ("家里三台X3，我刚挨个检查了一遍后盖，暂时没发现鼓包。大家可以把手机平放桌上看有没有翘起来，有的话立刻停用去售后。",
     "u_erbao_ma"),
    ("充电时温度超过45℃或者后盖有异常凸起，立即断电，放在不可燃的地方，别再充了。理性看待，但安全第一。", "u_zhou_dev"),
]
SAFETY_AFTER = [
    ("售后上门把手机收走了，说会送检，先给我换了台备用机。手指涂了烫伤膏好多了，谢谢大家关心", "u_zhao_shifu", (23, 24)),
    ("今天去售后检测了电池，说是正常的，稍微放心了", None, (23, 25)),
    ("官方说是个别电芯问题，正在排查同批次，希望真的只是个别", None, (23, 26)),
    ("以后晚上都用慢充了，宁愿慢一点", None, (23, 28)),
    ("这个月星火真是多灾多难……", None, (23, 28)),
    ("电池检测排了好多人，看来大家都怕了", None, (23, 25)),
]

add("crisis_after", "scandal_after", SCANDAL_AFTER)
add("crisis_after", "safety_after", SAFETY_AFTER)

# zhao_shifu's pre-scare life on the forum (keeps him an ordinary member)
for i, (t, w) in enumerate([
    ("车载支架夹X3刚刚好，开车导航很稳", (3, 15)),
    ("X3有没有车机互联？我车上的屏幕想投导航", (5, 18)),
]):
    POSTS.append({"kind": "praise" if i == 0 else "question", "label": "praise" if i == 0 else "question",
                  "text": t, "user": "u_zhao_shifu", "when": w})

# --------------------------------------------------------------------------- timing
HOUR_W = [3, 2, 0.6, 0.3, 0.3, 0.4, 0.8, 2, 3, 3, 3, 3, 5, 4, 3, 3, 3, 4, 5, 8, 10, 10, 9, 6]


def day_weight(d: int) -> float:
    wd = datetime(2026, 10, d).weekday()
    w = 1.0
    if d <= 7:
        w *= 1.3  # 国庆 holiday, new phones
    if wd >= 5:
        w *= 1.2
    return w


def in_crisis(t: datetime) -> bool:
    pad = timedelta(minutes=10)
    return any(a - pad <= t <= b + pad for a, b in (SCANDAL, SAFETY))


def sample_time(when) -> datetime:
    if isinstance(when, str):
        base = datetime.fromisoformat(when).replace(tzinfo=TZ)
        return base + timedelta(seconds=rng.randrange(60))
    d1, d2 = when if when else (1, 28)
    days = list(range(d1, d2 + 1))
    while True:
        d = rng.choices(days, weights=[day_weight(x) for x in days])[0]
        h = rng.choices(range(24), weights=HOUR_W)[0]
        t = datetime(2026, 10, d, h, rng.randrange(60), rng.randrange(60), tzinfo=TZ)
        # aftermath posts must come after their crisis; no background noise inside crisis windows
        if in_crisis(t):
            continue
        return t


def burst_times(start: datetime, end: datetime, n: int) -> list[datetime]:
    span = (end - start).total_seconds()
    # front-loaded: most posts in the first half hour, a tail afterwards
    offs = sorted(span * rng.betavariate(1.3, 2.4) for _ in range(n - 1))
    return [start] + [start + timedelta(seconds=int(o)) for o in offs]


# --------------------------------------------------------------------------- users for unpinned posts
CAP = 6
activity = {u: rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6]) for u in REGULAR_IDS}
counts: Counter = Counter()


def pick(exclude: set[str]) -> str:
    cands = [u for u in REGULAR_IDS if u not in exclude and counts[u] < CAP]
    return rng.choices(cands, weights=[activity[u] for u in cands])[0]


def build() -> list[dict]:
    rows: list[dict] = []
    # pinned users are counted first
    for p in POSTS:
        if p["user"] in REGULAR_IDS:
            counts[p["user"]] += 1
    for lst in (SCANDAL_POSTS, SAFETY_POSTS):
        for _, u in lst:
            if u in REGULAR_IDS:
                counts[u] += 1

    def burst(lst, window, label):
        used = {u for _, u in lst if u}
        first_n = 2 if label == "safety" else 1
        head, tail = lst[:first_n], lst[first_n:]
        tail = tail[:]
        rng.shuffle(tail)
        times = burst_times(window[0], window[1], len(tail) + 1)
        head_times = [times[0]]
        if label == "safety":  # the reporter's follow-up ~12 minutes after his first post
            head_times.append(window[0] + timedelta(minutes=12, seconds=rng.randrange(60)))
        for (text, u), t in zip(head + tail, head_times + times[1:]):
            pinned = u is not None
            if u is None:
                u = pick(used)
                used.add(u)
                counts[u] += 1
            rows.append({"user_id": u, "text": text, "created_at": t, "kind": "crisis", "label": label,
                         "pinned": pinned})

    burst(SCANDAL_POSTS, SCANDAL, "scandal")
    burst(SAFETY_POSTS, SAFETY, "safety")

    per_label_users: dict[str, set] = defaultdict(set)
    for p in POSTS:
        if p["user"]:
            per_label_users[p["label"]].add(p["user"])
    # ideas first, so the distinct-user constraint per idea is easy to satisfy
    order = sorted(POSTS, key=lambda p: 0 if p["kind"] == "idea" else 1)
    for p in order:
        u = p["user"]
        if u is None:
            excl = per_label_users[p["label"]] if p["kind"] == "idea" else set()
            u = pick(excl)
            counts[u] += 1
            per_label_users[p["label"]].add(u)
        t = sample_time(p["when"])
        if p["label"] == "scandal_after":
            assert t > SCANDAL[1], p
        if p["label"] == "safety_after":
            assert t > SAFETY[1], p
        rows.append({"user_id": u, "text": p["text"], "created_at": t, "kind": p["kind"], "label": p["label"],
                     "pinned": p["user"] is not None})

    # make sure every member posts at least once: hand them an unpinned post from a busy member
    for u in REGULAR_IDS:
        if counts[u]:
            continue
        cands = [r for r in rows if not r["pinned"] and counts[r["user_id"]] >= 3
                 and r["user_id"] in REGULAR_IDS]
        r = rng.choice(cands)
        counts[r["user_id"]] -= 1
        r["user_id"] = u
        r["pinned"] = True
        counts[u] += 1

    rows.sort(key=lambda r: (r["created_at"], r["text"]))
    for i, r in enumerate(rows, 1):
        r["external_id"] = f"p{i:04d}"
    return rows


def fmt(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def build_users(rows: list[dict]) -> list[dict]:
    first = {}
    for r in rows:
        first.setdefault(r["user_id"], r["created_at"])
    out = []
    for uid, name, joined, bio in SUPER_USERS + AT_RISK_USERS:
        out.append({"user_id": uid, "display_name": name, "joined_at": joined, "bio": bio})
    for uid, name, bio in REGULAR_USERS:
        f = first.get(uid)
        if f is None:
            raise SystemExit(f"user {uid} never posts")
        if f.day >= 15 and rng.random() < 0.5:
            # registered on the spot to post (e.g. to complain during the scandal)
            j = f - timedelta(minutes=rng.randint(3, 50))
        else:
            lo = datetime(2024, 1, 10, tzinfo=TZ)
            hi = min(datetime(2026, 9, 30, tzinfo=TZ), f - timedelta(days=1))
            j = lo + timedelta(seconds=rng.randrange(int((hi - lo).total_seconds())))
            j = j.replace(second=0)
        out.append({"user_id": uid, "display_name": name, "joined_at": fmt(j), "bio": bio})
    return out


# --------------------------------------------------------------------------- README
def readme(rows: list[dict], users: list[dict]) -> str:
    by_label = Counter(r["label"] for r in rows)
    by_kind = Counter(r["kind"] for r in rows)
    per_user = Counter(r["user_id"] for r in rows)
    names = {u["user_id"]: u["display_name"] for u in users}

    def ids(label):
        xs = [r["external_id"] for r in rows if r["label"] == label]
        return f"{xs[0]}–{xs[-1]}" if xs else "-"

    def window(label):
        ts = [r["created_at"] for r in rows if r["label"] == label]
        return f"{fmt(min(ts))} → {fmt(max(ts))}"

    reg_max = max(per_user[u] for u in REGULAR_IDS)
    lines = [
        "# 星火手机 demo community",
        "",
        "A fictional brand forum used by `make run` so a new user sees a living co-creation board and moderator console.",
        "All texts are invented for this demo (hand-written in `make_demo.py`; the script only picks who posts when, seeded,",
        "so re-running it reproduces the same files). Nothing here comes from a real forum.",
        "",
        "## The brand",
        "",
        "**星火手机 (Xinghuo)** sells one flagship, the **星火 X3** (colours incl. 樱花粉, 素皮 back), advertised with",
        "**「120W快充 · 19分钟充满」**; it runs **星火OS** (3.2.x during the demo). Older models X1/X2 are mentioned.",
        "",
        "## Files",
        "",
        "- `posts.jsonl` — `{external_id, user_id, text, created_at}`, sorted by `created_at`, ids `p0001…` in that order.",
        "- `users.jsonl` — `{user_id, display_name, joined_at, bio}`; every poster is listed; `joined_at` ≤ first post.",
        "- Staff / official replies are not posts (official statements are only mentioned by users).",
        "",
        "## Timeline (2026-10-01 → 2026-10-28, UTC+8)",
        "",
        "- **10-01…10-07 国庆**: new X3 owners, praise, setup questions, first feature requests.",
        "- **10-09 (Fri)**: 星火OS 3.2.1 pushed → a wave of bug reports (微信/支付宝/相机 闪退, 蓝牙连车机, 指纹失灵, 耗电) until ~10-13.",
        "- **10-13**: 3.2.2 fixes the WebView crash (praise + \"闪退好了，但蓝牙还是断\").",
        "- **10-11, 10-13, 10-15**: three isolated precursor posts doubting the 120W charging speed (`charging_precursor`).",
        f"- **10-16 (Fri) evening — DECEPTION SCANDAL**: {by_label['scandal']} posts by {by_label['scandal']} different users in "
        f"{window('scandal')} ({ids('scandal')} range, interleaved with nothing else): 120W快充 虚假宣传, 实测60-70W, 官方骗人, 要求退款,"
        " 客服推脱, 补偿没兑现, 12315/黑猫投诉. Calmer follow-ups 10-17…10-23 (官方公告, 200元券+延保, 退款流程, 3.2.3 固件 85W).",
        f"- **10-22 (Thu) evening — SAFETY SCARE**: {by_label['safety']} posts in {window('safety')}: u_zhao_shifu (赵师傅修车) reports"
        " his X3 冒烟 while charging, 手被烫/起泡, 后盖鼓包; others worry about 爆炸, 鼓包, 发烫, kids. Follow-ups 10-23…10-28"
        " (售后上门送检, 电池检测排队, 个别电芯).",
        "- No other post falls inside either crisis window (±10 min), so a window query returns only crisis posts.",
        "",
        "## What a reader should find",
        "",
        "### Ideas (feature requests phrased many different ways by different users)",
        "",
        "| idea key | meaning | posts |",
        "|---|---|---|",
    ]
    for k, v in IDEAS.items():
        lines.append(f"| `{k}` | {v} | {by_label[k]} |")
    lines += [
        "",
        f"Plus {by_label['one_off']} one-off requests (私密相册, 官方手机壳, 汇率换算, 粤语语音输入, 游戏模式屏蔽来电, 截长图按钮, 红外遥控,"
        " 充电动画, 验证码自动复制, 长辈模式, 相机水印自定义, 儿童模式) that should *not* form clusters of their own.",
        "Within an idea every post is by a different user, except two super users who come back to their own idea: u_laoxing (battery_health, after the scare) and u_lin_paike (camera_pro, after his 国庆 trip). "
        "Note a few idea posts touch other topics (e.g. a battery-health request that references the safety scare; "
        "the dark-mode post from a night-shift nurse).",
        "",
        "### Super users (6)",
        "",
        "Post often (each has more posts than any regular member, whose maximum is "
        f"{reg_max}), say they bought several units / 回购 / 推荐给家人同事 / 晒单·朋友圈,",
        "write the most thoughtful requests, and stay constructive during both crises.",
        "",
    ]
    for uid, name, _, _ in SUPER_USERS:
        lines.append(f"- `{uid}` {name} — {per_user[uid]} posts")
    lines += [
        "",
        "### At-risk users (4)",
        "",
        "Praise in weeks 1–2, anger in the scandal burst, churn language afterwards (再也不买了 / 换别家 / 不会再买 / 挂闲鱼 / 不会再推荐).",
        "",
        "- `u_chen_ge` 陈哥不吃辣 — X1→X3 loyal fan, bought one for his wife; \"再也不买了\" in the burst, \"不会再买星火了\" after.",
        "- `u_moli` 茉莉清茶 — bought for the 120W; demands refund in the burst; \"退了，已经换了别家的\".",
        "- `u_afei` 阿飞骑行中 — praised battery/durability; \"换别家了\"; later \"X3挂闲鱼了\".",
        "- `u_tiantian` 甜甜圈圈🍩 — colour fan; angry in the burst, softens (\"先用着吧\"), then \"换别家\" during the safety scare.",
        "",
        "### Counts",
        "",
        f"- posts: {len(rows)}; users: {len(users)} (all of them post); posts per user: max {max(per_user.values())},"
        f" regular members ≤ {reg_max}.",
        "- by type: " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items(), key=lambda x: -x[1])) + ".",
        "  (`crisis` = the two bursts; `crisis_after` = the calmer follow-ups; `bug` includes the 3 charging precursors.)",
        "- by label: " + ", ".join(f"{k} {v}" for k, v in sorted(by_label.items(), key=lambda x: -x[1])) + ".",
        "- Text lengths vary from a couple of characters (沙发, 顶) to ~160; emoji, English (NFC, AOD, 5G, bug, dark mode, RAW)",
        "  and a few typos (蓝呀, 指文, 闪推, 肿么, 木有) are intentional.",
        "- Daily rhythm: most posts 19:00–23:00, very few 02:00–07:00; slightly busier during 国庆 and weekends.",
        "",
        "Labels (idea/type) are *not* in `posts.jsonl`; they live only in `make_demo.py` and the tables above.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- validate
def validate(post_path: Path, user_path: Path) -> None:
    posts = [json.loads(l) for l in post_path.read_text(encoding="utf-8").splitlines()]
    users = [json.loads(l) for l in user_path.read_text(encoding="utf-8").splitlines()]
    assert all(set(p) == {"external_id", "user_id", "text", "created_at"} for p in posts)
    assert all(set(u) == {"user_id", "display_name", "joined_at", "bio"} for u in users)
    assert len({p["external_id"] for p in posts}) == len(posts), "dup post id"
    assert len({u["user_id"] for u in users}) == len(users), "dup user id"
    ts = [datetime.fromisoformat(p["created_at"]) for p in posts]
    assert ts == sorted(ts), "not sorted"
    assert WINDOW_START <= ts[0] and ts[-1] <= WINDOW_END, "outside window"
    uids = {u["user_id"] for u in users}
    assert all(p["user_id"] in uids for p in posts), "unknown user"
    first = {}
    for p, t in zip(posts, ts):
        first.setdefault(p["user_id"], t)
    for u in users:
        assert datetime.fromisoformat(u["joined_at"]) <= first[u["user_id"]], u
    assert len({p["text"] for p in posts}) == len(posts), "duplicate text"
    print(f"ok: {len(posts)} posts, {len(users)} users")


def main() -> None:
    rows = build()
    users = build_users(rows)
    post_path, user_path = HERE / "posts.jsonl", HERE / "users.jsonl"
    with post_path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"external_id": r["external_id"], "user_id": r["user_id"], "text": r["text"],
                                "created_at": fmt(r["created_at"])}, ensure_ascii=False) + "\n")
    with user_path.open("w", encoding="utf-8") as f:
        for u in users:
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    (HERE / "README.md").write_text(readme(rows, users), encoding="utf-8")
    validate(post_path, user_path)
    if "-v" in sys.argv:
        print(Counter(r["label"] for r in rows))


if __name__ == "__main__":
    main()
