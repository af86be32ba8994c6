/**
 * A bundle entry for the replay report test (test/replay/replay-fixtures.test.ts): both workflow
 * types, changed to wait forever before their first command, so that replaying any recorded
 * history meets an event for which the code issued no command ("No command scheduled for event
 * HistoryEvent(id: 5, …)", the core's other way of naming an event). Never register it with a
 * worker.
 */
import { condition } from '@temporalio/workflow';

export async function dispatchPendingFiles(): Promise<void> {
  await condition(() => false);
}

export async function transcribeFile(): Promise<void> {
  await condition(() => false);
}
