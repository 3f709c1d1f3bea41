import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { startMoto, type Moto } from './moto';

/**
 * moto_server for one vitest file: started before its tests with `bucket` created and the test
 * profile in process.env (the engine's SDK reads it there), stopped and the environment put back
 * after them. Read `moto` and `s3` inside tests (they are set once the file starts).
 */
export function useMotoBucket(bucket: string): { readonly moto: Moto; readonly s3: S3Client } {
  const state = {} as { moto: Moto; s3: S3Client };
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    state.moto = await startMoto();
    Object.assign(process.env, state.moto.env);
    state.s3 = state.moto.s3();
    await state.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }, 60_000);
  afterAll(async () => {
    process.env = savedEnv;
    await state.moto?.stop();
  });
  return state;
}
