import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class UploadErrorDto {
  @ApiProperty({ example: 'INVALID_FILE_FORMAT' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class UploadStatusDto {
  @ApiProperty({ format: 'uuid' }) upload_id!: string;
  @ApiProperty({ description: "'' until authentication exists" }) owner!: string;
  @ApiPropertyOptional({ description: 'From Upload-Metadata' }) filename?: string;
  @ApiPropertyOptional({ description: 'From Upload-Metadata (the type is decided from the bytes)' })
  filetype?: string;
  @ApiPropertyOptional({ description: 'Upload-Length' }) size?: number;
  @ApiProperty({ enum: ['uploading', 'completed', 'failed'] }) status!: string;
  @ApiProperty({ description: 'Bytes received' }) offset!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: 'An incomplete upload is deleted after this' })
  expires_at!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The media record (GET /api/v1/media/{media_id})' })
  media_id?: string;
  @ApiPropertyOptional({ type: UploadErrorDto }) error?: UploadErrorDto;
}
