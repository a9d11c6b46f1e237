/** resumable/<upload_id>.json in the store: who started an upload and what became of it. */
export interface ResumableUploadRecord {
  upload_id: string;
  /** Who created it; '' until authentication exists. Only the owner may touch it. */
  owner: string;
  /** From Upload-Metadata (filename, filetype); the type is still decided from the bytes. */
  filename?: string;
  filetype?: string;
  /** Upload-Length (bytes); undefined while deferred. */
  size?: number;
  status: 'uploading' | 'completed' | 'failed';
  created_at: string;
  /** Incomplete uploads are deleted after this (RESUMABLE_EXPIRY); the record too. */
  expires_at: string;
  /** The media record the completed upload became. */
  media_id?: string;
  /** Why a completed upload was refused (the same error POST /upload answers). */
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export const resumableKeys = {
  prefix: 'resumable/',
  record: (id: string) => `resumable/${id}.json`,
};
