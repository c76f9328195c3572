"use strict";
// What a problem the API answered means, in Chinese, for every page (kiosk, office,
// a person's own, public). The API's `detail` is English for developers: a page
// never shows it, nor a field's or a rule's name. A rule of its own says what to
// do; otherwise the field's name and the kind of fault, else the status.
// One scope of its own: the pages' scripts share the global one.
(() => {
  const FIELD_LABELS = {
    volunteer_number: "志愿者编号", pin: "兑换密码", login: "登录名", password: "密码",
    current_password: "当前密码", new_password: "新密码", name: "姓名", phone: "手机号",
    phone_code: "验证码", id_number: "身份证号", birth_date: "出生日期", month: "月份",
    code: "验证码", number: "证明编号", title: "标题", description: "详细说明",
    address: "服务地点", category: "服务类别", subcategory: "具体服务",
    window_start: "开始时间", window_end: "结束时间", contact_name: "联系人",
    contact_phone: "联系电话", reason: "原因", station_id: "实践站", community_id: "社区",
    items: "商品", quantity: "数量", stars: "评分", comment: "评价", unit_id: "单位",
    year: "年份", as_of: "截止时间", skills: "技能",
  };

  const RULE_TEXT = {
    // signing in, passwords
    credentials_match: () => "登录名或密码不正确。",
    login_unlocked: () => "账号因多次密码错误已锁定，请联系所在实践站工作人员解锁。",
    login_enabled: () => "账号已停用，请联系工作人员。",
    registration_approved: () => "您的注册正在等待实践站审核。",
    attempts_within_limit: (p) => `尝试次数过多，请${waitText(p.retry_after_seconds)}后再试。`,
    current_password_matches: () => "当前密码不正确。",
    password_changes: () => "新密码不能与当前密码相同。",
    password_length: () => "密码应为 8–128 位。",
    password_not_common: () => "密码太简单，请换一个。",
    password_not_login: () => "密码不能包含登录名。",
    refresh_token_valid: () => "登录已过期，请重新登录。",
    unauthorized: () => "登录已过期，请重新登录。",
    // registering
    id_number_length: () => "身份证号应为 18 位。",
    id_number_format: () => "身份证号格式不正确。",
    id_number_check_digit: () => "身份证号校验位不正确，请核对。",
    id_number_birth_date: () => "身份证号与出生日期不一致。",
    gender_matches_id_number: () => "性别与身份证号不一致。",
    id_number_unique: () => "该身份证号已注册或正在审核，请联系实践站。",
    birth_date_in_past: () => "出生日期不正确。",
    phone_format: () => "电话号码格式不正确：手机号 11 位，座机请带区号。",
    mobile_phone: () => "请填写 11 位手机号。",
    login_format: () => "登录名应为字母开头的 3–32 位字母、数字，或手机号。",
    login_unique: () => "该登录名已被使用，请换一个。",
    phone_code_matches: () => "验证码不正确。",
    phone_code_current: () => "验证码已失效，请重新获取。",
    phone_code_tries: () => "验证码错误次数过多，请重新获取。",
    one_login_per_resident: () => "该手机号已注册，请直接登录。",
    notice_version_current: () => "隐私告知已更新，请刷新页面后重新阅读并同意。",
    consent_given: () => "请阅读并同意隐私告知。",
    skill_format: () => "每项技能 1–50 个字。",
    // orders
    category_known: () => "请选择服务类别。",
    subcategory_of_category: () => "具体服务与服务类别不符，请重新选择。",
    unit_is_station: () => "请选择一个实践站。",
    end_after_start: () => "结束时间应晚于开始时间。",
    instant_in_range: () => "时间超出可选范围：不能早于 2000 年，也不能太远。",
    state_allows_command: () => "状态已经变化，请刷新后再试。",
    evaluation_within_30_days: () => "服务完成已超过 30 天，不能再评价。",
    reason_required: () => "请填写原因。",
    order_exists: () => "找不到这张单，可能已被处理。",
    // the kiosk
    pin_matches: (p) => `密码错误，还可尝试 ${p.attempts_left} 次。`,
    pin_set: () => "尚未设置兑换密码，请联系站点管理员。",
    volunteer_number_known: () => "未找到该志愿者编号。",
    volunteer_number_format: () => "志愿者编号格式不正确，例如 V00000012 或 12。",
    balance_sufficient: () => "积分不足。",
    stock_available: () => "库存不足，请减少数量。",
    daily_limit: () => "超出该商品每日限购数量。",
    kiosk_session_valid: () => "身份验证已过期，请重新验证。",
    volunteer_is_active: () => "该志愿者账号已停用。",
    item_at_this_station: () => "该商品不在本站兑换。",
    // reading
    month_format: () => "月份格式不正确，例如 2026-12。",
    period_format: () => "月份格式不正确，例如 2026-12。",
    unit_exists: () => "找不到这个单位，请重新选择。",
    certificate_exists: () => "未找到该证明，请核对证明编号和验证码。",
    projection_lagging: () => "数据正在更新，请稍后刷新。",
    storage_unavailable: () => "服务暂时不可用，请稍后再试。",
  };

  const KIND_TEXT = {
    required: (f) => `请填写${f}。`, missing: (f) => `请填写${f}。`,
    string_too_short: (f) => `请填写${f}。`, string_too_long: (f) => `${f}太长了。`,
    too_long: (f) => `${f}太多了。`, integer: (f) => `${f}应为整数。`,
    greater_than: (f) => `${f}太小了。`, greater_than_equal: (f) => `${f}太小了。`,
    less_than: (f) => `${f}太大了。`, less_than_equal: (f) => `${f}太大了。`,
    string_pattern_mismatch: (f) => `${f}格式不正确。`,
  };

  const STATUS_TEXT = {
    400: "提交的内容无法读取，请刷新页面后重试。", 401: "登录已过期，请重新登录。",
    403: "您没有权限进行此操作。", 404: "找不到要查的内容，可能已被删除。",
    409: "与已有记录冲突，请刷新后再试。", 422: "填写的内容有误，请检查后再试。",
    429: "操作太频繁，请稍后再试。", 503: "服务暂时不可用，请稍后再试。",
  };

  function waitText(seconds) {
    const s = Number(seconds) || 60;
    return s < 60 ? ` ${s} 秒` : ` ${Math.ceil(s / 60)} 分钟`;
  }

  /** The Chinese sentence for a problem body (`status` when the body has none). */
  function explainProblem(problem, status) {
    const body = problem || {};
    const rule = RULE_TEXT[body.rule];
    if (rule) return rule(body);
    const first = (body.errors || [])[0];
    if (first) {
      const field = FIELD_LABELS[first.field.split(".").pop()];
      const kind = KIND_TEXT[first.rule];
      if (field && kind) return kind(field);
      if (field) return `${field}填写有误，请检查。`;
    }
    const code = Number(body.status || status);
    if (code >= 500) return STATUS_TEXT[503];
    return STATUS_TEXT[code] || "操作没有成功，请稍后再试。";
  }

  /** For a failed fetch (no answer at all). */
  const UNREACHABLE = "无法连接服务器，请检查网络后再试。";

  /** A refusal of the API (status 0: no answer at all), its message in Chinese. */
  class Problem extends Error {
    constructor(status, body) {
      super(status ? explainProblem(body, status) : UNREACHABLE);
      this.status = status;
      this.rule = body.rule;
      this.field = (body.errors && body.errors[0] && body.errors[0].field) || null;
    }
  }

  /** What a page says of anything that went wrong: a problem's Chinese words, or
   * for a fault of the page itself a sentence that says what to do. */
  function said(error) {
    return error instanceof Problem ? error.message : "页面出错了，请刷新后再试。";
  }

  window.vledgerMessages = { explainProblem, UNREACHABLE, Problem, said };
})();
