import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

// The fields a JSON media input (POST /analyze-image, /transcribe) names its media with:
// the bytes in base64 or the id of a stored media, and the file name to keep with the bytes.

/** The media's bytes, base64-encoded. */
export function Base64FileField(description: string): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ format: 'byte', description }), IsOptional(), IsString(), IsBase64());
}

/** A media stored earlier (POST /upload), instead of the bytes. */
export function MediaIdField(description: string): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ format: 'uuid', description }), IsOptional(), IsUUID());
}

/** The file name kept with base64 bytes (at most 255 characters). */
export function FilenameField(doc: { description?: string; example?: string } = {}): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ maxLength: 255, ...doc }), IsOptional(), IsString(), MaxLength(255));
}
