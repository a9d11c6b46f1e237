import { Module } from '@nestjs/common';
import {
  awsConfig,
  AwsConfig,
  resumableConfig,
  ResumableConfig,
  storageConfig,
  StorageConfig,
} from '../config/configuration';
import { MediaModule } from '../media/media.module';
import { StorageModule } from '../storage/storage.module';
import { ResumableUploadController } from './resumable-upload.controller';
import { ResumableUploadService } from './resumable-upload.service';
import { createTusDataStore, TUS_DATASTORE } from './tus-datastore';

/** Resumable (tus 1.0) uploads into the media store; the tus DataStore follows STORAGE_DRIVER. */
@Module({
  imports: [MediaModule, StorageModule],
  controllers: [ResumableUploadController],
  providers: [
    {
      provide: TUS_DATASTORE,
      inject: [storageConfig.KEY, awsConfig.KEY, resumableConfig.KEY],
      useFactory: (storage: StorageConfig, aws: AwsConfig, resumable: ResumableConfig) =>
        createTusDataStore(storage, aws, resumable),
    },
    ResumableUploadService,
  ],
})
export class ResumableModule {}
