/**
 * DATA_DIR is checked before npm start creates or starts anything: made when missing, refused in
 * one line (naming DATA_DIR, the path, what is wrong and the fix) when it cannot be used.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureDataDir } from '../src/config/data-dir';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(tmpdir(), 'data-dir-'));
});
afterEach(() => {
  fs.chmodSync(dir, 0o700);
  fs.rmSync(dir, { recursive: true, force: true });
});

const FIX = 'Set DATA_DIR to a folder this user can write (missing folders are created)';

test('missing folders are created; an existing folder is kept as it is', () => {
  const dataDir = path.join(dir, 'a', 'b', 'data');
  ensureDataDir(dataDir);
  expect(fs.statSync(dataDir).isDirectory()).toBe(true);
  fs.writeFileSync(path.join(dataDir, 'temporal.sqlite'), 'state');
  ensureDataDir(dataDir);
  expect(fs.readFileSync(path.join(dataDir, 'temporal.sqlite'), 'utf8')).toBe('state');
});

test.each([
  ['a file', 'README.md', 'is a file, not a directory'],
  [
    'under a file',
    'README.md/data',
    'cannot be created: <dir>/README.md is a file, not a directory',
  ],
  ['under a device', '/dev/null/x', 'cannot be created: /dev/null is a device, not a directory'],
  ['under /proc', '/proc/nope/data', 'is on /proc, a kernel file system, not storage'],
  ['/sys itself', '/sys', 'is on /sys, a kernel file system, not storage'],
])('%s is refused in one line naming DATA_DIR, the path and the fix', (_, where, problem) => {
  fs.writeFileSync(path.join(dir, 'README.md'), '# not a folder\n');
  const dataDir = path.resolve(dir, where);
  const started = Date.now();
  expect(() => ensureDataDir(dataDir)).toThrow(
    `DATA_DIR ${dataDir} ${problem.replace('<dir>', dir)}. ${FIX}`,
  );
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(fs.existsSync('/proc/nope')).toBe(false);
});

// Root may write anywhere the file system allows: there is no folder it cannot write to here.
(process.getuid?.() === 0 ? test.skip : test)(
  'a folder this user cannot write is refused, itself or as the parent of a missing one',
  () => {
    fs.chmodSync(dir, 0o500);
    expect(() => ensureDataDir(dir)).toThrow(
      `DATA_DIR ${dir} is not writable by this user. ${FIX}`,
    );
    const below = path.join(dir, 'data');
    expect(() => ensureDataDir(below)).toThrow(
      `DATA_DIR ${below} cannot be created: ${dir} is not writable by this user. ${FIX}`,
    );
  },
);
