/** Injection tokens for the AWS SDK clients. Each resolves to null when no backend needs it. */
export const S3_CLIENT = Symbol('S3_CLIENT');
export const TRANSCRIBE_CLIENT = Symbol('TRANSCRIBE_CLIENT');
export const REKOGNITION_CLIENT = Symbol('REKOGNITION_CLIENT');
