import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PendingCursor } from '../src/files/audio-file';
import { transcribeWorkflowId } from '../src/files/file-path';
import type { FileStore } from '../src/files/file-store';

export interface ReleaseStuckFilesInput {
  /** Processing rows read per page. */
  pageSize: number;
}

export interface ReleaseStuckFilesResult {
  /** Distinct paths of `processing` rows that were checked. */
  checked: number;
  /** Of those, files whose workflow `transcribe:<file_path>` is running: left alone. */
  stillRunning: number;
  /** Of those, files with no running workflow, put back to `pending`. */
  released: number;
  /** The first released paths (for the dispatch's log). */
  releasedPaths: string[];
}

const MAX_REPORTED_PATHS = 50;
/** Workflow descriptions asked for at once. */
const DESCRIBE_CONCURRENCY = 10;

/**
 * Finds rows left in `processing` with no running file workflow (a terminated dispatch, a
 * terminated or timed-out file workflow, a lost bookkeeping write) and puts them back to
 * `pending`, so that the dispatch picks them up again. Rows whose workflow runs are left alone.
 * Temporal is asked per file (describe is strongly consistent, unlike a visibility query), and
 * the release is conditional on the row still being `processing`.
 */
export function createReleaseStuckFiles(deps: { store: FileStore; temporalClient: Client }) {
  const isRunning = async (filePath: string): Promise<boolean> => {
    try {
      const description = await deps.temporalClient.workflow
        .getHandle(transcribeWorkflowId(filePath))
        .describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  };

  return async function releaseStuckFiles(
    input: ReleaseStuckFilesInput,
  ): Promise<ReleaseStuckFilesResult> {
    const ctx = Context.current();
    const result: ReleaseStuckFilesResult = {
      checked: 0,
      stillRunning: 0,
      released: 0,
      releasedPaths: [],
    };
    const seen = new Set<string>();
    let after: PendingCursor | undefined;
    for (;;) {
      const page = await deps.store.listProcessing({ limit: input.pageSize, after });
      if (page.length === 0) break;
      const last = page[page.length - 1];
      after = { createdAt: last.created_at, filePath: last.file_path };
      // Rows without a path cannot be updated by path; duplicates are one file.
      const paths = [
        ...new Set(page.map((row) => row.file_path).filter((p): p is string => !!p)),
      ].filter((p) => !seen.has(p));
      paths.forEach((p) => seen.add(p));
      const running = await mapConcurrently(paths, DESCRIBE_CONCURRENCY, isRunning);
      const stuck = paths.filter((_, index) => !running[index]);
      const released = await deps.store.releaseProcessing(stuck);
      result.checked += paths.length;
      result.stillRunning += paths.length - stuck.length;
      result.released += released.length;
      result.releasedPaths.push(
        ...released.slice(0, MAX_REPORTED_PATHS - result.releasedPaths.length),
      );
      ctx.heartbeat({ checked: result.checked });
      if (page.length < input.pageSize) break;
    }
    if (result.released > 0) {
      ctx.log.warn('Rows stuck in processing with no running workflow were put back to pending', {
        released: result.released,
        firstPaths: result.releasedPaths,
      });
    }
    return result;
  };
}

async function mapConcurrently<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
