// The wall display in Chinese: ?lang=zh (or a browser whose first language is Chinese)
// turns the screen's words into Chinese as the wall's modules write them. Only whole
// texts found in the dictionary (or matching one of the patterns) are translated, and
// never inside the elements that show names as registered (incident titles, report
// texts, map labels, places, people), so a name is always shown as it was entered.
(function () {
  'use strict';

  function pick() {
    const q = new URL(window.location.href).searchParams.get('lang');
    if (q) return q.toLowerCase().startsWith('zh') ? 'zh' : 'en';
    const first = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
    return String(first).toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }

  const ZH = {
    'Homeward · Crisis room': 'Homeward · 危机指挥室',
    'Consular crisis room': '领事危机指挥室',
    'Wall display needs a token': '大屏幕需要令牌',
    'No access token is stored on this screen.': '此屏幕上没有保存访问令牌。',
    'Replay history': '回放历史',
    'Open incidents': '未结事件',
    'By severity': '按严重程度',
    'Citizens affected': '受影响公民',
    'Overdue tasks': '逾期任务',
    'most severe first, then most recent': '先按严重程度，再按时间',
    'No open incidents': '没有未结事件',
    'Risk': '风险',
    'Severity': '严重程度',
    'Evacuations': '撤离',
    'Missed deadlines': '错过的时限',
    'Welfare checks': '安危核查',
    'Field reports': '现场报告',
    'No field reports yet': '尚无现场报告',
    'Country risk': '国家风险',
    'No risk levels set': '尚未设定风险等级',
    'R replay · Esc live': 'R 回放 · Esc 实时',
    'LIVE': '实时',
    'CONNECTING…': '连接中…',
    'NOT LIVE — REPLAY': '非实时 — 回放',
    'REPLAY': '回放',
    '● Back to live': '● 返回实时',
    '▶ Play': '▶ 播放',
    '❚❚ Pause': '❚❚ 暂停',
    'Speed': '速度',
    'NEW': '新',
    'UPDATED': '已更新',
    'RESTRICTED': '受限',
    'Lead ': '负责人 ',
    'No lead': '无负责人',
    'no citizens named': '未列出公民',
    'none': '无',
    'no transport scheduled yet': '尚未安排交通工具',
    'Nothing has been recorded yet.': '尚无任何记录。',
    'Screen token has expired': '屏幕令牌已过期',
    'local': '本地',
    'held': '被扣押',
    'missing': '失踪',
    'unaccounted': '下落不明',
    'detained': '被拘留',
    'injured': '受伤',
    'in hospital': '住院',
    'deceased': '死亡',
    'safe': '平安',
    'released': '已获释',
    'evacuated': '已撤离',
    'Normal precautions': '正常防范',
    'Exercise caution': '提高警惕',
    'Reconsider travel': '重新考虑出行',
    'Do not travel': '请勿前往',
    'Kidnapping': '绑架',
    'Detention': '拘留',
    'Missing person': '人员失踪',
    'Evacuation': '撤离',
    'Civil unrest': '社会动荡',
    'Natural disaster': '自然灾害',
    'Terror attack': '恐怖袭击',
    'Accident': '事故',
    'Medical': '医疗',
    'Consular assistance': '领事协助',
    'Other': '其他',
    'Situation': '现场情况',
    'Security': '安全',
    'Logistics': '后勤',
    'Contact': '联络',
    'Welfare': '安危',
    'Media': '媒体',
    'Welfare check': '安危核查',
    'Task': '任务',
    'Case team': '案件小组',
    'Field report': '现场报告',
    'Restricted case': '受限案件',
  };

  // Texts with a part that changes: [pattern, replacement].
  const ZH_PATTERNS = [
    [/^NOT LIVE since (.+) UTC — (.+)$/, '非实时，自 $1 UTC — $2'],
    [/^last change (.+)$/, '最近更新 $1'],
    [/^Log position (\d+) · board as of (.+) UTC$/, '日志位置 $1 · 截至 $2 UTC 的看板'],
    [/^Log position (\d+)$/, '日志位置 $1'],
    [/^Screen token expires in (.+)$/, '屏幕令牌将在 $1 后过期'],
    [/^(\d+) in all$/, '共 $1'],
    [/^(\d+) events?$/, '$1 个事件'],
  ];

  // Where names are shown as registered: never translated.
  const AS_REGISTERED = '.inc-title, .report-text, .map-label, .inc-place, .place, .name, .person, .title, pre, code';

  const lang = pick();
  window.HomewardWallI18n = { lang, words: { zh: ZH }, patterns: ZH_PATTERNS };
  if (lang !== 'zh') return;

  function translated(text) {
    const key = text.trim();
    if (!key) return null;
    let out = Object.prototype.hasOwnProperty.call(ZH, key) ? ZH[key] : null;
    if (out === null) {
      for (const [re, rep] of ZH_PATTERNS) {
        if (re.test(key)) { out = key.replace(re, rep); break; }
      }
    }
    if (out === null) return null;
    const lead = text.match(/^\s*/)[0];
    const tail = text.match(/\s*$/)[0];
    return lead + out + tail;
  }

  function visit(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentElement;
      if (!parent || parent.closest(AS_REGISTERED) || parent.closest('script, style')) return;
      const out = translated(node.data);
      if (out !== null && out !== node.data) node.data = out;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || node.matches('script, style')) return;
    for (const child of node.childNodes) visit(child);
  }

  function start() {
    document.documentElement.lang = 'zh-CN';
    document.title = translated(document.title) || document.title;
    visit(document.body);
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'characterData') visit(r.target);
        else for (const n of r.addedNodes) visit(n);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
