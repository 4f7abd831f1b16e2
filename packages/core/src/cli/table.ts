/**
 * A plain-text table: a header row, then one row per entry, columns padded to their widest
 * cell and separated by two spaces. No trailing spaces, so output is easy to grep and diff.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].map((row) => `${row}\n`).join('');
}
