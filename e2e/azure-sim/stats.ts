/** Counts of what the simulator was asked, by kind: benchmarks read them to show how many Azure calls a flow costs. */
export class SimStats {
  /** ARM GETs answered (LRO status polls excluded: they are counted in lroPolls). */
  armReads = 0;
  /** ARM PUT/PATCH/POST answered. */
  armWrites = 0;
  armDeletes = 0;
  /** GETs of a long-running operation's status URL (Azure-AsyncOperation / Location). */
  lroPolls = 0;
  /** ARM requests answered 429 by the throttle (they count in no other number). */
  armThrottled = 0;
  /** Token requests: managed identity endpoint and Entra's token endpoint. */
  msiTokens = 0;
  entraTokens = 0;
  /**
   * The latest ARM writes (PUT/PATCH/POST/DELETE), answered or throttled, oldest first: tests use it to say when
   * the fleet wrote what (e.g. nothing during a 429's Retry-After). Bounded, so long benchmarks keep a window.
   */
  readonly armWriteLog: ArmWriteRecord[] = [];

  recordArmWrite(record: ArmWriteRecord): void {
    this.armWriteLog.push(record);
    if (this.armWriteLog.length > ARM_WRITE_LOG_SIZE) this.armWriteLog.splice(0, this.armWriteLog.length - ARM_WRITE_LOG_SIZE);
  }

  snapshot(): SimStatsSnapshot {
    return { armReads: this.armReads, armWrites: this.armWrites, armDeletes: this.armDeletes, lroPolls: this.lroPolls,
      armThrottled: this.armThrottled, msiTokens: this.msiTokens, entraTokens: this.entraTokens };
  }
}

const ARM_WRITE_LOG_SIZE = 10_000;

/** One ARM write as the simulator saw it: when (ms since the epoch), what, and the answer (429 with its Retry-After). */
export type ArmWriteRecord = { at: number; method: string; path: string; status: number; retryAfterSeconds?: number };

export type SimStatsSnapshot = Pick<SimStats, 'armReads' | 'armWrites' | 'armDeletes' | 'lroPolls' | 'armThrottled' | 'msiTokens' | 'entraTokens'>;
