/**
 * The report in a real browser (Debian's Chromium through playwright-core): every figure renders with
 * marks, a screenshot is taken, the headline figure becomes a PNG, and hostile strings stay text.
 *
 * Skips only when /usr/bin/chromium is missing and CI is unset; under CI a missing browser fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import type { Browser } from 'playwright-core';
import { buildReport, formatReportError, loadRecords, writeReport } from '../src/index.js';
import { CHROMIUM_PATH, chromiumAvailable, headlineFigurePng, withChromium } from '../src/screenshot.js';
import { HOSTILE, OUTPUT, STUDY, tempDir } from './helpers.js';

const inCI = (process.env.CI ?? '') !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
const available = chromiumAvailable();
const TIMEOUT = 120_000;

/** Plot mark groups whose children are data marks (not axes, grids or frames). */
const MARKS = ['dot', 'line', 'rule', 'cell', 'text', 'link', 'rect', 'area'];

if (!available && !inCI) {
  test.skip(`browser tests: ${CHROMIUM_PATH} not installed (apt-get install -y chromium); CI unset, so skipped`, () => {});
} else {
  describe('the report in Chromium', () => {
    test('Chromium is installed (required under CI)', () => {
      expect(available).toBe(true);
    });

    test(
      'opens from disk with scripts off; every figure renders with marks; screenshots',
      async () => {
        const dir = tempDir();
        const file = join(dir, 'report.html');
        const written = writeReport([STUDY], file);
        if (E.isLeft(written)) throw new Error(formatReportError(written.left));
        mkdirSync(OUTPUT, { recursive: true });
        await withChromium(async (browser: Browser) => {
          const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, javaScriptEnabled: false });
          const page = await context.newPage();
          const requests: string[] = [];
          page.on('request', (r) => {
            if (!r.url().startsWith('file://') && !r.url().startsWith('data:')) requests.push(r.url());
          });
          await page.goto(pathToFileURL(file).href);
          const figures = await page.evaluate((marks) => {
            return [...document.querySelectorAll('figure.study-figure')].map((fig) => {
              const svgs = [...fig.querySelectorAll('svg')].filter((s) => s.closest('.plot') !== null && s.parentElement?.closest('svg') === null);
              const big = svgs.filter((s) => s.getBoundingClientRect().width > 200);
              const perSvg = big.map((svg) =>
                [...svg.querySelectorAll('g[aria-label]')]
                  .filter((g) => marks.includes(g.getAttribute('aria-label') ?? ''))
                  .reduce((n, g) => n + g.querySelectorAll('circle, path, line, rect, text').length, 0),
              );
              return { id: fig.id, svgs: big.length, marks: perSvg, width: fig.getBoundingClientRect().width };
            });
          }, MARKS);
          expect(figures.map((f) => f.id)).toEqual(Array.from({ length: 18 }, (_, i) => `fig-${String(i + 1).padStart(2, '0')}`));
          for (const f of figures) {
            expect({ id: f.id, hasPlot: f.svgs > 0 }).toEqual({ id: f.id, hasPlot: true });
            for (const n of f.marks) expect({ id: f.id, marksAtLeast6: n >= 6 }).toEqual({ id: f.id, marksAtLeast6: true });
            expect(f.width).toBeGreaterThan(500);
          }
          // details open without script; the download link carries the CSV
          const href = await page.locator('#fig-05 details.data a[download]').getAttribute('href');
          expect(href).toMatch(/^data:text\/csv;charset=utf-8;base64,/);
          const csv = Buffer.from((href ?? '').split(',')[1] ?? '', 'base64').toString('utf8');
          expect(csv.split('\r\n')[0]).toContain('Op (nats)');
          // on the summary's own text (its middle may now fall on the download link, which downloads)
          await page.locator('#fig-05 details.data summary').click({ position: { x: 8, y: 8 } });
          expect(await page.locator('#fig-05 details.data table').isVisible()).toBe(true);
          const shot = await page.screenshot({ path: join(OUTPUT, 'report.png'), fullPage: true });
          expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
          expect(requests).toEqual([]);
          await context.close();
        });
        const png = join(OUTPUT, 'headline.png');
        await headlineFigurePng(file, png);
        const bytes = readFileSync(png);
        expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(bytes.readUInt32BE(16)).toBeGreaterThan(1000); // width at 2× scale
      },
      TIMEOUT,
    );

    test(
      'hostile strings are shown as text and never run — even with scripts on and the CSP removed',
      async () => {
        const loaded = loadRecords([HOSTILE]);
        if (E.isLeft(loaded)) throw new Error(formatReportError(loaded.left));
        const html = buildReport(loaded.right);
        const dir = tempDir();
        const withCsp = join(dir, 'hostile.html');
        const withoutCsp = join(dir, 'hostile-no-csp.html');
        writeFileSync(withCsp, html);
        writeFileSync(withoutCsp, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
        await withChromium(async (browser) => {
          for (const file of [withCsp, withoutCsp]) {
            const context = await browser.newContext({ javaScriptEnabled: true });
            const page = await context.newPage();
            const dialogs: string[] = [];
            page.on('dialog', (d) => {
              dialogs.push(d.message());
              void d.dismiss();
            });
            await page.goto(pathToFileURL(file).href);
            const state = await page.evaluate(() => ({
              pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
              scripts: document.querySelectorAll('script').length,
              images: document.querySelectorAll('img').length,
              title: document.title,
              text: document.body.innerText,
              figures: document.querySelectorAll('figure.study-figure').length,
            }));
            expect(state.pwned).toBeNull();
            expect(state.scripts).toBe(0);
            expect(state.images).toBe(0);
            expect(state.figures).toBe(18);
            expect(state.title).toContain('<script>window.__pwned=1</script>');
            expect(state.text).toContain(`<script>window.__pwned=1</script>"'&</svg><img src=x onerror="window.__pwned=2">`);
            expect(dialogs).toEqual([]);
            await context.close();
          }
        });
      },
      TIMEOUT,
    );
  });
}
