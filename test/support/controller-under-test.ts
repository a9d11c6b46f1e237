import type { Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MediaUploadInterceptor } from '../../src/media/upload/media-upload.interceptor';

/**
 * A controller on its own, its dependencies the given providers (strict mocks). The media upload
 * interceptor is a no-op: the intake has its own e2e specs, and here the handler gets what it
 * would have read.
 */
export async function controllerUnderTest<T>(controller: Type<T>, providers: Provider[]): Promise<T> {
  const moduleRef = await Test.createTestingModule({ controllers: [controller], providers })
    .overrideInterceptor(MediaUploadInterceptor)
    .useValue({ intercept: () => undefined })
    .compile();
  return moduleRef.get(controller);
}
