import type { Config } from '../../src/config/schema.js';
import type { Extractor } from '../../src/indexer/index.js';
import type { Logger } from '../../src/log.js';
import type { TaskClient } from '../../src/queue/task-client.js';
import type { IndexStore } from '../../src/store/types.js';

/** What every processor gets: built once per worker process and passed in (no module state). */
export interface ProcessorContext {
  cfg: Config;
  log: Logger;
  store: IndexStore;
  extractor: Extractor;
  tasks: TaskClient;
}
