import { Module } from '@nestjs/common';
import { UiController } from './ui.controller';
import { ViewerFiles } from './viewer-files';

/** The dataset viewer at /ui: static files served by the service itself (no CDN). */
@Module({ controllers: [UiController], providers: [ViewerFiles] })
export class UiModule {}
