/**
 * Builds the workflow bundle ahead of time (production image), so the worker does not run
 * webpack at start. Usage: node dist/scripts/build-workflow-bundle.js <output.js>
 */
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const output = process.argv[2];
  if (!output) throw new Error('usage: build-workflow-bundle <output.js>');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  await writeFile(output, code);
  console.log(`Workflow bundle written to ${output} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(`build-workflow-bundle: ${(error as Error).message}`);
  process.exit(1);
});
