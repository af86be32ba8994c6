// The workflow bundle's entry point: every workflow the worker registers.
export { dispatchPendingFiles } from './dispatch-pending-files';
export { transcribeFile } from './transcribe-file';
