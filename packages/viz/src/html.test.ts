import { dataBlock, escapeHtml, formatNumber, tableCsv, tableHtml } from './internal/html.js';

describe('html helpers', () => {
  test('escapeHtml escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  test('formatNumber: 4 significant digits, locale-independent, explicit for missing values', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(18234)).toBe('18234');
    expect(formatNumber(1.5e-7)).toBe('1.500e-7');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(-Infinity)).toBe('−∞');
  });

  const table = {
    columns: [
      { key: 'name', label: 'name, quoted "x"' },
      { key: 'v', label: 'value (nats)' },
    ],
    rows: [
      { name: 'a,b', v: 0.1234567891 },
      { name: '=HYPERLINK("x")', v: null },
      { name: '<b>', v: -1 },
    ],
  };

  test('CSV: RFC 4180 quoting, full precision, formulas defused', () => {
    expect(tableCsv(table)).toBe('"name, quoted ""x""",value (nats)\r\n"a,b",0.1234567891\r\n"\'=HYPERLINK(""x"")",\r\n<b>,-1\r\n');
  });

  test('HTML table escapes cells; data block carries the CSV as a base64 data URL', () => {
    expect(tableHtml(table)).toContain('<td>&lt;b&gt;</td>');
    const block = dataBlock(table, 'fig-01');
    const href = block.match(/href="data:text\/csv;charset=utf-8;base64,([^"]+)"/)?.[1];
    expect(Buffer.from(href ?? '', 'base64').toString('utf8')).toBe(tableCsv(table));
    expect(block).toContain('download="fig-01.csv"');
    expect(block).toMatch(/^<details class="data">/);
  });
});
