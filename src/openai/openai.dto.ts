import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { RESPONSE_FORMATS, ResponseFormat, TIMESTAMP_GRANULARITIES, TimestampGranularity } from './openai-response';

export class OpenAiModelDto {
  @ApiProperty({ example: 'whisper-1' }) id!: string;
  @ApiProperty({ enum: ['model'] }) object!: 'model';
  @ApiProperty({ description: 'Unix seconds' }) created!: number;
  @ApiProperty({ example: 'media-service' }) owned_by!: string;
}

export class OpenAiModelListDto {
  @ApiProperty({ enum: ['list'] }) object!: 'list';
  @ApiProperty({ type: [OpenAiModelDto] }) data!: OpenAiModelDto[];
}

export class OpenAiTranscriptionDto {
  @ApiProperty({ example: 'add the black leather boots to my cart' }) text!: string;
}

export class OpenAiSegmentDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'Always 0' }) seek!: number;
  @ApiProperty({ description: 'Seconds' }) start!: number;
  @ApiProperty({ description: 'Seconds' }) end!: number;
  @ApiProperty() text!: string;
  @ApiProperty({ type: [Number], description: 'Always empty: the providers have no Whisper tokens' }) tokens!: number[];
  @ApiProperty({ description: 'Always 0' }) temperature!: number;
  @ApiProperty({ description: 'Mean natural log of the word confidences' }) avg_logprob!: number;
  @ApiProperty({ description: 'Text bytes over zlib-compressed bytes, as Whisper computes it' })
  compression_ratio!: number;
  @ApiProperty({ description: 'Always 0' }) no_speech_prob!: number;
}

export class OpenAiWordDto {
  @ApiProperty() word!: string;
  @ApiProperty() start!: number;
  @ApiProperty() end!: number;
}

export class OpenAiVerboseTranscriptionDto {
  @ApiProperty({ enum: ['transcribe'] }) task!: 'transcribe';
  @ApiProperty({ example: 'english' }) language!: string;
  @ApiProperty({ description: 'Seconds of audio' }) duration!: number;
  @ApiProperty() text!: string;
  @ApiPropertyOptional({ type: [OpenAiSegmentDto], description: 'With timestamp_granularities[]=segment (default)' })
  segments?: OpenAiSegmentDto[];
  @ApiPropertyOptional({ type: [OpenAiWordDto], description: 'With timestamp_granularities[]=word' })
  words?: OpenAiWordDto[];
  @ApiPropertyOptional({ type: [String], description: 'Ours: options the provider ignored' })
  warnings?: string[];
}

class OpenAiErrorDetailDto {
  @ApiProperty() message!: string;
  @ApiProperty({ example: 'invalid_request_error' }) type!: string;
  @ApiProperty({ nullable: true, type: String, example: 'file' }) param!: string | null;
  @ApiProperty({ example: 'invalid_file_format', description: "The service's error code, lower-cased" }) code!: string;
}

export class OpenAiErrorDto {
  @ApiProperty({ type: OpenAiErrorDetailDto }) error!: OpenAiErrorDetailDto;
}

const GRANULARITIES_MESSAGE = `timestamp_granularities[] takes ${TIMESTAMP_GRANULARITIES.join(', ')}`;

/**
 * A repeated field (`timestamp_granularities[]=word&timestamp_granularities[]=segment`, as OpenAI
 * clients send it) or one comma-separated value (as Swagger UI's form does), as a list.
 */
const asList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/**
 * The text fields of OpenAI's `POST /v1/audio/transcriptions`, validated by the media intake like
 * every upload's options. What depends on configuration (the model ids, the languages the provider
 * takes) is checked by OpenAiTranscriptionService.
 */
export class OpenAiTranscriptionRequestDto {
  @ApiProperty({ example: 'whisper-1', description: 'An id from GET /v1/models' })
  @IsString()
  @IsNotEmpty({ message: 'model is required: one of the ids GET /v1/models lists' })
  model!: string;

  @ApiPropertyOptional({ example: 'en', description: 'ISO-639-1' })
  @IsOptional()
  @IsString()
  language?: string;

  @ApiPropertyOptional({ description: 'Accepted and ignored (reported in X-Transcription-Warnings)', example: '' })
  @IsOptional()
  @IsString()
  prompt?: string;

  @ApiPropertyOptional({ enum: RESPONSE_FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(RESPONSE_FORMATS, { message: `response_format must be one of ${RESPONSE_FORMATS.join(', ')}` })
  response_format?: ResponseFormat;

  @ApiPropertyOptional({
    type: [String],
    enum: TIMESTAMP_GRANULARITIES,
    description: 'With verbose_json; default segment.',
  })
  @IsOptional()
  @Transform(asList)
  @IsIn(TIMESTAMP_GRANULARITIES, { each: true, message: GRANULARITIES_MESSAGE })
  'timestamp_granularities[]'?: TimestampGranularity[];

  /** The same without the brackets, as some clients send it. */
  @ApiHideProperty()
  @IsOptional()
  @Transform(asList)
  @IsIn(TIMESTAMP_GRANULARITIES, { each: true, message: GRANULARITIES_MESSAGE })
  timestamp_granularities?: TimestampGranularity[];

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Accepted, ignored' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({}, { message: 'temperature must be a number from 0 to 1' })
  @Min(0, { message: 'temperature must be a number from 0 to 1' })
  @Max(1, { message: 'temperature must be a number from 0 to 1' })
  temperature?: number;

  @ApiHideProperty()
  @IsOptional()
  @IsIn(['false'], { message: 'Streaming transcriptions are not supported' })
  stream?: string;

  /** OpenAI's newer fields: accepted (clients send them), without effect here. */
  @ApiHideProperty()
  @IsOptional()
  @Transform(asList)
  @IsString({ each: true })
  'include[]'?: string[];

  @ApiHideProperty()
  @IsOptional()
  @IsString()
  chunking_strategy?: string;
}
