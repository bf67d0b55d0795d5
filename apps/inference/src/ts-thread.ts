import { Worker } from 'node:worker_threads';

/** Starts a worker thread running a TypeScript module: loader hooks are per thread, so tsx is registered first. */
export function startTsThread(entry: URL, workerData?: unknown): Worker {
  const boot = `Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]).then(([cjs, esm]) => {
    cjs.register();
    esm.register();
    return import(${JSON.stringify(entry.href)});
  })`;
  return new Worker(boot, { eval: true, workerData });
}
