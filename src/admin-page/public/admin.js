/* eslint no-undef: "off" -- browser globals; TypeScript checks every name (src/admin-page/tsconfig.json) */
/**
 * The admin page: the schedule's control panel, on the public /api endpoints only.
 *
 * Rules this file keeps:
 * - every request uses a RELATIVE url ("api/schedule", never "/api/schedule"), so the page works
 *   unchanged behind a reverse-proxy prefix such as /scheduler/ (the old panel's 404);
 * - text from the API goes into the DOM with textContent only, never as HTML;
 * - the API token lives in sessionStorage only (this tab, until it closes).
 */

/**
 * @typedef {{ found: number, started: number, alreadyRunning: number, succeeded: number,
 *   failed: number, invalid: number, duplicates: number }} DispatchCounts
 * @typedef {{ workflowId: string, runId: string, status: string,
 *   startedBy: 'schedule' | 'direct', scheduledAt: string | null, startedAt: string,
 *   closedAt: string | null, counts: DispatchCounts | null, error: string | null,
 *   link: string }} DispatchRun
 * @typedef {{ window: string, windowJa: string, since: string, succeeded: number, failed: number }} FileTotals
 * @typedef {{ id: string, paused: boolean, note: string | null, cron: string | null,
 *   timezone: string | null, nextRuns: string[], runningWorkflowIds: string[], runningFileWorkflows: number,
 *   description: { en: string, ja: string }, recentRuns: DispatchRun[], totals: FileTotals,
 *   mode: 'demo' | 'supabase', demoNotice?: string }} Schedule
 * @typedef {{ filePath: string, deviceId: string | null, lastError: string,
 *   attempts: number | null, failedAt: string | null, workflowId: string, runId: string,
 *   link: string, rowStatus: string | null }} FailedFile
 * @typedef {{ started: boolean, workflowId: string | null, message: string }} TriggerResult
 * @typedef {{ filePath: string, workflowId: string, runId: string, link: string }} RetryResult
 * @typedef {{ requeued: number, filePaths: string[], retried: number,
 *   skipped: Array<{ filePath: string, status: string | null, reason: string }>,
 *   dispatch: TriggerResult | null, message: string }} RetryFailedResult
 * @typedef {'ja' | 'en'} Lang
 * @typedef {'success' | 'error' | 'info'} FeedbackKind
 */

const TOKEN_KEY = 'transcription-scheduler.api-token';
const LANG_KEY = 'transcription-scheduler.lang';
/** While a dispatch runs the page follows it closely; otherwise it looks now and then. */
const FAST_REFRESH_MS = 2_000;
const SLOW_REFRESH_MS = 30_000;
const EVERY_HOURS = [1, 2, 3, 4, 6, 8, 12, 24];

const MESSAGES = {
  ja: {
    title: '文字起こしスケジュール',
    languageToggle: 'English',
    demoTitle: 'デモモード',
    demoText:
      'ローカルのデモストアと文字起こしシミュレーターで動いています。本番データには触れません。',
    loading: '読み込み中…',
    statusHeading: '状態',
    running: '稼働中',
    paused: '一時停止中',
    noteLabel: 'メモ',
    intervalLabel: '実行間隔',
    nextRunsHeading: '次回の実行',
    nextRunsHeadingPaused: '再開後の実行予定（一時停止中は実行されません）',
    nextRunsNone: '予定なし（一時停止中）',
    dispatchRunning: 'ディスパッチ実行中: {ids}（自動更新中）',
    controlsHeading: '操作',
    tokenLabel: 'APIトークン（変更操作に必要）',
    tokenSave: '保存',
    tokenForget: '消去',
    tokenHint:
      'このタブを閉じるまでブラウザのセッションストレージにだけ保存され、変更操作の Authorization: Bearer ヘッダーで送られます。デモでは npm start のログに表示されます。',
    tokenSet: 'トークン: 設定済み（このタブのみ）',
    tokenUnset: 'トークン: 未設定。変更操作の前に入力してください。',
    tokenRejected: 'トークン: サーバーに拒否されました（401）。正しいトークンを入力してください。',
    tokenSaved: 'トークンを保存しました（このタブのみ）。',
    tokenForgotten: 'トークンを消去しました。',
    tokenEmpty: 'トークンを入力してください。',
    tokenMissing:
      'この操作にはAPIトークンが必要です。「APIトークン」欄に入力して保存してください。',
    unauthorized:
      '401 認証エラー: {message} — 「APIトークン」欄に正しいトークンを入力してください。',
    pause: '一時停止…',
    resume: '再開',
    trigger: '今すぐ実行',
    refresh: '更新',
    intervalSelectLabel: '実行間隔（0時起点）',
    intervalOption: '{hours}時間ごと',
    intervalOptionDaily: '24時間ごと（毎日0時）',
    intervalCustom: 'カスタム cron',
    intervalApply: '間隔を変更',
    intervalChoose: '間隔を選んでください。',
    intervalChanged: '実行間隔を変更しました: 0時起点で{hours}時間ごと。',
    working: '処理中…',
    paused_ok: '一時停止しました。',
    resumed_ok: '再開しました。',
    triggerStarted: 'ディスパッチを開始しました: {id}',
    triggerSkipped: '開始しませんでした: {message}',
    lastUpdated: '最終更新: {time}',
    loadFailed: '状態を取得できませんでした: {message}',
    networkError: 'サーバーに接続できません: {message}',
    totalsHeading: 'ファイルの集計',
    succeeded: '成功',
    failed: '失敗',
    totalsSince: '集計の起点: {since}',
    runsHeading: '最近の実行',
    runsEmpty: 'まだ実行はありません。',
    colStarted: '開始',
    colStatus: '状態',
    colCounts: '件数',
    colLink: 'Temporal',
    bySchedule: 'スケジュール',
    byDirect: '直接',
    slot: '枠 {time}',
    countFound: '検出',
    countStarted: '開始',
    countSucceeded: '成功',
    countFailed: '失敗',
    countAlreadyRunning: '実行中につき省略',
    countInvalid: '不正な行',
    countDuplicates: '重複',
    countsPending: '実行中…',
    openRun: 'Temporal で開く',
    openRunLabel: 'Temporal Web UI で {id} を開く',
    failedHeading: '失敗したファイル',
    retryAll: '失敗したファイルをすべて再実行',
    failedEmpty: '失敗したファイルはありません。',
    device: 'デバイス',
    failedAt: '失敗時刻',
    attempts: '試行回数',
    lastError: '最後のエラー',
    retry: '再実行',
    requeued: '再実行待ち（待ち行列に戻されています）',
    retryLabel: '{path} を再実行',
    retryStarted: '再実行を開始しました: {path}',
    retryAllDone: '{count} 件を待ち行列に戻しました（ディスパッチが順に文字起こしします）。',
    retryAllSkipped: '{count} 件はスキップ: {reasons}',
    retryAllNone: '再実行するファイルはありませんでした。',
    apiDocs: 'API ドキュメント',
    apiHealth: 'ヘルスチェック',
    pauseDialogTitle: 'スケジュールを一時停止',
    pauseNoteLabel: '理由（全員に表示されます）',
    pauseConfirm: '一時停止する',
    noteRequired: '一時停止の理由を入力してください。',
    cancel: 'キャンセル',
    status_RUNNING: '実行中',
    status_COMPLETED: '完了',
    status_FAILED: '失敗',
    status_TIMED_OUT: 'タイムアウト',
    status_TERMINATED: '強制終了',
    status_CANCELLED: 'キャンセル',
    status_CANCELED: 'キャンセル',
  },
  en: {
    title: 'Transcription schedule',
    languageToggle: '日本語',
    demoTitle: 'Demo mode',
    demoText:
      'running on a local demo store and the transcriber simulator; no production data is touched.',
    loading: 'Loading…',
    statusHeading: 'Status',
    running: 'Running',
    paused: 'Paused',
    noteLabel: 'Note',
    intervalLabel: 'Interval',
    nextRunsHeading: 'Next runs',
    nextRunsHeadingPaused: 'Next runs once resumed (none run while paused)',
    nextRunsNone: 'None scheduled (paused)',
    dispatchRunning: 'Dispatch running: {ids} (refreshing automatically)',
    controlsHeading: 'Controls',
    tokenLabel: 'API token (needed to change anything)',
    tokenSave: 'Save',
    tokenForget: 'Forget',
    tokenHint:
      "Kept only in this tab's session storage, until the tab closes; sent as Authorization: Bearer with changes. In the demo, npm start prints it in its log.",
    tokenSet: 'Token: set (this tab only)',
    tokenUnset: 'Token: not set. Enter it before changing anything.',
    tokenRejected: 'Token: rejected by the server (401). Enter the right token.',
    tokenSaved: 'Token saved (this tab only).',
    tokenForgotten: 'Token forgotten.',
    tokenEmpty: 'Enter a token first.',
    tokenMissing: 'This needs the API token: enter it in "API token" and save.',
    unauthorized: '401 Unauthorized: {message} — enter the right token in "API token".',
    pause: 'Pause…',
    resume: 'Resume',
    trigger: 'Run now',
    refresh: 'Refresh',
    intervalSelectLabel: 'Interval (from 00:00)',
    intervalOption: 'every {hours} hour{s}',
    intervalOptionDaily: 'every 24 hours (daily at 00:00)',
    intervalCustom: 'custom cron',
    intervalApply: 'Change interval',
    intervalChoose: 'Choose an interval.',
    intervalChanged: 'Interval changed: every {hours} hour{s} from 00:00.',
    working: 'Working…',
    paused_ok: 'Paused.',
    resumed_ok: 'Resumed.',
    triggerStarted: 'Dispatch started: {id}',
    triggerSkipped: 'Not started: {message}',
    lastUpdated: 'Last updated {time}',
    loadFailed: 'Could not load the state: {message}',
    networkError: 'Cannot reach the server: {message}',
    totalsHeading: 'File totals',
    succeeded: 'Succeeded',
    failed: 'Failed',
    totalsSince: 'Since {since}.',
    runsHeading: 'Recent runs',
    runsEmpty: 'No runs yet.',
    colStarted: 'Started',
    colStatus: 'Status',
    colCounts: 'Counts',
    colLink: 'Temporal',
    bySchedule: 'schedule',
    byDirect: 'direct',
    slot: 'slot {time}',
    countFound: 'found',
    countStarted: 'started',
    countSucceeded: 'succeeded',
    countFailed: 'failed',
    countAlreadyRunning: 'already running',
    countInvalid: 'invalid rows',
    countDuplicates: 'duplicates',
    countsPending: 'running…',
    openRun: 'Open in Temporal',
    openRunLabel: 'Open {id} in the Temporal Web UI',
    failedHeading: 'Failed files',
    retryAll: 'Re-run all failed',
    failedEmpty: 'No failed files.',
    device: 'Device',
    failedAt: 'Failed at',
    attempts: 'Attempts',
    lastError: 'Last error',
    retry: 'Re-run',
    requeued: 'Waiting to run again (back in the queue)',
    retryLabel: 'Re-run {path}',
    retryStarted: 'Re-run started: {path}',
    retryAllDone: 'Put {count} file(s) back in the queue (a dispatch transcribes them in turn).',
    retryAllSkipped: 'Skipped {count}: {reasons}',
    retryAllNone: 'There was nothing to re-run.',
    apiDocs: 'API docs',
    apiHealth: 'Health',
    pauseDialogTitle: 'Pause the schedule',
    pauseNoteLabel: 'Why (shown to every operator)',
    pauseConfirm: 'Pause',
    noteRequired: 'Say why the schedule is paused.',
    cancel: 'Cancel',
    status_RUNNING: 'running',
    status_COMPLETED: 'completed',
    status_FAILED: 'failed',
    status_TIMED_OUT: 'timed out',
    status_TERMINATED: 'terminated',
    status_CANCELLED: 'cancelled',
    status_CANCELED: 'cancelled',
  },
};

/** @typedef {keyof typeof MESSAGES.ja} MessageKey */

// ---------------------------------------------------------------------------------------------
// Small helpers

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`admin page: #${id} is missing`);
  return element;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
 * @param {Array<Node | string>} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** Only http(s) links from the API become hrefs. */
function safeHref(/** @type {string} */ url) {
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Language

/** @returns {Lang} */
function initialLang() {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored === 'ja' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

/** @type {Lang} */
let lang = initialLang();

/**
 * @param {MessageKey} key
 * @param {Record<string, string | number>} [params]
 */
function t(key, params = {}) {
  return MESSAGES[lang][key].replace(
    /\{(\w+)\}/g,
    (/** @type {string} */ whole, /** @type {string} */ name) =>
      name in params ? String(params[name]) : whole,
  );
}

/** "every 1 hour", "every 6 hours" (the Japanese labels have no plural). @param {number} hours */
function hoursParams(hours) {
  return { hours: String(hours), s: hours === 1 ? '' : 's' };
}

/** @param {string} key @returns {key is MessageKey} */
function isMessageKey(key) {
  return key in MESSAGES.ja;
}

function applyStaticLabels() {
  document.documentElement.lang = lang;
  document.title = `${t('title')} — Temporal`;
  for (const element of document.querySelectorAll('[data-i18n]')) {
    const key = element.getAttribute('data-i18n') ?? '';
    if (isMessageKey(key)) element.textContent = t(key);
  }
  const toggle = byId('language-toggle', HTMLButtonElement);
  toggle.textContent = t('languageToggle');
  toggle.lang = lang === 'ja' ? 'en' : 'ja';
  for (const option of byId('interval-select', HTMLSelectElement).options) {
    if (option.value === '') continue;
    const hours = Number(option.value);
    option.textContent =
      hours === 24 ? t('intervalOptionDaily') : t('intervalOption', hoursParams(hours));
  }
}

// ---------------------------------------------------------------------------------------------
// Times: the API sends ISO 8601 in the schedule's zone with its offset; show them in that zone.

const ISO_IN_ZONE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** @param {string | null} timeZone @param {string} offset */
function zoneLabel(timeZone, offset) {
  if (timeZone === 'Asia/Tokyo' && offset === '+09:00') return 'JST';
  if (offset === 'Z' || offset === '+00:00') return 'UTC';
  return `UTC${offset}`;
}

/** The time now, in the schedule's zone like every other time on the page. */
function nowInZone() {
  const timeZone = schedule?.timezone ?? 'Asia/Tokyo';
  try {
    const time = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(new Date());
    return `${time} ${timeZone === 'Asia/Tokyo' ? 'JST' : timeZone}`;
  } catch {
    return new Date().toLocaleTimeString();
  }
}

/**
 * @param {string | null | undefined} iso
 * @param {{ seconds?: boolean, weekday?: boolean }} [options]
 */
function formatTime(iso, options = {}) {
  if (!iso) return '—';
  const match = ISO_IN_ZONE.exec(iso);
  if (!match) return iso;
  const [, date, minutes, seconds, offset] = match;
  const timeZone = schedule?.timezone ?? null;
  let weekday = '';
  if (options.weekday && timeZone) {
    try {
      const day = new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-US', {
        weekday: 'short',
        timeZone,
      }).format(new Date(iso));
      weekday = ` (${day})`;
    } catch {
      weekday = '';
    }
  }
  const time = options.seconds && seconds ? `${minutes}${seconds}` : minutes;
  return `${date}${weekday} ${time} ${zoneLabel(timeZone, offset)}`;
}

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when no answer came
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** An action that needs the token, tried without one. */
class MissingTokenError extends Error {}

function readToken() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Nest answers one message or, from validation, a list of them. */
function messageOf(/** @type {unknown} */ body) {
  if (body && typeof body === 'object' && 'message' in body) {
    const { message } = body;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string') return message;
  }
  return null;
}

/**
 * Calls the API at a path RELATIVE to the page; the caller knows the answer's shape.
 * @param {string} path e.g. "api/schedule"
 * @param {{ method?: 'GET' | 'POST' | 'PATCH', body?: unknown, auth?: boolean }} [options]
 * @returns {Promise<unknown>}
 */
async function api(path, options = {}) {
  if (path.startsWith('/') || /^[a-z]+:/i.test(path)) {
    // An absolute path would skip a reverse proxy's prefix: the 404 this page must never give.
    throw new Error(`admin page: API paths must be relative, got "${path}"`);
  }
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.auth) {
    const token = readToken();
    if (!token) throw new MissingTokenError(t('tokenMissing'));
    headers.Authorization = `Bearer ${token}`;
  }
  /** @type {Response} */
  let response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new ApiError(0, t('networkError', { message: String(error) }));
  }
  const text = await response.text();
  /** @type {unknown} */
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      messageOf(body) ?? `HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  if (options.auth && tokenRejected) {
    tokenRejected = false;
    renderTokenState();
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// State

/** @type {Schedule | null} */
let schedule = null;
/** @type {FailedFile[] | null} */
let failedFiles = null;
let tokenRejected = false;
/** Set when the operator picked an interval that is not applied yet: refreshes keep it. */
let intervalEdited = false;
/** What each section last rendered, to leave unchanged sections (and the focus) alone. */
const rendered = { status: '', runs: '', totals: '', failed: '' };

// ---------------------------------------------------------------------------------------------
// Feedback

/**
 * @param {HTMLElement} target
 * @param {FeedbackKind} kind
 * @param {string} text
 * @param {{ href: string, label: string }} [link]
 */
function showFeedback(target, kind, text, link) {
  target.hidden = false;
  target.className = `feedback feedback-${kind}`;
  target.replaceChildren(text);
  const href = link ? safeHref(link.href) : null;
  if (link && href) {
    target.append(
      ' ',
      el('a', { text: link.label, attrs: { href, target: '_blank', rel: 'noopener noreferrer' } }),
    );
  }
}

/** @param {unknown} error */
function describeError(error) {
  if (error instanceof ApiError && error.status === 401) {
    tokenRejected = true;
    renderTokenState();
    return t('unauthorized', { message: error.message });
  }
  if (error instanceof ApiError && error.status > 0) return `${error.status}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** @param {unknown} error */
function needsToken(error) {
  return error instanceof MissingTokenError || (error instanceof ApiError && error.status === 401);
}

/**
 * Runs one operator action: the button shows it is busy, the result (or error) appears in the
 * section's feedback line, then the page refreshes its state.
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} feedback
 * @param {() => Promise<{ kind: FeedbackKind, text: string, link?: { href: string, label: string } }>} action
 * @param {HTMLElement} [focusAfter] where the focus goes if the action disabled its own button
 */
async function runAction(button, feedback, action, focusAfter) {
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  showFeedback(feedback, 'info', t('working'));
  try {
    const outcome = await action();
    showFeedback(feedback, outcome.kind, outcome.text, outcome.link);
  } catch (error) {
    showFeedback(feedback, 'error', describeError(error));
    if (needsToken(error)) byId('token-input', HTMLInputElement).focus();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
  await refresh();
  if (hadFocus) keepFocus(button, focusAfter);
}

/**
 * Gives the keyboard focus back after an action: to its button, or when the new state disabled
 * that button (Pause once paused), to the control that makes sense next.
 * @param {HTMLElement} preferred
 * @param {HTMLElement} [otherwise]
 */
function keepFocus(preferred, otherwise) {
  const active = document.activeElement;
  if (active && active !== document.body && active !== preferred) return;
  const usable = (/** @type {HTMLElement} */ element) =>
    element.isConnected && !(element instanceof HTMLButtonElement && element.disabled);
  if (usable(preferred)) preferred.focus();
  else if (otherwise && usable(otherwise)) otherwise.focus();
}

// ---------------------------------------------------------------------------------------------
// Rendering

/**
 * Re-renders a section only when its data changed, and gives the focus back to the element
 * with the same data-focus-key, so a refresh never pulls the keyboard focus away.
 * @param {keyof typeof rendered} section
 * @param {unknown} data
 * @param {() => void} render
 * @param {HTMLElement} fallbackFocus where the focus goes if its element is gone
 */
function renderIfChanged(section, data, render, fallbackFocus) {
  const key = JSON.stringify([lang, data]);
  if (rendered[section] === key) return;
  rendered[section] = key;
  const active = document.activeElement;
  const focusKey = active instanceof HTMLElement ? active.dataset.focusKey : undefined;
  render();
  if (focusKey === undefined || document.activeElement === active) return;
  const again = [...document.querySelectorAll('[data-focus-key]')].find(
    (element) => element instanceof HTMLElement && element.dataset.focusKey === focusKey,
  );
  if (again instanceof HTMLElement) again.focus();
  else fallbackFocus.focus();
}

function renderStatus() {
  if (!schedule) return;
  const current = schedule;
  renderIfChanged(
    'status',
    {
      paused: current.paused,
      note: current.note,
      cron: current.cron,
      timezone: current.timezone,
      description: current.description,
      nextRuns: current.nextRuns,
      running: current.runningWorkflowIds,
      mode: current.mode,
      demoNotice: current.demoNotice,
    },
    () => {
      const badge = byId('state-badge', HTMLElement);
      badge.textContent = current.paused ? t('paused') : t('running');
      badge.className = `badge ${current.paused ? 'badge-paused' : 'badge-running'}`;
      badge.dataset.state = current.paused ? 'paused' : 'running';
      byId('schedule-note', HTMLElement).textContent = current.note ?? '—';
      const [primary, secondary] =
        lang === 'ja'
          ? [current.description.ja, current.description.en]
          : [current.description.en, current.description.ja];
      byId('description-primary', HTMLElement).textContent = primary;
      byId('description-secondary', HTMLElement).textContent = `/ ${secondary}`;
      byId('schedule-cron', HTMLElement).textContent = current.cron ?? '—';
      byId('schedule-timezone', HTMLElement).textContent = current.timezone ?? '';

      // Temporal keeps computing the slots while paused; none of them runs until resumed.
      const heading = byId('next-runs-heading', HTMLElement);
      heading.dataset.i18n = current.paused ? 'nextRunsHeadingPaused' : 'nextRunsHeading';
      heading.textContent = t(current.paused ? 'nextRunsHeadingPaused' : 'nextRunsHeading');
      const next = byId('next-runs', HTMLOListElement);
      next.replaceChildren(
        ...current.nextRuns.map((iso) =>
          el('li', { text: formatTime(iso, { weekday: true }), attrs: { 'data-iso': iso } }),
        ),
      );
      if (current.nextRuns.length === 0) {
        next.append(el('li', { className: 'muted', text: t('nextRunsNone') }));
      }

      const running = byId('running-indicator', HTMLElement);
      running.hidden = current.runningWorkflowIds.length === 0;
      running.textContent = t('dispatchRunning', { ids: current.runningWorkflowIds.join(', ') });

      const banner = byId('demo-banner', HTMLElement);
      banner.hidden = current.mode !== 'demo';
      byId('demo-notice', HTMLElement).textContent = current.demoNotice ?? '';

      byId('pause-button', HTMLButtonElement).disabled = current.paused;
      byId('resume-button', HTMLButtonElement).disabled = !current.paused;
      if (!intervalEdited) selectCurrentInterval(current.cron);
    },
    byId('status-heading', HTMLElement),
  );
}

/** @param {string | null} cron */
function selectCurrentInterval(cron) {
  const select = byId('interval-select', HTMLSelectElement);
  const custom = byId('interval-custom', HTMLOptionElement);
  const every = /^0 \*\/(\d+) \* \* \*$/.exec(cron ?? '');
  /** @type {number | null} */
  let hours = every ? Number(every[1]) : null;
  if (cron === '0 0 * * *') hours = 24;
  if (cron === '0 * * * *') hours = 1;
  if (hours !== null && EVERY_HOURS.includes(hours)) {
    custom.hidden = true;
    select.value = String(hours);
  } else {
    custom.hidden = false;
    custom.textContent = `${t('intervalCustom')}: ${cron ?? '?'}`;
    select.value = '';
  }
}

/** @param {DispatchCounts} counts */
function countsList(counts) {
  /** @type {Array<[keyof DispatchCounts, MessageKey, boolean]>} key, label, shown when 0 */
  const shown = [
    ['found', 'countFound', true],
    ['started', 'countStarted', true],
    ['succeeded', 'countSucceeded', true],
    ['failed', 'countFailed', true],
    ['alreadyRunning', 'countAlreadyRunning', false],
    ['invalid', 'countInvalid', false],
    ['duplicates', 'countDuplicates', false],
  ];
  return el(
    'ul',
    { className: 'counts' },
    shown
      .filter(([key, , always]) => always || counts[key] > 0)
      .map(([key, label]) =>
        el('li', { attrs: { 'data-count': key } }, [
          el('span', { className: 'count-label', text: t(label) }),
          ' ',
          el('strong', { text: String(counts[key]) }),
        ]),
      ),
  );
}

function renderRuns() {
  if (!schedule) return;
  const runs = schedule.recentRuns;
  renderIfChanged(
    'runs',
    runs,
    () => {
      byId('runs-empty', HTMLElement).hidden = runs.length > 0;
      byId('runs-table', HTMLTableElement).hidden = runs.length === 0;
      byId('runs-body', HTMLTableSectionElement).replaceChildren(
        ...runs.map((run) => {
          /** One cell: its content in one box, so phones can show it beside its label. */
          const cell = (/** @type {MessageKey} */ label, /** @type {Node[]} */ content) =>
            el('td', { attrs: { 'data-label': t(label) } }, [el('div', {}, content)]);
          const started = cell('colStarted', [
            el('span', { className: 'block', text: formatTime(run.startedAt, { seconds: true }) }),
            el('span', {
              className: 'muted',
              text:
                (run.startedBy === 'schedule' ? t('bySchedule') : t('byDirect')) +
                (run.scheduledAt ? ` · ${t('slot', { time: formatTime(run.scheduledAt) })}` : ''),
            }),
          ]);
          const status = cell('colStatus', [
            el('span', {
              className: `status status-${run.status.toLowerCase()}`,
              text: isMessageKey(`status_${run.status}`)
                ? t(/** @type {MessageKey} */ (`status_${run.status}`))
                : run.status,
            }),
          ]);
          /** @type {Array<Node>} */
          const countCell = [];
          if (run.counts) countCell.push(countsList(run.counts));
          else if (run.status === 'RUNNING')
            countCell.push(el('span', { className: 'muted', text: t('countsPending') }));
          else countCell.push(el('span', { className: 'muted', text: '—' }));
          if (run.error) countCell.push(el('p', { className: 'error-text', text: run.error }));
          const counts = cell('colCounts', countCell);
          const href = safeHref(run.link);
          const link = cell('colLink', [
            href
              ? el('a', {
                  text: t('openRun'),
                  attrs: {
                    href,
                    target: '_blank',
                    rel: 'noopener noreferrer',
                    'aria-label': t('openRunLabel', { id: run.workflowId }),
                    'data-focus-key': `run-link:${run.workflowId}:${run.runId}`,
                  },
                })
              : el('span', { text: run.workflowId }),
          ]);
          return el(
            'tr',
            { attrs: { 'data-workflow-id': run.workflowId, 'data-status': run.status } },
            [started, status, counts, link],
          );
        }),
      );
    },
    byId('runs-heading', HTMLElement),
  );
}

function renderTotals() {
  if (!schedule) return;
  const totals = schedule.totals;
  renderIfChanged(
    'totals',
    totals,
    () => {
      byId('total-succeeded', HTMLElement).textContent = String(totals.succeeded);
      byId('total-failed', HTMLElement).textContent = String(totals.failed);
      // The API's own words say what the numbers count, in the page's language.
      const explanation = el('span', {
        className: 'block',
        text: lang === 'ja' ? totals.windowJa : totals.window,
        attrs: { lang },
      });
      const since = el('span', {
        className: 'block',
        text: t('totalsSince', { since: formatTime(totals.since) }),
      });
      byId('totals-window', HTMLElement).replaceChildren(explanation, since);
    },
    byId('totals-heading', HTMLElement),
  );
}

/**
 * @param {string} label
 * @param {string | Node} value
 */
function fact(label, value) {
  return el('div', {}, [el('dt', { text: label }), el('dd', {}, [value])]);
}

function renderFailed() {
  if (!failedFiles) return;
  const files = failedFiles;
  renderIfChanged(
    'failed',
    files,
    () => {
      byId('failed-empty', HTMLElement).hidden = files.length > 0;
      byId('retry-all-button', HTMLButtonElement).disabled = files.length === 0;
      byId('failed-list', HTMLUListElement).replaceChildren(
        ...files.map((file) => {
          const button = el('button', {
            text: t('retry'),
            attrs: {
              type: 'button',
              'aria-label': t('retryLabel', { path: file.filePath }),
              'data-focus-key': `retry:${file.filePath}`,
            },
          });
          button.addEventListener('click', () => void retryFile(button, file.filePath));
          // Put back in the queue, its new run not started yet: a re-run now would be refused.
          const requeued = file.rowStatus === 'pending' || file.rowStatus === 'processing';
          const href = safeHref(file.link);
          return el(
            'li',
            { className: 'failed-file', attrs: { 'data-file-path': file.filePath } },
            [
              el('p', { className: 'file-path' }, [el('code', { text: file.filePath })]),
              el('dl', { className: 'facts' }, [
                fact(t('device'), file.deviceId ?? '—'),
                fact(t('failedAt'), formatTime(file.failedAt, { seconds: true })),
                fact(t('attempts'), file.attempts === null ? '—' : String(file.attempts)),
                fact(t('lastError'), el('span', { className: 'error-text', text: file.lastError })),
              ]),
              el('div', { className: 'buttons' }, [
                requeued
                  ? el('span', { className: 'muted requeued', text: t('requeued') })
                  : button,
                ...(href
                  ? [
                      el('a', {
                        text: t('openRun'),
                        attrs: {
                          href,
                          target: '_blank',
                          rel: 'noopener noreferrer',
                          'aria-label': t('openRunLabel', { id: file.workflowId }),
                          'data-focus-key': `file-link:${file.filePath}`,
                        },
                      }),
                    ]
                  : []),
              ]),
            ],
          );
        }),
      );
    },
    byId('failed-heading', HTMLElement),
  );
}

function renderTokenState() {
  const state = byId('token-state', HTMLElement);
  const token = readToken();
  state.textContent = !token ? t('tokenUnset') : tokenRejected ? t('tokenRejected') : t('tokenSet');
  state.className = `hint token-state ${!token || tokenRejected ? 'token-missing' : 'token-ok'}`;
}

function renderAll() {
  applyStaticLabels();
  renderTokenState();
  renderStatus();
  renderRuns();
  renderTotals();
  renderFailed();
}

// ---------------------------------------------------------------------------------------------
// Refreshing

/** @type {Promise<void> | null} */
let refreshing = null;
let refreshAgain = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

async function loadOnce() {
  const [scheduleResult, failedResult] = await Promise.allSettled([
    api('api/schedule'),
    api('api/files/failed?limit=50'),
  ]);
  /** @type {string[]} */
  const errors = [];
  if (scheduleResult.status === 'fulfilled') {
    schedule = /** @type {Schedule} */ (scheduleResult.value);
  } else {
    errors.push(describeError(scheduleResult.reason));
  }
  if (failedResult.status === 'fulfilled') {
    failedFiles = /** @type {FailedFile[]} */ (failedResult.value);
  } else {
    errors.push(describeError(failedResult.reason));
  }
  const loadError = byId('load-error', HTMLElement);
  loadError.hidden = errors.length === 0;
  byId('load-error-text', HTMLElement).textContent = t('loadFailed', {
    message: errors.join(' / '),
  });
  renderStatus();
  renderRuns();
  renderTotals();
  renderFailed();
  if (errors.length === 0) {
    byId('last-updated', HTMLElement).textContent = t('lastUpdated', { time: nowInZone() });
  }
}

/** Loads the state; calls made meanwhile are folded into one more load after this one. */
function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  clearTimeout(timer);
  refreshing = (async () => {
    do {
      refreshAgain = false;
      await loadOnce();
    } while (refreshAgain);
  })().finally(() => {
    refreshing = null;
    scheduleRefresh();
  });
  return refreshing;
}

/** Follows a running dispatch closely; otherwise looks again now and then, while visible. */
function scheduleRefresh() {
  clearTimeout(timer);
  if (document.visibilityState !== 'visible') return;
  // A dispatch or a re-run from this page: either way, files are being transcribed now.
  const dispatchRunning =
    (schedule?.runningWorkflowIds.length ?? 0) > 0 || (schedule?.runningFileWorkflows ?? 0) > 0;
  timer = setTimeout(() => void refresh(), dispatchRunning ? FAST_REFRESH_MS : SLOW_REFRESH_MS);
}

// ---------------------------------------------------------------------------------------------
// Actions

/**
 * @param {HTMLButtonElement} button
 * @param {string} filePath
 */
async function retryFile(button, filePath) {
  const feedback = byId('failed-feedback', HTMLElement);
  await runAction(
    button,
    feedback,
    async () => {
      const result = /** @type {RetryResult} */ (
        await api('api/files/retry', { method: 'POST', body: { filePath }, auth: true })
      );
      return {
        kind: 'success',
        text: t('retryStarted', { path: result.filePath }),
        link: { href: result.link, label: t('openRun') },
      };
    },
    // Its file leaves the list once re-run: the keyboard focus goes to the list's heading.
    byId('failed-heading', HTMLElement),
  );
}

function wireControls() {
  const tokenInput = byId('token-input', HTMLInputElement);
  const controlsFeedback = byId('controls-feedback', HTMLElement);

  byId('language-toggle', HTMLButtonElement).addEventListener('click', () => {
    lang = lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem(LANG_KEY, lang);
    renderAll();
  });

  byId('token-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) {
      showFeedback(controlsFeedback, 'error', t('tokenEmpty'));
      tokenInput.focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    tokenInput.value = '';
    tokenRejected = false;
    renderTokenState();
    showFeedback(controlsFeedback, 'success', t('tokenSaved'));
  });

  byId('token-forget', HTMLButtonElement).addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    tokenInput.value = '';
    tokenRejected = false;
    renderTokenState();
    showFeedback(controlsFeedback, 'info', t('tokenForgotten'));
  });

  const dialog = byId('pause-dialog', HTMLDialogElement);
  const note = byId('pause-note', HTMLTextAreaElement);
  const pauseFeedback = byId('pause-feedback', HTMLElement);
  const pauseButton = byId('pause-button', HTMLButtonElement);
  pauseButton.addEventListener('click', () => {
    if (!readToken()) {
      showFeedback(controlsFeedback, 'error', t('tokenMissing'));
      tokenInput.focus();
      return;
    }
    note.value = '';
    pauseFeedback.hidden = true;
    dialog.showModal();
    note.focus();
  });
  byId('pause-cancel', HTMLButtonElement).addEventListener('click', () => dialog.close());
  byId('pause-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const confirm = byId('pause-confirm', HTMLButtonElement);
    if (!note.value.trim()) {
      showFeedback(pauseFeedback, 'error', t('noteRequired'));
      note.focus();
      return;
    }
    void (async () => {
      confirm.disabled = true;
      showFeedback(pauseFeedback, 'info', t('working'));
      try {
        await api('api/schedule/pause', {
          method: 'POST',
          body: { note: note.value.trim() },
          auth: true,
        });
        dialog.close();
        showFeedback(controlsFeedback, 'success', t('paused_ok'));
        await refresh();
        keepFocus(pauseButton, byId('resume-button', HTMLButtonElement));
        return;
      } catch (error) {
        const text = describeError(error);
        showFeedback(pauseFeedback, 'error', text);
        if (needsToken(error)) {
          dialog.close();
          showFeedback(controlsFeedback, 'error', text);
          tokenInput.focus();
        }
      } finally {
        confirm.disabled = false;
      }
      await refresh();
    })();
  });

  const resumeButton = byId('resume-button', HTMLButtonElement);
  resumeButton.addEventListener(
    'click',
    () =>
      void runAction(
        resumeButton,
        controlsFeedback,
        async () => {
          await api('api/schedule/resume', { method: 'POST', body: {}, auth: true });
          return { kind: 'success', text: t('resumed_ok') };
        },
        pauseButton,
      ),
  );

  const triggerButton = byId('trigger-button', HTMLButtonElement);
  triggerButton.addEventListener(
    'click',
    () =>
      void runAction(triggerButton, controlsFeedback, async () => {
        const result = /** @type {TriggerResult} */ (
          await api('api/schedule/trigger', { method: 'POST', auth: true })
        );
        return result.started
          ? { kind: 'success', text: t('triggerStarted', { id: result.workflowId ?? '' }) }
          : { kind: 'info', text: t('triggerSkipped', { message: result.message }) };
      }),
  );

  const refreshButton = byId('refresh-button', HTMLButtonElement);
  refreshButton.addEventListener('click', () => {
    refreshButton.setAttribute('aria-busy', 'true');
    void refresh().finally(() => refreshButton.removeAttribute('aria-busy'));
  });

  const select = byId('interval-select', HTMLSelectElement);
  select.addEventListener('change', () => {
    intervalEdited = true;
  });
  const applyButton = byId('interval-apply', HTMLButtonElement);
  byId('interval-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const hours = Number(select.value);
    if (!EVERY_HOURS.includes(hours)) {
      showFeedback(controlsFeedback, 'error', t('intervalChoose'));
      select.focus();
      return;
    }
    void runAction(applyButton, controlsFeedback, async () => {
      await api('api/schedule', { method: 'PATCH', body: { everyHours: hours }, auth: true });
      intervalEdited = false;
      return { kind: 'success', text: t('intervalChanged', hoursParams(hours)) };
    });
  });

  const retryAll = byId('retry-all-button', HTMLButtonElement);
  retryAll.addEventListener(
    'click',
    () =>
      void runAction(retryAll, byId('failed-feedback', HTMLElement), async () => {
        const result = /** @type {RetryFailedResult} */ (
          await api('api/files/retry-failed', { method: 'POST', body: {}, auth: true })
        );
        const parts = [result.requeued > 0 ? t('retryAllDone', { count: result.requeued }) : ''];
        // Whether a dispatch started now or one already running (or the next) takes them.
        if (result.requeued > 0 && result.dispatch && !result.dispatch.started) {
          parts.push(result.message);
        }
        if (result.skipped.length > 0) {
          parts.push(
            t('retryAllSkipped', {
              count: result.skipped.length,
              reasons: result.skipped.map((skip) => `${skip.filePath}: ${skip.reason}`).join('; '),
            }),
          );
        }
        const text = parts.filter(Boolean).join(' ') || t('retryAllNone');
        return { kind: result.skipped.length > 0 ? 'info' : 'success', text };
      }),
  );

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refresh();
    else clearTimeout(timer);
  });
}

wireControls();
renderAll();
void refresh();
