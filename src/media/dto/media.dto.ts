import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, MaxLength, Min } from 'class-validator';
import { AUDIO_MEDIA_FORMATS, IMAGE_MEDIA_FORMATS } from '../media-record';

export class MediaRecordDto {
  @ApiProperty({ format: 'uuid', example: '0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b' }) media_id!: string;
  @ApiProperty({ example: '', description: "Uploader; '' until authentication exists" }) owner!: string;
  @ApiProperty({ example: 'monitor.jpg', description: 'Original name, sanitised' }) filename!: string;
  @ApiProperty({ example: 'image/jpeg' }) content_type!: string;
  @ApiProperty({ enum: ['audio', 'image'] }) media_type!: 'audio' | 'image';
  @ApiProperty({ enum: [...AUDIO_MEDIA_FORMATS, ...IMAGE_MEDIA_FORMATS], description: 'Decided from the bytes' })
  format!: string;
  @ApiProperty({ example: 48213 }) size!: number;
  @ApiProperty({ example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }) sha256!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ example: 'media/0b6f3c1e-8d4a-4f7e-9a51-3c2d1e0f9a8b/original' }) storage_key!: string;
  @ApiPropertyOptional({ description: 'Images: pixels', example: 1024 }) width?: number;
  @ApiPropertyOptional({ description: 'Images: pixels', example: 768 }) height?: number;
  @ApiPropertyOptional({ description: 'Images: EXIF orientation 1..8', example: 1 }) orientation?: number;
  @ApiPropertyOptional({ type: 'number', description: 'Audio: seconds', example: 2.5, nullable: true }) duration?:
    number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'Audio: Hz', example: 16000, nullable: true }) sample_rate?:
    number | null;
  @ApiPropertyOptional({ type: 'integer', description: 'Audio channels', example: 1, nullable: true }) channels?:
    number | null;
  @ApiPropertyOptional({ type: 'string', description: 'Audio codec', example: 'MPEG 1 Layer 3', nullable: true })
  codec?: string | null;
}

export class PresignUploadDto {
  @ApiProperty({ example: 'question.mp3', maxLength: 255 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  filename!: string;

  @ApiProperty({ example: 'audio/mpeg', description: 'What the client will send; the bytes decide at /complete' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  content_type!: string;

  @ApiProperty({ example: 48213, description: 'Exact size in bytes of what will be PUT' })
  @IsInt()
  @Min(1)
  size!: number;
}

export class PresignedUploadDto {
  @ApiProperty({ format: 'uuid' }) media_id!: string;
  @ApiProperty({ description: 'PUT the bytes here before expires_at' }) upload_url!: string;
  @ApiProperty({ enum: ['PUT'] }) method!: 'PUT';
  @ApiProperty({
    description: 'Headers to send with the PUT (they are signed)',
    example: { 'Content-Type': 'audio/mpeg' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  headers!: Record<string, string>;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ description: 'POST here once the bytes are up' }) complete_url!: string;
}

export class UploadReceivedDto {
  @ApiProperty({ format: 'uuid' }) media_id!: string;
  @ApiProperty() size!: number;
}
