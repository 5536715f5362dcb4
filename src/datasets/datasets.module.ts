import { Module } from '@nestjs/common';

/** Filled in by the datasets issue. */
@Module({})
export class DatasetsModule {}
