/** A link to one workflow run in the Temporal Web UI. */
export function workflowUiLink(
  context: { uiUrl: string; namespace: string },
  workflowId: string,
  runId?: string,
): string {
  const base = `${context.uiUrl}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
