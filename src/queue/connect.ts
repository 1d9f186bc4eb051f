import type { Config } from '../config/schema.js';
import { createRedis } from '../redis/connection.js';
import { TaskClient } from './task-client.js';

/** A producer with its own Redis connection, and the close that releases both. */
export function connectTaskClient(
  cfg: Config,
  redisUrl: string,
): { tasks: TaskClient; close(): Promise<void> } {
  const conn = createRedis(redisUrl, 'client');
  // Errors surface per call (withRedisDeadline); the connection keeps retrying quietly.
  conn.on('error', () => {});
  const tasks = new TaskClient(cfg, conn, redisUrl);
  return {
    tasks,
    async close() {
      await tasks.close();
      conn.disconnect();
    },
  };
}
