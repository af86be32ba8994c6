/**
 * The path form the transcriber accepts: files/<device_id>/<YYYY-MM-DD>/<HH-MM>/audio.wav.
 * Checked before a row is dispatched so that a malformed row is reported, not sent.
 */
const FILE_PATH_PATTERN = /^files\/([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/(\d{2})-(\d{2})\/audio\.wav$/;

export interface ParsedFilePath {
  filePath: string;
  deviceId: string;
  localDate: string;
  timeBlock: string;
}

/** Returns the parts of a valid path, or a sentence saying what is wrong with it. */
export function parseFilePath(filePath: unknown): ParsedFilePath | { error: string } {
  if (typeof filePath !== 'string' || filePath.trim() === '') {
    return { error: 'file_path is empty' };
  }
  const match = FILE_PATH_PATTERN.exec(filePath);
  if (!match) {
    return {
      error: `file_path "${filePath}" is not of the form files/<device_id>/<YYYY-MM-DD>/<HH-MM>/audio.wav`,
    };
  }
  const [, deviceId, localDate, hours, minutes] = match;
  if (Number(hours) > 23 || Number(minutes) > 59) {
    return { error: `file_path "${filePath}" has an impossible time block ${hours}-${minutes}` };
  }
  return { filePath, deviceId, localDate, timeBlock: `${hours}-${minutes}` };
}

/** Workflow id of a file's transcription: one id per file, so Temporal refuses a second run. */
export function transcribeWorkflowId(filePath: string): string {
  return `transcribe:${filePath}`;
}
