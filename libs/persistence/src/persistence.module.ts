import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CONFIG, type ControlPlaneConfig } from '@enclave/platform';
import { dataSourceOptions } from './data-source-options';

/** PostgreSQL through TypeORM; schema only by migrations (run on start when DATABASE_MIGRATIONS_RUN). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [CONFIG],
      useFactory: (config: ControlPlaneConfig) =>
        dataSourceOptions(config.DATABASE_URL, config.DATABASE_MIGRATIONS_RUN),
    }),
  ],
})
export class PersistenceModule {}
