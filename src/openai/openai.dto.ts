import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
