import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's chromium (installed by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const ARTIFACTS_DIR = path.join(__dirname, '..', '..', 'test-artifacts', 'admin-page');

/**
 * Headless Chromium with a fresh profile: Playwright's launch() gives it a new temporary
 * --user-data-dir, removed again at close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install Debian's package ("apt-get install -y chromium", as .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage });
}

/**
 * Waits for a locator to show, pressing the page's own Refresh button between waits: for state
 * that appears in Temporal's visibility a moment after the page last looked.
 */
export async function waitWithRefresh(
  page: Page,
  locator: Locator,
  what: string,
  attempts = 20,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await locator.first().waitFor({ state: 'visible', timeout: 3_000 });
      return;
    } catch (error) {
      if (attempt >= attempts) {
        throw new Error(`${what} did not appear on the page`, { cause: error });
      }
      await page.locator('#refresh-button').click();
    }
  }
}

/** Presses Tab until the element with this id has the focus. */
export async function tabTo(page: Page, id: string, maxPresses = 40): Promise<void> {
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press('Tab');
    // A string, as the tests' TypeScript has no DOM types.
    if ((await page.evaluate<string | undefined>('document.activeElement?.id')) === id) return;
  }
  throw new Error(`#${id} was not reached with ${maxPresses} presses of Tab`);
}
