/** The columns of `audio_files` this product reads. Other pipelines' columns are never touched. */
export interface AudioFileRow {
  /** The key every system updates by; null or malformed in a bad row, which is reported. */
  file_path: string | null;
  device_id: string | null;
  recorded_at: string | null;
  created_at: string;
  local_date: string | null;
  time_block: string | null;
  /** One of TranscriptionStatus in a healthy table; kept as text because other systems write it. */
  transcriptions_status: string;
}

/** Position after the last row a dispatch has seen: rows are ordered by (created_at, file_path). */
export interface PendingCursor {
  createdAt: string;
  filePath: string | null;
}

export const AUDIO_FILE_COLUMNS =
  'file_path, device_id, recorded_at, created_at, local_date, time_block, transcriptions_status';
