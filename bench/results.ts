/**
 * The shape of bench/results/*.json: everything one run measured, with the machine and
 * the build it ran on. bench/report.ts renders it.
 */

import type { Contender } from './contenders.js';
import type { ContentionResult } from './contention.js';
import type { LargeResult } from './large.js';
import type { LocalResult } from './local.js';
import type { Phase, SmallResult } from './small.js';
import type { StartupResult } from './startup.js';

export type Section = 'startup' | 'local' | 'small' | 'requests' | 'contention' | 'large' | 'django';

export interface BenchResults {
  version: 1;
  startedAt: string;
  durationSeconds: number;
  /** The command that produced the file. */
  command: string;
  quick: boolean;
  sizes: Record<string, number | number[]>;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    os: string;
    host: string;
    minio: string;
    /** Where MinIO kept its data. */
    minioData?: string;
    minioKind?: string;
  };
  stowage: {
    commit: string;
    /** Uncommitted changes under src/ and drivers/ when the run started (`git status --porcelain`). */
    changedFiles: string[];
    /** The file `stowage` resolved to: the built JavaScript. */
    entryPoint: string;
  };
  contenders: Array<Pick<Contender, 'id' | 'label' | 'sdk' | 'kind' | 'work'>>;
  startup?: StartupResult;
  local: LocalResult[];
  /** Includes django-minio-backend's rows (contender `django-minio-backend`) when it ran. */
  small: SmallResult[];
  /** HTTP requests per operation, by contender id (and `django-minio-backend`). */
  requests: Record<string, Record<Phase, number>>;
  contention: ContentionResult[];
  large: LargeResult[];
  /** What was skipped, and why. */
  notes: string[];
}
