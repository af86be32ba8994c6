/**
 * The workflow types this product's bundle registers (workflows/index.ts exports exactly these;
 * test/replay/replay-command.test.ts holds the two together). Code outside the bundle uses this
 * list to tell this product's histories and workflows from others on a shared namespace.
 */
export const WORKFLOW_TYPES = ['dispatchPendingFiles', 'transcribeFile'] as const;
export type WorkflowTypeName = (typeof WORKFLOW_TYPES)[number];
