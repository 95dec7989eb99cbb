import { stopCluster } from './cluster';

export default async function globalTeardown(): Promise<void> {
  const cluster = globalThis.__TAP_TEST_CLUSTER__;
  if (cluster) stopCluster(cluster);
  await globalThis.__TAP_TEST_CONTAINER__?.container.stop();
}
