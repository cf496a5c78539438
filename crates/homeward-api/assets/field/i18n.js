// The words of the field page in English and Chinese, and how the language is chosen:
// ?lang=zh (or en) first, then the browser's language. Names of incidents are shown as
// registered, never translated.
(function () {
  'use strict';
  const words = {
    en: {
      title: 'Field reports',
      auth_title: 'This device needs a token',
      auth_how: "Open this page once as /field?token=TOKEN with a field officer's token; it is kept on this device only and removed from the address bar.",
      auth_none: 'No token is stored on this device.',
      auth_refused: 'The server did not accept the stored token (expired, revoked or from another server). Queued reports are kept.',
      incident: 'Incident',
      no_incidents: 'You are not assigned to any open incident.',
      category: 'Category',
      text: 'Report',
      place: 'Place',
      position: 'Attach my position',
      position_got: 'Position attached',
      position_denied: 'Position not available',
      occurred_at: 'When it happened',
      occurred_hint: 'Leave as it is for now; change it for something that happened earlier.',
      send: 'Queue report',
      queued_note: 'Saved on this device; it is sent when the network allows.',
      missing: 'Choose an incident and a category, and write the report.',
      outbox: 'Outbox',
      online: 'online',
      offline: 'offline',
      queued: 'queued',
      sent: 'sent',
      refused: 'refused',
      retry_at: 'next try',
      written: 'written',
      cat_situation: 'Situation',
      cat_security: 'Security',
      cat_medical: 'Medical',
      cat_logistics: 'Logistics',
      cat_contact: 'Contact',
      cat_welfare: 'Welfare',
      cat_media: 'Media',
      cat_other: 'Other',
    },
    zh: {
      title: '现场报告',
      auth_title: '此设备需要令牌',
      auth_how: '请用现场官员的令牌打开一次 /field?token=TOKEN；令牌只保存在此设备上，并立即从地址栏中移除。',
      auth_none: '此设备上没有保存令牌。',
      auth_refused: '服务器不接受已保存的令牌（已过期、已吊销或来自其他服务器）。排队中的报告会保留。',
      incident: '事件',
      no_incidents: '您目前没有被分配到任何未结事件。',
      category: '类别',
      text: '报告内容',
      place: '地点',
      position: '附上我的位置',
      position_got: '已附上位置',
      position_denied: '无法获取位置',
      occurred_at: '发生时间',
      occurred_hint: '默认为现在；如果事情发生得更早，请修改。',
      send: '加入待发送',
      queued_note: '已保存在此设备上，网络可用时自动发送。',
      missing: '请选择事件和类别，并填写报告内容。',
      outbox: '发件箱',
      online: '在线',
      offline: '离线',
      queued: '待发送',
      sent: '已发送',
      refused: '被拒绝',
      retry_at: '下次尝试',
      written: '记录于',
      cat_situation: '现场情况',
      cat_security: '安全',
      cat_medical: '医疗',
      cat_logistics: '后勤',
      cat_contact: '联络',
      cat_welfare: '安危',
      cat_media: '媒体',
      cat_other: '其他',
    },
  };

  function pick() {
    try {
      const q = new URL(window.location.href).searchParams.get('lang');
      if (q && q.toLowerCase().startsWith('zh')) return 'zh';
      if (q && q.toLowerCase().startsWith('en')) return 'en';
    } catch (e) { /* no URL: fall through */ }
    const langs = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language || 'en'];
    return String(langs[0] || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }

  const lang = pick();

  function t(key) {
    return (words[lang] && words[lang][key]) || words.en[key] || key;
  }

  // The state word in the page's language, with the English one beside it in Chinese
  // (so the outbox reads the same to every reader and to tests).
  function stateWord(state) {
    return lang === 'en' ? t(state) : `${t(state)} · ${state}`;
  }

  window.HomewardFieldI18n = { lang, t, stateWord, words };
})();
