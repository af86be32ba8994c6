/** Injection tokens for the values the Nest app receives from its host process. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const FILE_STORE = Symbol('FILE_STORE');
export const TEMPORAL_CLIENT = Symbol('TEMPORAL_CLIENT');
