import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Issue 13 (item 12): the demo's "ran at" column changed format on the refused rows, "2
// violations" listed one, and the worker's log line for the handled InvalidImageError printed
// above the table.

const DEMO = join(__dirname, '..', 'dist', 'demo.js');

describe('pnpm demo (issue 13)', () => {
  let stdout = '';
  let stderr = '';
  beforeAll(async () => {
    ({ stdout, stderr } = await promisify(execFile)(process.execPath, [DEMO], { timeout: 60_000, env: { PATH: process.env.PATH } }));
  }, 70_000);

  function callRows(): string[][] {
    const lines = stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('caller '));
    const rows: string[][] = [];
    for (const line of lines.slice(header + 2)) {
      if (line.trim() === '') break;
      rows.push(line.trim().split(/ {2,}/));
    }
    return rows;
  }

  it('prints every "ran at" cell in one format', () => {
    const rows = callRows();
    expect(rows.length).toBe(8);
    for (const row of rows) expect(row[2]).toMatch(/^pid \d+ :\d+$/);
  });

  it('lists as many violations as it counts', () => {
    const refused = callRows().find((row) => row[4]?.startsWith('refused as expected'));
    const match = /(\d+) violation\(s\): (.*)$/.exec(refused?.[4] ?? '');
    expect(match).not.toBeNull();
    expect(match![2].split('; ')).toHaveLength(Number(match![1]));
  });

  it('prints no worker log line for the handled error, and stops every worker', () => {
    expect(`${stdout}${stderr}`).not.toMatch(/remote method failed|warn /);
    expect(stdout).toContain('All workers stopped; no process is left running.');
  });
});
