// Runs one registered theorem's check in a worker thread, so that the report can stop
// it at its time budget (html-checks.ts). workerData: { id, opts }; posts the Verdict.

import { parentPort, workerData } from 'node:worker_threads';
import { theories } from '../models/index.ts';

const { id, opts } = workerData as { id: string; opts: { seed?: number; effort?: number } };
const theorem = theories.flatMap((t) => t.theorems).find((t) => t.id === id);
if (!theorem) throw new Error(`no registered theorem ${JSON.stringify(id)}`);
parentPort!.postMessage(await theorem.check(opts));
