import { ConfigError } from './config/load-config';

/** Prints a start-up failure as one readable block (no stack for known configuration problems). */
export function reportStartupError(processName: string, error: unknown): void {
  if (error instanceof ConfigError) {
    console.error(`${processName}: ${error.message}`);
  } else {
    console.error(`${processName}: failed to start: ${(error as Error)?.message ?? String(error)}`);
  }
}
