import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { Base64FileField, FilenameField, MediaIdField } from '../../media/upload/media-input.fields';
import { JOB_STATUSES, OUTPUT_FORMATS } from '../transcription.types';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : typeof value === 'string' ? Number(value) : value;

/** Options every submission takes (JSON body or multipart fields). */
export class TranscriptionOptionsDto {
  @ApiPropertyOptional({
    example: 'en-US',
    description: 'Default TRANSCRIBE_LANGUAGE_CODE; `auto` identifies it (aws)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^(auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$/, {
    message: 'language_code must be a code such as en-US, or auto',
  })
  language_code?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 2, maximum: 10, description: 'Label this many speakers at most' })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(10)
  speaker_count?: number;

  @ApiPropertyOptional({ description: 'AWS custom vocabulary name' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-zA-Z._-]{1,200}$/, { message: 'vocabulary_name must be 1-200 of 0-9 a-z A-Z . _ -' })
  vocabulary_name?: string;

  @ApiPropertyOptional({
    type: [String],
    minItems: 2,
    maxItems: 5,
    example: ['en-US', 'es-US'],
    description:
      'With language_code `auto` (aws): the languages the audio may be in (a list, or comma-separated). ' +
      'Needed with a vocabulary; recommended for short audio (identification alone needs ~30 s of speech)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((code) => code.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { each: true, message: 'language_options must be codes such as en-US' })
  language_options?: string[];

  @ApiPropertyOptional({ enum: OUTPUT_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(OUTPUT_FORMATS)
  output_format?: (typeof OUTPUT_FORMATS)[number];

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: 2048,
    description:
      'POSTed the result when the job finishes (besides ORCHESTRATOR_SERVICE_URL). http(s), no credentials, and ' +
      'not resolving to an internal address (400 CALLBACK_NOT_ALLOWED) unless allowed by CALLBACK_ALLOWED_HOSTS',
  })
  @IsOptional()
  // Checked by CallbackUrlPolicy (scheme, length, credentials, resolved addresses).
  @IsString()
  callback_url?: string;
}

/** POST /transcribe as JSON: exactly one of audio_file (base64) or media_id. */
export class TranscribeJsonDto extends TranscriptionOptionsDto {
  @Base64FileField('The audio, base64-encoded')
  audio_file?: string;

  @MediaIdField('An audio file uploaded with /upload')
  media_id?: string;

  @FilenameField({ example: 'question.mp3' })
  filename?: string;
}

export class BatchItemDto {
  @ApiPropertyOptional({ format: 'byte' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  audio_file?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsString()
  media_id?: string;

  @FilenameField()
  filename?: string;
}

export class TranscribeBatchJsonDto extends TranscriptionOptionsDto {
  @ApiProperty({ type: [BatchItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => BatchItemDto)
  items!: BatchItemDto[];
}

export class JobErrorDto {
  @ApiProperty({ example: 'DECODE_FAILED' }) code!: string;
  @ApiProperty() message!: string;
}

export class JobAcceptedDto {
  @ApiProperty({ format: 'uuid' }) transcription_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'uuid' }) media_id!: string;
  @ApiPropertyOptional({ description: 'true when the result came from the cache' }) cached?: boolean;
}

export class WordDto {
  @ApiProperty({ example: 'monitor' }) word!: string;
  @ApiProperty({ example: 2.13 }) start_time!: number;
  @ApiProperty({ example: 2.71 }) end_time!: number;
  @ApiProperty({
    example: 0.93,
    minimum: 0,
    maximum: 1,
    description:
      "The probability that the word is right: Transcribe's confidence (aws), or pocketsphinx's posterior calibrated on labelled speech (local)",
  })
  confidence!: number;
}

export class SpeakerDto {
  @ApiProperty({ example: 'spk_0' }) speaker!: string;
  @ApiProperty() start_time!: number;
  @ApiProperty() end_time!: number;
  @ApiProperty() text!: string;
}

export class TranscriptionJobDto {
  @ApiProperty({ format: 'uuid' }) transcription_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'uuid' }) media_id!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ enum: ['local', 'aws'] }) provider!: string;
  @ApiPropertyOptional() cached?: boolean;
  @ApiPropertyOptional({ format: 'uuid' }) batch_id?: string;
  @ApiPropertyOptional({ example: "i'm looking for a twenty seven inch monitor" }) transcript?: string;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: "The mean of the words' confidences: the expected share of right words (0 with no words)",
  })
  confidence?: number;
  @ApiPropertyOptional({ type: [SpeakerDto] }) speakers?: SpeakerDto[];
  @ApiPropertyOptional({ type: [WordDto] }) words?: WordDto[];
  @ApiPropertyOptional({ example: 'en-US' }) language_code?: string;
  @ApiPropertyOptional({ type: 'number', description: 'Seconds of audio', nullable: true }) duration?: number | null;
  @ApiPropertyOptional({ description: 'Seconds from start to finish' }) processing_time?: number;
  @ApiPropertyOptional({ type: [String] }) warnings?: string[];
  @ApiPropertyOptional({ type: JobErrorDto }) error?: JobErrorDto;
}

export class BatchJobDto {
  @ApiPropertyOptional({ format: 'uuid' }) transcription_id?: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ enum: [...JOB_STATUSES, 'rejected'] }) status!: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'While in_progress' }) progress?: number;
  @ApiPropertyOptional({ type: JobErrorDto }) error?: JobErrorDto;
}

export class BatchAcceptedDto {
  @ApiProperty({ format: 'uuid' }) batch_id!: string;
  @ApiProperty({ type: [BatchJobDto] }) jobs!: BatchJobDto[];
}

export class BatchStatusDto extends BatchAcceptedDto {
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({
    example: { total: 3, queued: 0, in_progress: 1, completed: 1, failed: 0, rejected: 1 },
    type: 'object',
    additionalProperties: { type: 'integer' },
  })
  counts!: Record<string, number>;
}
