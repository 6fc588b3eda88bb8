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

  snapshot(): SimStatsSnapshot {
    return { armReads: this.armReads, armWrites: this.armWrites, armDeletes: this.armDeletes, lroPolls: this.lroPolls,
      armThrottled: this.armThrottled, msiTokens: this.msiTokens, entraTokens: this.entraTokens };
  }
}

export type SimStatsSnapshot = Pick<SimStats, 'armReads' | 'armWrites' | 'armDeletes' | 'lroPolls' | 'armThrottled' | 'msiTokens' | 'entraTokens'>;
