// The bundle entry of the deliberately changed workflows: same workflow type names as
// workflows/index.ts, so the recorded histories are replayed against them.
export { dispatchPendingFiles } from './dispatch-marks-after-start';
export { transcribeFile } from './transcribe-file-checks-status-first';
