// What the generator needs of a sending MTA run from a throwaway configuration.
export interface QueueTimes {
  /** Seconds a 4xx-deferred message waits before the MTA sends its delay warning. */
  warnAfter: number;
  /** Seconds after which the MTA gives up on a deferred message and bounces it. */
  giveUpAfter: number;
}

export interface SendingMta {
  name: string;
  /** Where it accepts the test messages (SMTP). */
  host: string;
  port: number;
  /** Messages still in its queue (0 when every message is delivered or bounced). */
  queued(): number;
  log(): string;
  stop(): Promise<void>;
}

export interface MtaStartOptions {
  /** An empty directory for its configuration, queue and log. */
  root: string;
  times: QueueTimes;
}
