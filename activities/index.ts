import type { Client } from '@temporalio/client';
import type { DispatchSettings } from '../src/config/app-config';
import type { FileStore } from '../src/files/file-store';
import { createFileStoreActivities } from './file-store-activities';
import { createReleaseStuckFiles } from './release-stuck-files';
import { createTranscribeAudioFile } from './transcribe-audio-file';
import type { TranscriberClient } from './transcriber-client';

export interface ActivityDependencies {
  store: FileStore;
  transcriber: TranscriberClient;
  /** The worker's Temporal client: durable heartbeats, and which file workflows are running. */
  temporalClient: Client;
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
    releaseStuckFiles: createReleaseStuckFiles(deps),
    transcribeAudioFile: createTranscribeAudioFile({
      store: deps.store,
      transcriber: deps.transcriber,
      temporalClient: deps.temporalClient,
      ...deps.transcriberTiming,
    }),
    /** The dispatch reads settings from the worker, so a config change needs no schedule edit. */
    getDispatchSettings(): Promise<DispatchSettings> {
      return Promise.resolve(deps.dispatchSettings);
    },
  };
}

export type TranscriptionActivities = ReturnType<typeof createActivities>;
