import type { Share } from '../scenario/share.js';
import type { ShardTag } from './run-summary.js';

/** ShardOf makes a run one shard of a load split across machines (`run --shard`): which part, from where, the agreed start. */
export interface ShardOf {
  share: Share;
  /** Where the load comes from (`--agent-region`); null when not given. */
  agentRegion: string | null;
  /** The machine the shard runs on. */
  host: string;
  /** The start every shard agreed on (`--start-at`, epoch ms), if they did. */
  startAtEpochMs?: number;
}

/** shardTag is summary.json's (and run.json's) `shard`: the shard's part and origin, and how late after the agreed start it started. */
export function shardTag(shard: ShardOf, startedAt: string): ShardTag {
  const at = shard.startAtEpochMs;
  return {
    index: shard.share.index,
    count: shard.share.count,
    agentRegion: shard.agentRegion,
    host: shard.host,
    startAt: at !== undefined ? new Date(at).toISOString() : null,
    startLateMs: at !== undefined ? Math.round((Date.parse(startedAt) - at) * 1000) / 1000 : null,
  };
}
