"""Traditional characters for the simplified ones the Chinese rules are written in.

Hong Kong announcements and newspapers write traditional characters (收購, 換股比例, 現金代價,
股份代號); mainland ones simplified. The rules are written once, in simplified characters, and
:func:`expand` widens each pattern so that it also matches the traditional forms: outside a
character class ``购`` becomes ``[购購]``, inside one (``[^,。及与]``) the traditional form joins
it (``[^,。及与與]``). The text itself is never converted, so quotes stay as the article wrote them.
Only characters whose simplified and traditional forms differ are listed, one for one.
"""

from __future__ import annotations

import re

__all__ = ["TRADITIONAL", "compile_zh", "expand", "variants"]

_PAIRS = (
    "万萬 与與 专專 业業 东東 个個 为為 书書 于於 亏虧 亿億 从從 价價 会會 传傳 伙夥 体體 优優 保保 "
    "关關 兑兌 内內 创創 删刪 划劃 则則 刚剛 动動 协協 单單 卖賣 发發 变變 叠疊 号號 后後 员員 周週 "
    "团團 国國 场場 块塊 处處 备備 头頭 宁寧 实實 审審 对對 导導 将將 尽盡 层層 属屬 岁歲 帅帥 币幣 "
    "并併 广廣 应應 开開 异異 当當 录錄 彻徹 总總 恶惡 战戰 扩擴 报報 担擔 拟擬 择擇 持持 挂掛 换換 "
    "据據 损損 携攜 撑撐 数數 断斷 无無 时時 显顯 权權 条條 来來 构構 标標 栏欄 样樣 档檔 桥橋 业業 "
    "气氣 汇匯 没沒 泽澤 洁潔 测測 济濟 浓濃 润潤 涨漲 减減 温溫 湾灣 满滿 独獨 现現 环環 电電 "
    "疗療 盘盤 监監 码碼 确確 礼禮 称稱 积積 稳穩 简簡 签簽 筹籌 类類 级級 纪紀 约約 纯純 纳納 "
    "线線 组組 细細 终終 经經 结結 给給 统統 绩績 续續 维維 综綜 缴繳 网網 罗羅 联聯 胜勝 脑腦 "
    "营營 获獲 虽雖 补補 览覽 观觀 规規 视視 计計 认認 让讓 议議 讯訊 记記 讲講 设設 证證 评評 "
    "识識 诉訴 该該 详詳 说說 请請 诺諾 读讀 调調 谈談 谘諮 负負 责責 败敗 账賬 货貨 质質 购購 "
    "贴貼 费費 资資 赔賠 赖賴 赢贏 赵趙 车車 转轉 轮輪 软軟 载載 较較 辑輯 输輸 边邊 达達 过過 "
    "运運 还還 进進 连連 选選 递遞 邮郵 释釋 银銀 销銷 锁鎖 长長 门門 问問 间間 闻聞 阶階 际際 "
    "陆陸 险險 随隨 隐隱 难難 预預 领領 额額 顶頂 项項 须須 频頻 风風 饮飲 马馬 驱驅 鱼魚 龙龍 "
    "区區 参參 历歷 厂廠 压壓 县縣 双雙 叶葉 听聽 启啟 呈呈 园園 围圍 图圖 坏壞 声聲 壳殼 复復 "
    "奖獎 妇婦 学學 宝寶 宪憲 宫宮 宽寬 寻尋 屿嶼 岛島 帐帳 带帶 帮幫 庆慶 库庫 废廢 张張 归歸 "
    "征徵 态態 怀懷 忆憶 忧憂 惯慣 戏戲 执執 扫掃 抚撫 护護 拥擁 拨撥 择擇 挤擠 挥揮 捞撈 换換 "
    "据據 掷擲 摄攝 摆擺 敌敵 敛斂 旧舊 昼晝 暂暫 术術 机機 杀殺 杂雜 权權 极極 枪槍 树樹 桩樁 "
    "梦夢 检檢 欢歡 歼殲 毕畢 汤湯 沟溝 沪滬 泪淚 浅淺 浆漿 涂塗 灭滅 灵靈 炼煉 烦煩 烧燒 热熱 "
    "爱愛 爷爺 牍牘 状狀 犹猶 献獻 玛瑪 产產 亩畝 疯瘋 盖蓋 盐鹽 着著 矿礦 码碼 砖磚 础礎 硕碩 "
    "离離 种種 秘祕 税稅 穷窮 窝窩 竞競 笔筆 笼籠 粮糧 紧緊 絷縶 红紅 纤纖 纷紛 纸紙 练練 绍紹 "
    "绕繞 绘繪 绝絕 继繼 绪緒 续續 绿綠 缩縮 缺缺 罚罰 义義 习習 翘翹 耸聳 职職 聪聰 肃肅 肤膚 "
    "胁脅 脉脈 脏臟 舰艦 艰艱 节節 芦蘆 苏蘇 范範 荐薦 药藥 虑慮 虾蝦 蚀蝕 衔銜 袭襲 装裝 见見 "
    "触觸 誉譽 订訂 讨討 训訓 许許 论論 讽諷 访訪 诀訣 证證 诈詐 诊診 询詢 试試 诗詩 诚誠 话話 "
    "诞誕 误誤 诱誘 语語 误誤 谁誰 课課 谋謀 谢謝 谣謠 谬謬 谱譜 贝貝 贞貞 财財 贡貢 贫貧 贬貶 "
    "贯貫 贱賤 贷貸 贸貿 贺賀 贼賊 赁賃 赋賦 赌賭 赏賞 赛賽 赞贊 趋趨 跃躍 踪蹤 轨軌 轻輕 辆輛 "
    "辈輩 辖轄 辞辭 迁遷 迈邁 还還 这這 远遠 违違 适適 遗遺 邻鄰 郑鄭 酝醞 酱醬 释釋 钟鐘 钢鋼 "
    "钱錢 铁鐵 铜銅 铺鋪 链鏈 锋鋒 错錯 锦錦 镇鎮 闭閉 闲閒 闹鬧 阅閱 阐闡 队隊 阳陽 阴陰 阵陣 "
    "陈陳 陕陝 隶隸 雇僱 雾霧 静靜 韩韓 页頁 顺順 顾顧 顿頓 颁頒 颇頗 领領 频頻 题題 颜顏 飞飛 "
    "饭飯 馆館 驻駐 验驗 鲁魯 鸡雞 黄黃 齐齊 齿齒 么麼 乐樂 乔喬 买買 亚亞 亲親 仅僅 仓倉 仪儀 "
    "们們 价價 众眾 优優 伟偉 传傳 伤傷 伦倫 伪偽 侠俠 侣侶 侦偵 侧側 侨僑 债債 倾傾 偿償 储儲 "
    "兰蘭 兴興 养養 兽獸 冈岡 册冊 军軍 农農 冯馮 冲衝 决決 况況 冻凍 净淨 凉涼 减減 凤鳳 凭憑 "
    "击擊 凿鑿 刘劉 则則 刹剎 剂劑 剧劇 劝勸 办辦 务務 劳勞 势勢 勋勳 匀勻 华華 协協 单單 卢盧 "
    "卫衛 却卻 厅廳 厉厲 县縣 参參 双雙 发發 变變 叙敘 台臺 叹嘆 吓嚇 吕呂 吗嗎 吨噸 启啟 吴吳 "
    "呐吶 员員 呜嗚 咏詠 响響 哑啞 哗嘩 唤喚 啸嘯 喷噴 嘱囑 团團 园園 围圍 国國 图圖 圆圓 圣聖 "
    "场場 坏壞 块塊 坚堅 坛壇 坝壩 坟墳 坠墜 垄壟 垒壘 垦墾 埘塒 执執 报報 扑撲 "
    "货貨 质質 购購 惟惟 订訂 约約 束束 预預 计計 则則 规規 确確 认認 签簽 署署 权權 让讓 "
)

#: Simplified character -> its traditional form (only those that differ).
#: A few simplified characters stand for two traditional ones (并: 併 "merge", 並 "and").
#: 布 is also written 佈 in Hong Kong's 宣佈 and 發佈 ("announce", "publish").
_MORE = "布佈 并並 发髮 台颱 干幹 干乾 历曆 复複 余餘 面麵 范範 志誌 只隻 系係 系繫 征徵 周週 后後 松鬆 获穫"

#: Simplified character -> its traditional forms (only characters whose forms differ).
TRADITIONAL: dict[str, str] = {}
for _pair in (_PAIRS + _MORE).split():
    if len(_pair) == 2 and _pair[0] != _pair[1] and _pair[1] not in TRADITIONAL.get(_pair[0], ""):
        TRADITIONAL[_pair[0]] = TRADITIONAL.get(_pair[0], "") + _pair[1]


def expand(pattern: str) -> str:
    """``pattern`` widened to match the traditional form of each simplified character it names.

    Escapes are copied as they are; a character class gains the traditional forms of its
    members; elsewhere a character becomes a two-member class. Ranges inside a class
    (``\\u4e00-\\u9fff``) are untouched: their members are written as escapes, not characters.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        trad = TRADITIONAL.get(ch)
        if trad is None:
            out.append(ch)
        elif in_class:
            out.append(ch + "".join(t for t in trad if t not in pattern))
        else:
            out.append(f"[{ch}{trad}]")
        i += 1
    return "".join(out)


def compile_zh(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` of :func:`expand` (``pattern``): one rule for both scripts."""
    return re.compile(expand(pattern), flags)


def variants(word: str) -> tuple[str, ...]:
    """``word`` and, when it differs, its traditional form (for literal lists such as name leaders)."""
    trad = "".join(TRADITIONAL.get(ch, ch)[0] for ch in word)
    return (word,) if trad == word else (word, trad)
