import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { JOB_PAYLOAD_SCHEMAS, type JobName, type JobPayloads, QUEUE_OF_JOB } from './queues';

/** Typed enqueue: the payload is validated against the job's schema before it reaches Redis. */
@Injectable()
export class QueueService {
  constructor(private readonly moduleRef: ModuleRef) {}

  async enqueue<J extends JobName>(jobName: J, payload: JobPayloads[J], options: JobsOptions = {}): Promise<Job> {
    const data = JOB_PAYLOAD_SCHEMAS[jobName].parse(payload);
    return this.queueOf(jobName).add(jobName, data, options);
  }

  queueOf(jobName: JobName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(QUEUE_OF_JOB[jobName]), { strict: false });
  }
}
