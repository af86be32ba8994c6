import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes, so operators can find a file's runs in the Web UI by path or device.
export const FILE_PATH_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'TranscriptionFilePath',
  SearchAttributeType.KEYWORD,
);
export const DEVICE_ID_SEARCH_ATTRIBUTE = defineSearchAttributeKey(
  'TranscriptionDeviceId',
  SearchAttributeType.KEYWORD,
);

export const CUSTOM_SEARCH_ATTRIBUTES = [FILE_PATH_SEARCH_ATTRIBUTE, DEVICE_ID_SEARCH_ATTRIBUTE];
