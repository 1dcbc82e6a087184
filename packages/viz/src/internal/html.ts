/**
 * HTML helpers for static figures: escaping, number formatting independent of locale, data tables with
 * a `data:text/csv` download link (works from disk with scripts off).
 */

// -------------------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------------------

/** A cell of a data table: text, a number (NaN / non-finite shown as "—"), or missing. */
export type Cell = string | number | null;

/** One column of a data table: the key into a row and its header (with units). */
export interface Column {
  /** The key of the cell in each row. */
  readonly key: string;
  /** The header, with its unit. */
  readonly label: string;
}

/** A data table: columns and rows of cells keyed by column key. */
export interface DataTable {
  /** Columns, in order. */
  readonly columns: readonly Column[];
  /** One record per row, keyed by column key. */
  readonly rows: readonly Readonly<Record<string, Cell>>[];
}

// -------------------------------------------------------------------------------------------------
// utils
// -------------------------------------------------------------------------------------------------

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A number for display: 4 significant digits (fixed notation between 1e-4 and 1e6), "—" for null/NaN. */
export function formatNumber(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** A number for CSV: full precision (shortest round-trip form), empty for null/NaN. */
function csvNumber(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '';
  return String(x);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a spreadsheet
 * would run as a formula (starting with `= + - @`, tab or CR) gets a leading `'`.
 */
function csvField(cell: Cell): string {
  if (typeof cell === 'number' || cell === null) return csvNumber(cell);
  const safe = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The table as CSV text (header row of labels, `\r\n` line ends). */
export function tableCsv(table: DataTable): string {
  const lines = [table.columns.map((c) => csvField(c.label)).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((c) => csvField(row[c.key] ?? null)).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The table as an HTML `<table>` (numbers right-aligned, rounded for display; the CSV keeps full precision). */
export function tableHtml(table: DataTable): string {
  const head = table.columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join('');
  const body = table.rows
    .map((row) => {
      const cells = table.columns.map((c) => {
        const v = row[c.key] ?? null;
        return typeof v === 'string' ? `<td>${escapeHtml(v)}</td>` : `<td class="num">${escapeHtml(formatNumber(v))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table class="data"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * The collapsible data block of a figure: the table (select and copy it: it pastes as rows and columns
 * into a spreadsheet) and a download link carrying the CSV inline as a base64 `data:` URL, which works
 * from disk with scripts off.
 */
export function dataBlock(table: DataTable, fileStem: string): string {
  const csv = tableCsv(table);
  const href = `data:text/csv;charset=utf-8;base64,${Buffer.from(csv, 'utf8').toString('base64')}`;
  const file = `${fileStem.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv`;
  return [
    `<details class="data"><summary>Data (${table.rows.length} rows) — <a href="${escapeHtml(href)}" download="${escapeHtml(file)}">download ${escapeHtml(file)}</a></summary>`,
    tableHtml(table),
    `</details>`,
  ].join('\n');
}

/** A line style in a figure's key: a short line drawn in SVG beside its label. */
export interface KeyItem {
  /** What the line stands for. */
  readonly label: string;
  /** Its colour (default: the text colour). */
  readonly stroke?: string;
  /** SVG stroke-dasharray, for a dashed line. */
  readonly dash?: string;
  /** Stroke width. */
  readonly width?: number;
  /** What the key draws: a line (default), a band or a bar. */
  readonly symbol?: 'line' | 'band' | 'bar';
}

/** The key of a figure's reference lines (theory curves, y = x, chance, null baseline): static HTML + SVG. */
export function lineKey(items: readonly KeyItem[]): string {
  if (items.length === 0) return '';
  const spans = items.map((it) => {
    const stroke = escapeHtml(it.stroke ?? 'currentColor');
    const mark =
      it.symbol === 'band'
        ? `<rect x="0" y="3" width="24" height="8" fill="${stroke}" fill-opacity="0.2"></rect><line x1="0" x2="24" y1="7" y2="7" stroke="${stroke}"></line>`
        : it.symbol === 'bar'
          ? `<line x1="12" x2="12" y1="1" y2="13" stroke="${stroke}" stroke-width="1.5"></line><circle cx="12" cy="7" r="2.5" fill="${stroke}"></circle>`
          : `<line x1="0" x2="24" y1="7" y2="7" stroke="${stroke}" stroke-width="${it.width ?? 1.5}"${it.dash ? ` stroke-dasharray="${escapeHtml(it.dash)}"` : ''}></line>`;
    return `<span class="key-item"><svg width="24" height="14" aria-hidden="true">${mark}</svg>${escapeHtml(it.label)}</span>`;
  });
  return `<div class="line-key">${spans.join('')}</div>`;
}
