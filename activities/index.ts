import type { DispatchSettings } from '../src/config/app-config';
import type { FileStore } from '../src/files/file-store';
import { createFileStoreActivities } from './file-store-activities';
import { createTranscribeAudioFile } from './transcribe-audio-file';
import type { TranscriberClient } from './transcriber-client';

export interface ActivityDependencies {
  store: FileStore;
  transcriber: TranscriberClient;
  dispatchSettings: DispatchSettings;
  transcriberTiming: {
    requestTimeoutMs: number;
    watchDeadlineMs: number;
    statusPollIntervalMs: number;
  };
}

/** Every activity the workflows call, bound to their dependencies; the worker and tests wire alike. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createFileStoreActivities(deps.store),
    transcribeAudioFile: createTranscribeAudioFile({
      store: deps.store,
      transcriber: deps.transcriber,
      ...deps.transcriberTiming,
    }),
    /** The dispatch reads settings from the worker, so a config change needs no schedule edit. */
    getDispatchSettings(): Promise<DispatchSettings> {
      return Promise.resolve(deps.dispatchSettings);
    },
  };
}

export type TranscriptionActivities = ReturnType<typeof createActivities>;
