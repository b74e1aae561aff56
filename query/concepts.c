/*
** concepts.c — the words people use for a legal matter, and the words the
** statutes use for it.
**
** A user searches 高空抛物, 加班费 or 醉驾; the articles that govern them
** say 从建筑物中抛掷物品, 延长工作时间…支付…工资报酬 and 醉酒驾驶机动车, and
** BM25 cannot find them from words they do not hold (民法典 第一千二百五
** 十四条 was not in the top 300 for 高空抛物, 劳动法 第四十四条 not for 加班费).
** So a part of the query that holds one of the everyday expressions
** below also searches the statutes' wording for it, as optional terms of
** weight ZHS_CONCEPT_WEIGHT: a passage that has the user's own words still
** comes first, and one that has only the statute's comes up among them.
** Only with the ranking features on (--proximity not 0) and on a native
** index: plain BM25 searches exactly the words written.  The keys are
** simplified Chinese, matched against the query's words as the analyzer
** folds them (醉駕 is 醉驾) and on their
** boundaries (仲裁员 is one word: no 裁员 in it); the longest key at each
** place wins (工伤认定 before 工伤).  Each expansion was checked
** to occur in the laws corpus (docs/RANKING.md, "Everyday words").
*/
#include "query_int.h"

#include <string.h>

typedef struct concept {
    const char *key;            /* the everyday expression */
    const char *expand;         /* the statutes' wording: phrases, space-separated */
} concept;

/* sorted by key (bytes) */
static const concept table[] = {
    {"上访", "信访"},
    {"个人信息出境", "向境外提供 个人信息"},
    {"五险一金", "社会保险 住房公积金"},
    {"交警", "公安机关交通管理部门 交通警察"},
    {"低保", "最低生活保障"},
    {"假货", "假冒伪劣 假冒"},
    {"偷税", "逃避缴纳税款"},
    {"公积金", "住房公积金"},
    {"公车私用", "公务用车"},
    {"共享单车", "互联网租赁自行车"},
    {"养老金", "基本养老金 养老保险"},
    {"出轨", "与他人同居"},
    {"刑事责任年龄", "已满十六周岁的人犯罪 应当负刑事责任 已满十四周岁不满十六周岁"},
    {"加班", "延长工作时间"},
    {"加班费", "延长工作时间 工资报酬"},
    {"医保", "基本医疗保险 医疗保险"},
    {"医闹", "扰乱医疗秩序 医疗秩序"},
    {"噪音", "噪声"},
    {"地沟油", "餐厨废弃物 废弃油脂"},
    {"外卖", "网络餐饮服务"},
    {"大数据杀熟", "差别待遇 交易价格"},
    {"失业金", "失业保险金"},
    {"宠物", "饲养的动物 犬只"},
    {"家暴", "家庭暴力"},
    {"小三", "与他人同居 重婚"},
    {"工伤", "认定为工伤 视同工伤"},
    {"工伤认定", "认定为工伤 视同工伤"},
    {"工伤赔偿", "工伤保险待遇 一次性伤残补助金"},
    {"年假", "带薪年休假 年休假"},
    {"强拆", "强制拆除"},
    {"惩罚性赔偿", "增加赔偿 价款十倍 三倍的赔偿金"},
    {"房东", "出租人"},
    {"房客", "承租人"},
    {"打官司", "提起诉讼 起诉"},
    {"扰民", "噪声污染"},
    {"抄袭", "剽窃"},
    {"拆迁", "房屋征收 征收补偿"},
    {"拖欠工资", "克扣 拖欠劳动者工资"},
    {"数据出境", "向境外提供"},
    {"无理由退货", "七日内退货 无需说明理由"},
    {"无证驾驶", "未取得机动车驾驶证"},
    {"欠薪", "拖欠工资 克扣 拖欠劳动者工资"},
    {"毒驾", "麻醉药品后驾驶机动车 吸毒"},
    {"物业费", "物业服务费用"},
    {"狗咬", "饲养的动物 犬只"},
    {"病假", "医疗期"},
    {"盗版", "侵犯著作权 复制发行"},
    {"直播带货", "网络直播营销"},
    {"社保", "社会保险"},
    {"离婚冷静期", "离婚登记申请 三十日内"},
    {"离职", "解除劳动合同"},
    {"租客", "承租人"},
    {"精神损失费", "精神损害赔偿"},
    {"网暴", "网络暴力"},
    {"网约车", "网络预约出租汽车"},
    {"网购", "网络购物 电子商务 网络交易"},
    {"网贷", "网络借贷"},
    {"老赖", "失信被执行人 拒不履行"},
    {"肇事逃逸", "肇事后逃逸"},
    {"裁员", "裁减人员 经济性裁员"},
    {"谁主张谁举证", "当事人对自己提出的主张 有责任提供证据"},
    {"财产分割", "夫妻的共同财产 共同财产"},
    {"起诉期限", "作出行政行为之日起六个月内 提起诉讼"},
    {"超速", "超过规定时速"},
    {"辞职", "解除劳动合同 提前三十日"},
    {"辞退", "解除劳动合同"},
    {"逃税", "逃避缴纳税款"},
    {"逃逸", "肇事后逃逸"},
    {"酒后驾车", "饮酒后驾驶机动车"},
    {"酒驾", "饮酒后驾驶机动车"},
    {"醉驾", "醉酒驾驶机动车 醉酒驾驶"},
    {"闯红灯", "交通信号 违反交通信号"},
    {"霸凌", "学生欺凌 欺凌"},
    {"霸王条款", "格式条款"},
    {"飙车", "追逐竞驶"},
    {"高利贷", "民间借贷"},
    {"高空坠物", "坠落的物品 建筑物上坠落"},
    {"高空抛物", "抛掷物品 坠落的物品"},
    {"黑社会", "黑社会性质的组织"},
};

size_t zhs_concepts_find(const char *s, size_t n, const uint8_t *edge, const char **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < max;) {
        size_t best = 0;
        const char *exp = NULL;
        if (edge && !(edge[i] & 1)) {
            i++;                /* no word starts here */
            continue;
        }
        for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
            size_t kl = strlen(table[t].key);
            if (kl > best && kl <= n - i && memcmp(s + i, table[t].key, kl) == 0 && (!edge || (edge[i + kl] & 2))) {
                best = kl;
                exp = table[t].expand;
            }
        }
        if (!best) {
            i++;
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++) seen = out[j] == exp;
        if (!seen) out[k++] = exp;
        i += best;
    }
    return k;
}
