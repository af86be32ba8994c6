import * as fs from 'node:fs';
import * as path from 'node:path';

/** Kernel file systems: nothing can be stored there, and a recursive mkdir in /proc never ends. */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys'];

/**
 * Makes DATA_DIR (absolute) exist as a folder this user can write, or throws one line naming
 * DATA_DIR, the path, what is wrong and the fix. The path is checked before anything is created,
 * and the missing folders are made one at a time, so no path can make it hang.
 */
export function ensureDataDir(dataDir: string): void {
  const refuse = (problem: string): Error =>
    new Error(
      `DATA_DIR ${dataDir} ${problem}. Set DATA_DIR to a folder this user can write (missing folders are created), or leave it unset for ./data.`,
    );

  // The nearest part of the path that exists, and the folders below it still to be made.
  let existing = dataDir;
  const missing: string[] = [];
  let stat: fs.Stats;
  for (;;) {
    try {
      stat = fs.statSync(existing);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file on the way (said below); EACCES: a folder on the way this user cannot
      // enter (checked below as not writable).
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EACCES') {
        throw refuse(`cannot be checked (${(error as Error).message})`);
      }
      const parent = path.dirname(existing);
      if (parent === existing) throw refuse('cannot be created: no part of it exists');
      missing.unshift(existing);
      existing = parent;
    }
  }

  const real = realPath(existing);
  const pseudo = PSEUDO_FILE_SYSTEMS.find((root) => real === root || real.startsWith(`${root}/`));
  if (pseudo) {
    throw refuse(`is on ${pseudo}, a kernel file system, not storage`);
  }
  if (!stat.isDirectory()) {
    const what = `${kindOf(stat)}, not a directory`;
    throw refuse(existing === dataDir ? `is ${what}` : `cannot be created: ${existing} is ${what}`);
  }
  if (!isWritable(existing)) {
    throw refuse(
      existing === dataDir
        ? 'is not writable by this user'
        : `cannot be created: ${existing} is not writable by this user`,
    );
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && isDirectory(folder)) continue;
      throw refuse(`cannot be created (${(error as Error).message})`);
    }
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isFile()) return 'a file';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isFIFO()) return 'a pipe';
  if (stat.isSocket()) return 'a socket';
  return 'something else';
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function isWritable(folder: string): boolean {
  try {
    fs.accessSync(folder, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
