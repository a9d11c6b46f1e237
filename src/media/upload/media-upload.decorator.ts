import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiMediaInput } from '../../docs/api-media-input.decorator';
import {
  INCOMING_MEDIA,
  MEDIA_UPLOAD,
  MediaUploadInterceptor,
  MediaUploadSpec,
  RequestWithMedia,
} from './media-upload.interceptor';

/**
 * A media route: the intake (multipart file streamed to the store, JSON base64 or `media_id`,
 * options validated once) and its OpenAPI request body, from one description.
 *
 *   @MediaUpload({ fileField: 'file', accept: ['audio'], options: OptionsDto, json: JsonDto, ... })
 *   submit(@IncomingMedia() input: MediaInput<OptionsDto>) { return this.service.submit(input); }
 */
export function MediaUpload(spec: MediaUploadSpec): MethodDecorator {
  return applyDecorators(
    SetMetadata(MEDIA_UPLOAD, spec),
    UseInterceptors(MediaUploadInterceptor),
    ApiMediaInput({
      fileField: spec.fileField,
      fileDescription: spec.fileDescription,
      options: spec.options,
      json: spec.json,
    }),
  );
}

/** The handler's MediaInput / MediaBatchInput, as MediaUpload read it. */
export const IncomingMedia = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const input = context.switchToHttp().getRequest<RequestWithMedia>()[INCOMING_MEDIA];
  if (!input) throw new Error('@IncomingMedia() needs @MediaUpload() on its handler');
  return input;
});
