/**
 * The admin page end to end, in headless Chromium (Debian's package driven by playwright-core),
 * against the app listening on loopback, a real Temporal dev server, a real worker and the
 * transcriber simulator as a real HTTP server; the store is the local demo store (demo mode).
 * Screenshots of the main states go to test-artifacts/admin-page/.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Worker } from '@temporalio/worker';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { ADMIN_PAGE_DIR } from '../../src/admin-page/admin-page-assets';
import type { AppConfig } from '../../src/config/app-config';
import { createApi } from '../../src/create-api';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { LocalFileStore } from '../../src/files/local-file-store';
import { upsertTranscriptionSchedule } from '../../src/temporal/transcription-schedule';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import { launchChromium, screenshot, tabTo, waitWithRefresh } from './browser';
import { startPrefixProxy, type PrefixProxy } from './prefix-proxy';
import { testSecret } from '../support/test-secret';

const TOKEN = testSecret('admin-page-test-token');
const TOKEN_KEY = 'transcription-scheduler.api-token';
const quiet = { log() {}, warn() {} };

let temporal: TemporalHarness;
let simulator: TranscriberSimulator;
let store: LocalFileStore;
let config: AppConfig;
let api: INestApplication;
let apiPort: number;
let baseUrl: string;
let worker: Worker;
let workerRun: Promise<void>;
let browser: Browser;
let slot = 0;
/** Script errors of every page opened by the tests; none is expected. */
const pageErrors: string[] = [];

/** A new pending row with a unique, valid path. */
async function addPendingFile(device = 'd-0a1b2c3d'): Promise<string> {
  slot += 1;
  const hours = String(Math.floor(slot / 2) % 24).padStart(2, '0');
  const path = `files/${device}/2026-10-01/${hours}-${slot % 2 === 0 ? '00' : '30'}/audio.wav`;
  await store.insert([{ file_path: path }]);
  return path;
}

async function openPage(
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { context, page };
}

/** The page has loaded the schedule once. */
async function loaded(page: Page): Promise<void> {
  await page.locator('#state-badge[data-state]').waitFor();
}

async function saveToken(page: Page, token: string): Promise<void> {
  await page.locator('#token-input').fill(token);
  await page.locator('#token-form button[type=submit]').click();
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

beforeAll(async () => {
  browser = await launchChromium();
  temporal = await startTemporal();
  store = new LocalFileStore();
  simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 50, logger: quiet });
  config = testConfig(temporal, {
    SIMULATOR_PORT: new URL(simulator.url).port,
    API_TOKEN: TOKEN,
    TEMPORAL_UI_URL: 'http://temporal-ui.example:8233',
  });
  worker = await createTestWorker(temporal, config, store);
  workerRun = worker.run();
  // What start-up does before the API serves: create or update the schedule.
  await upsertTranscriptionSchedule(temporal.env.client, {
    ...config.schedule,
    taskQueue: config.temporal.taskQueue,
  });
  api = await createApi({ config, store }, false);
  await api.listen(0, '127.0.0.1');
  apiPort = (api.getHttpServer().address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${apiPort}/`;
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  worker?.shutdown();
  await workerRun;
  await simulator?.stop();
  await temporal?.stop();
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

describe('serving', () => {
  test('/ serves the page and its assets beside /api and /metrics, all with relative URLs', async () => {
    const page = await fetch(baseUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="admin.js"><\\/script>');
    // No absolute path in the page: under a prefix it would miss the proxy.
    expect(html).not.toMatch(/(?:src|href)="\//);

    const script = await fetch(new URL('admin.js', baseUrl));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(script.headers.get('cache-control')).toBe('no-cache');
    const css = await fetch(new URL('admin.css', baseUrl));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');

    const source = readFileSync(path.join(ADMIN_PAGE_DIR, 'admin.js'), 'utf8');
    // Every call goes through api() or fetch() with a relative path.
    expect(source).not.toMatch(/(?:api|fetch)\(\s*['"`]\//);
    expect(source.match(/api\('api\//g)?.length).toBeGreaterThanOrEqual(8);
    expect(source).not.toContain('innerHTML');

    expect((await fetch(new URL('api/schedule', baseUrl))).status).toBe(200);
    expect((await fetch(new URL('metrics', baseUrl))).status).toBe(200);
    expect((await fetch(new URL('api/docs', baseUrl))).status).toBe(200);
    expect((await fetch(new URL('nothing-here.js', baseUrl))).status).toBe(404);
  });
});

describe('the admin page', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // A browser far from Japan: the times shown must still be the schedule's (JST).
    ({ context, page } = await openPage({ locale: 'ja-JP', timezoneId: 'America/Los_Angeles' }));
  });

  afterAll(async () => {
    await context?.close();
  });

  test('shows the status: running, the description in Japanese and English, next runs in JST, the demo banner', async () => {
    await page.goto(baseUrl);
    await loaded(page);
    expect(await page.locator('#state-badge').getAttribute('data-state')).toBe('running');
    expect(await text(page, '#state-badge')).toBe('稼働中');
    expect(await text(page, '#description-primary')).toBe('0時起点で3時間ごと（JST）');
    expect(await text(page, '#description-secondary')).toContain('every 3 hours from 00:00 JST');
    await page.locator('#demo-banner').waitFor({ state: 'visible' });
    expect(await text(page, '#demo-banner')).toContain('DEMO MODE');
    expect(await text(page, '#demo-banner')).toContain('デモモード');

    const nextRuns = await page.locator('#next-runs li').allTextContents();
    expect(nextRuns).toHaveLength(10);
    for (const run of nextRuns) {
      expect(run).toMatch(/^\d{4}-\d{2}-\d{2} \(.\) (00|03|06|09|12|15|18|21):00 JST$/);
    }
    expect(await text(page, '#interval-select option:checked')).toBe('3時間ごと');
    expect(await text(page, 'h1')).toBe('文字起こしスケジュール');
    await screenshot(page, '01-loaded-ja');
  });

  test('mutating without a token asks for one; a wrong token shows the 401 clearly', async () => {
    await page.locator('#trigger-button').click();
    await page.locator('#controls-feedback.feedback-error').waitFor();
    expect(await text(page, '#controls-feedback')).toContain('APIトークンが必要');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(
      'token-input',
    );

    await saveToken(page, 'wrong-token-abcdefghijklmnop');
    const answer = page.waitForResponse((response) =>
      response.url().endsWith('/api/schedule/trigger'),
    );
    await page.locator('#trigger-button').click();
    expect((await answer).status()).toBe(401);
    await page.locator('#controls-feedback.feedback-error', { hasText: '401' }).waitFor();
    expect(await text(page, '#controls-feedback')).toContain(
      'The bearer token does not match API_TOKEN',
    );
    await page.locator('#token-state.token-missing').waitFor();
    expect(await text(page, '#token-state')).toContain('401');
    await screenshot(page, '02-unauthorized');
  });

  test('the token is kept in session storage only and sent as a bearer token', async () => {
    await saveToken(page, TOKEN);
    await page.locator('#token-state.token-ok').waitFor();
    const storage = await page.evaluate<{ session: string | null; local: string }>(
      `({ session: sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)}), local: JSON.stringify(localStorage) })`,
    );
    expect(storage.session).toBe(TOKEN);
    expect(storage.local).not.toContain(TOKEN);
    expect(await context.cookies()).toEqual([]);
    expect(await page.locator('#token-input').inputValue()).toBe('');
  });

  test('pause asks for a note and shows the schedule paused with it; resume runs it again', async () => {
    await page.locator('#pause-button').click();
    await page.locator('#pause-dialog[open]').waitFor();
    // A note of blanks is no reason: the dialog stays open and says so.
    await page.locator('#pause-note').fill('   ');
    await page.locator('#pause-confirm').click();
    await page.locator('#pause-feedback.feedback-error', { hasText: '理由' }).waitFor();
    expect(await page.locator('#pause-dialog').getAttribute('open')).not.toBeNull();
    await page.locator('#pause-note').fill('文字起こしサーバーのメンテナンス (until 15:00)');
    const pause = page.waitForRequest((request) => request.url().endsWith('/api/schedule/pause'));
    await page.locator('#pause-confirm').click();
    expect((await pause).headers().authorization).toBe(`Bearer ${TOKEN}`);
    await page.locator('#state-badge[data-state=paused]').waitFor();
    await page.locator('#pause-dialog').waitFor({ state: 'hidden' });
    expect(await text(page, '#state-badge')).toBe('一時停止中');
    expect(await text(page, '#schedule-note')).toBe(
      '文字起こしサーバーのメンテナンス (until 15:00)',
    );
    expect(await text(page, '#controls-feedback')).toBe('一時停止しました。');
    expect(await text(page, '#next-runs-heading')).toBe(
      '再開後の実行予定（一時停止中は実行されません）',
    );
    const described = await temporal.env.client.schedule.getHandle(config.schedule.id).describe();
    expect(described.state).toMatchObject({
      paused: true,
      note: '文字起こしサーバーのメンテナンス (until 15:00)',
    });
    await screenshot(page, '03-paused');

    await page.locator('#resume-button').click();
    await page.locator('#state-badge[data-state=running]').waitFor();
    expect(await text(page, '#controls-feedback')).toBe('再開しました。');
    expect(await text(page, '#next-runs-heading')).toBe('次回の実行');
    expect(await page.locator('#pause-button').isEnabled()).toBe(true);
    expect(await page.locator('#resume-button').isDisabled()).toBe(true);
  });

  test('run now starts a dispatch; it appears in the recent runs, refreshed by itself, with its counts and Web UI link', async () => {
    const paths = [await addPendingFile(), await addPendingFile()];
    // Slow enough that the page sees the dispatch running and must follow it by itself.
    simulator.setLatency(1_000);
    const answer = page.waitForResponse((response) =>
      response.url().endsWith('/api/schedule/trigger'),
    );
    await page.locator('#trigger-button').click();
    const trigger = (await (await answer).json()) as { started: boolean; workflowId: string };
    expect(trigger.started).toBe(true);
    await page
      .locator('#controls-feedback.feedback-success', { hasText: trigger.workflowId })
      .waitFor();

    await page.locator('#running-indicator', { hasText: trigger.workflowId }).waitFor();
    simulator.setLatency(50);
    // No click on Refresh from here: the page follows the running dispatch itself.
    const row = page.locator(`#runs-body tr[data-workflow-id="${trigger.workflowId}"]`);
    await page
      .locator(`#runs-body tr[data-workflow-id="${trigger.workflowId}"][data-status=COMPLETED]`)
      .waitFor({ timeout: 60_000 });
    await page.locator('#running-indicator').waitFor({ state: 'hidden' });
    expect(await row.locator('[data-count=found] strong').textContent()).toBe('2');
    expect(await row.locator('[data-count=started] strong').textContent()).toBe('2');
    expect(await row.locator('[data-count=succeeded] strong').textContent()).toBe('2');
    expect(await row.locator('[data-count=failed] strong').textContent()).toBe('0');
    expect(await row.textContent()).toContain('完了');
    const link = row.locator('a');
    expect(await link.getAttribute('href')).toContain(
      `http://temporal-ui.example:8233/namespaces/default/workflows/${encodeURIComponent(trigger.workflowId)}/`,
    );
    expect(await link.getAttribute('target')).toBe('_blank');
    for (const path of paths) expect(await store.getStatus(path)).toBe('completed');

    expect(Number(await text(page, '#total-succeeded'))).toBeGreaterThanOrEqual(2);
    expect(await text(page, '#totals-window')).toContain(
      '直近24時間に終了したファイルの文字起こし',
    );
    await screenshot(page, '04-run-completed');
  });

  test('changing the interval to 6 hours shows the next runs at 00/06/12/18 JST', async () => {
    await page.locator('#interval-select').selectOption('6');
    await page.locator('#interval-apply').click();
    await page.locator('#description-primary', { hasText: '0時起点で6時間ごと（JST）' }).waitFor();
    expect(await text(page, '#controls-feedback')).toContain('0時起点で6時間ごと');
    expect(await text(page, '#schedule-cron')).toBe('0 */6 * * *');
    const nextRuns = await page.locator('#next-runs li').allTextContents();
    expect(nextRuns).toHaveLength(10);
    for (const run of nextRuns) expect(run).toMatch(/ (00|06|12|18):00 JST$/);
    const instants = await page
      .locator('#next-runs li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-iso')));
    for (const iso of instants) expect(iso).toMatch(/T(00|06|12|18):00:00\+09:00$/);
    expect(await page.locator('#interval-select').inputValue()).toBe('6');
    await screenshot(page, '05-every-6-hours');
  });

  test('a failed file is listed with its last error; re-running it takes it off the list and it completes', async () => {
    simulator.setFailPattern(/d-badf00d1/);
    const path = await addPendingFile('d-badf00d1');
    const answer = page.waitForResponse((response) =>
      response.url().endsWith('/api/schedule/trigger'),
    );
    await page.locator('#trigger-button').click();
    const trigger = (await (await answer).json()) as { started: boolean; workflowId: string };
    expect(trigger.started).toBe(true);

    const item = page.locator(`#failed-list li[data-file-path="${path}"]`);
    await waitWithRefresh(page, item, 'the failed file');
    expect(await item.textContent()).toContain('error_files');
    expect(await item.textContent()).toContain('d-badf00d1');
    await page
      .locator(`#runs-body tr[data-workflow-id="${trigger.workflowId}"][data-status=COMPLETED]`)
      .waitFor({ timeout: 60_000 });
    expect(
      await page
        .locator(
          `#runs-body tr[data-workflow-id="${trigger.workflowId}"] [data-count=failed] strong`,
        )
        .textContent(),
    ).toBe('1');
    expect(Number(await text(page, '#total-failed'))).toBeGreaterThanOrEqual(1);
    await screenshot(page, '06-failed-file');

    simulator.setFailPattern(undefined);
    const retry = page.waitForRequest((request) => request.url().endsWith('/api/files/retry'));
    await item.getByRole('button', { name: `${path} を再実行` }).click();
    expect((await retry).postDataJSON()).toEqual({ filePath: path });
    await page.locator('#failed-feedback.feedback-success', { hasText: path }).waitFor();
    await item.waitFor({ state: 'detached' });
    // The keyboard focus, on the button that is gone now, moves to the list's heading.
    await page.waitForFunction("document.activeElement?.id === 'failed-heading'");

    await temporal.env.client.workflow.getHandle(transcribeWorkflowId(path)).result();
    expect(await store.getStatus(path)).toBe('completed');
    await page.locator('#refresh-button').click();
    await page.locator('#failed-empty').waitFor({ state: 'visible' });
    expect(await page.locator('#retry-all-button').isDisabled()).toBe(true);
  });

  test('"re-run all failed" re-runs every failed file', async () => {
    simulator.setFailPattern(/d-feedface/);
    const paths = [await addPendingFile('d-feedface'), await addPendingFile('d-feedface')];
    const answer = page.waitForResponse((response) =>
      response.url().endsWith('/api/schedule/trigger'),
    );
    await page.locator('#trigger-button').click();
    const trigger = (await (await answer).json()) as { workflowId: string };
    for (const path of paths) {
      await waitWithRefresh(
        page,
        page.locator(`#failed-list li[data-file-path="${path}"]`),
        `failed file ${path}`,
      );
    }
    // Re-running all goes through a dispatch: let this one end, or the new one would be skipped.
    await temporal.env.client.workflow.getHandle(trigger.workflowId).result();
    simulator.setFailPattern(undefined);
    await page.locator('#retry-all-button').click();
    await page
      .locator('#failed-feedback.feedback-success', { hasText: '2 件を待ち行列に戻しました' })
      .waitFor();
    await page.locator('#failed-list li').first().waitFor({ state: 'detached' });
    // The dispatch runs them one after another: wait for the rows, not for a run that may not
    // have started yet.
    const deadline = Date.now() + 60_000;
    for (const path of paths) {
      while ((await store.getStatus(path)) !== 'completed') {
        if (Date.now() > deadline) throw new Error(`${path} did not complete`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });

  test('switches to English labels and back', async () => {
    await page.locator('#language-toggle').click();
    await page.locator('html[lang=en]').waitFor({ state: 'attached' });
    expect(await text(page, 'h1')).toBe('Transcription schedule');
    expect(await text(page, '#state-badge')).toBe('Running');
    expect(await text(page, '#description-primary')).toBe('every 6 hours from 00:00 JST');
    expect(await text(page, '#trigger-button')).toBe('Run now');
    expect(await text(page, '#interval-select option:checked')).toBe('every 6 hours');
    await screenshot(page, '07-english');
    await page.locator('#language-toggle').click();
    await page.locator('html[lang=ja]').waitFor({ state: 'attached' });
    expect(await text(page, '#trigger-button')).toBe('今すぐ実行');
  });
});

describe('keyboard and phone', () => {
  test('works with the keyboard alone: token, pause with a note, resume, Escape cancels, focus is visible', async () => {
    const { context, page } = await openPage({ locale: 'en-US' });
    await page.goto(baseUrl);
    await loaded(page);

    await tabTo(page, 'token-input');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('#token-state.token-ok').waitFor();

    await tabTo(page, 'pause-button');
    const outline = await page.evaluate<string>(
      'getComputedStyle(document.activeElement).outlineStyle',
    );
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await page.locator('#pause-dialog[open]').waitFor();
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(
      'pause-note',
    );
    await page.keyboard.press('Escape');
    await page.locator('#pause-dialog').waitFor({ state: 'hidden' });
    expect(await page.locator('#state-badge').getAttribute('data-state')).toBe('running');

    await tabTo(page, 'pause-button');
    await page.keyboard.press('Enter');
    await page.locator('#pause-dialog[open]').waitFor();
    await page.keyboard.type('keyboard pause');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(
      'pause-confirm',
    );
    await page.keyboard.press('Enter');
    await page.locator('#state-badge[data-state=paused]').waitFor();
    expect(await text(page, '#schedule-note')).toBe('keyboard pause');
    // The focus lands on Resume, the next thing an operator may want.
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe(
      'resume-button',
    );
    await page.keyboard.press('Enter');
    await page.locator('#state-badge[data-state=running]').waitFor();
    await context.close();
  });

  test('is readable on a phone: nothing wider than the screen, runs shown as cards', async () => {
    const { context, page } = await openPage({
      locale: 'ja-JP',
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(baseUrl);
    await loaded(page);
    await page.locator('#runs-body tr').first().waitFor();
    const widths = await page.evaluate<{ scroll: number; inner: number }>(
      '({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })',
    );
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    expect(await page.locator('#runs-table thead').boundingBox()).toMatchObject({ width: 1 });
    const button = await page.locator('#trigger-button').boundingBox();
    expect(button?.height).toBeGreaterThanOrEqual(44);
    await screenshot(page, '08-phone');
    await screenshot(page, '08-phone-first-screen', false);
    await page.locator('#runs-heading').scrollIntoViewIfNeeded();
    await screenshot(page, '08-phone-runs', false);
    await context.close();
  });
});

describe('behind a reverse proxy under /scheduler/', () => {
  let proxy: PrefixProxy;

  beforeAll(async () => {
    proxy = await startPrefixProxy(apiPort, '/scheduler');
  });

  afterAll(async () => {
    await proxy?.close();
  });

  test('every request the page makes goes under the prefix and succeeds (no 404, no 5xx)', async () => {
    const { context, page } = await openPage({ locale: 'en-US' });
    const responses: Array<{ url: string; status: number }> = [];
    const failures: string[] = [];
    page.on('response', (response: Response) =>
      responses.push({ url: response.url(), status: response.status() }),
    );
    page.on('requestfailed', (request) =>
      failures.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`),
    );

    // Without the trailing slash, as an operator may type it: the page adds it itself.
    await page.goto(`${proxy.origin}/scheduler`);
    await page.waitForURL(`${proxy.origin}/scheduler/`);
    await loaded(page);
    await saveToken(page, TOKEN);

    await page.locator('#pause-button').click();
    await page.locator('#pause-note').fill('behind the proxy');
    await page.locator('#pause-confirm').click();
    await page.locator('#state-badge[data-state=paused]').waitFor();
    await page.locator('#resume-button').click();
    await page.locator('#state-badge[data-state=running]').waitFor();

    const answer = page.waitForResponse((response) =>
      response.url().endsWith('/api/schedule/trigger'),
    );
    await page.locator('#trigger-button').click();
    const trigger = (await (await answer).json()) as { workflowId: string };
    await page
      .locator(`#runs-body tr[data-workflow-id="${trigger.workflowId}"][data-status=COMPLETED]`)
      .waitFor({ timeout: 60_000 });

    await page.locator('#interval-select').selectOption('3');
    await page.locator('#interval-apply').click();
    await page
      .locator('#description-primary', { hasText: 'every 3 hours from 00:00 JST' })
      .waitFor();
    await page.locator('#refresh-button').click();
    await page.locator('#language-toggle').click();
    await page.locator('html[lang=ja]').waitFor({ state: 'attached' });
    await screenshot(page, '09-behind-proxy');
    await context.close();

    const apiCalls = responses.filter((response) =>
      new URL(response.url).pathname.includes('/api/'),
    );
    const calls = new Set(apiCalls.map((response) => new URL(response.url).pathname));
    expect([...calls].sort()).toEqual(
      [
        '/scheduler/api/files/failed',
        '/scheduler/api/schedule',
        '/scheduler/api/schedule/pause',
        '/scheduler/api/schedule/resume',
        '/scheduler/api/schedule/trigger',
      ].sort(),
    );
    const paths = responses.map((response) => new URL(response.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/scheduler/admin.js', '/scheduler/admin.css']));
    expect(paths.filter((path) => !path.startsWith('/scheduler'))).toEqual([]);
    expect(responses.filter((response) => response.status >= 400)).toEqual([]);
    expect(failures).toEqual([]);
    // The proxy itself never saw a request outside the prefix.
    for (const seen of proxy.seen) expect(seen).toMatch(/^[A-Z]+ \/scheduler(\/|$)/);
  });
});
