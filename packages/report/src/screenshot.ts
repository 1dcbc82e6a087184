/**
 * Pictures of the report through headless Chromium (playwright-core driving the system's Chromium; no
 * browser download): the headline figure as PNG for the README, or any element of a report file.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Where Debian's Chromium lives (`apt-get install -y chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, offline headless Chromium (docs/development.md#tools). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the system Chromium is installed. */
export function chromiumAvailable(executablePath = CHROMIUM_PATH): boolean {
  return existsSync(executablePath);
}

/**
 * Runs `f` with a headless Chromium, closing it afterwards. Playwright gives every launch a fresh
 * temporary profile (it refuses a `--user-data-dir` flag), removed on close.
 */
export async function withChromium<A>(f: (browser: Browser) => Promise<A>, executablePath = CHROMIUM_PATH): Promise<A> {
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    return await f(browser);
  } finally {
    await browser.close();
  }
}

/** Options of {@link screenshotElement}. */
export interface ScreenshotOptions {
  /** CSS selector of the element to capture (default: the headline figure, `#fig-05`). */
  readonly selector?: string;
  /** Viewport width in CSS pixels (default 1000). */
  readonly width?: number;
  /** Device scale factor (default 2, for a sharp README picture). */
  readonly scale?: number;
  readonly executablePath?: string;
}

/**
 * Opens the report file `htmlFile` (from disk, scripts disabled: the report needs none) and writes a PNG of
 * one element, by default the headline figure (predicted vs measured Op), to `pngFile`.
 */
export async function screenshotElement(htmlFile: string, pngFile: string, options: ScreenshotOptions = {}): Promise<void> {
  const selector = options.selector ?? '#fig-05';
  await withChromium(async (browser) => {
    const context = await browser.newContext({
      viewport: { width: options.width ?? 1000, height: 800 },
      deviceScaleFactor: options.scale ?? 2,
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(pathToFileURL(htmlFile).href);
    await page.locator(selector).screenshot({ path: pngFile });
    await context.close();
  }, options.executablePath);
}

/** The headline figure (`#fig-05`) of the report file `htmlFile` as a PNG at `pngFile`. */
export function headlineFigurePng(htmlFile: string, pngFile: string, options: Omit<ScreenshotOptions, 'selector'> = {}): Promise<void> {
  return screenshotElement(htmlFile, pngFile, { ...options, selector: '#fig-05' });
}
