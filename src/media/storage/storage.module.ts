import { Global, Module } from '@nestjs/common';
import { storageConfig, StorageConfig } from '../../config/configuration';
import { LocalMediaStore } from './local-media-store';
import { MEDIA_STORE, MediaStore } from './media-store';

/**
 * Provides the MediaStore port to the whole app. STORAGE_DRIVER chooses the adapter; a test or
 * a new backend swaps this one provider and nothing else.
 */
@Global()
@Module({
  providers: [
    {
      provide: MEDIA_STORE,
      inject: [storageConfig.KEY],
      useFactory: async (config: StorageConfig): Promise<MediaStore> => {
        const store = new LocalMediaStore(config.dataDir);
        await store.init();
        return store;
      },
    },
  ],
  exports: [MEDIA_STORE],
})
export class StorageModule {}
