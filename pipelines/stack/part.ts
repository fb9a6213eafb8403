export interface PartStatus {
  name: string;
  version: string;
  address: string;
  up: boolean;
  /** Why it is down, or a note such as "not started by the stack". */
  note?: string;
}

/** One program or setting of the local stack. Every method is idempotent. */
export interface Part {
  readonly name: string;
  /** Debian packages it needs, checked against the package database (dpkg-query). */
  readonly debianPackages?: readonly string[];
  /** Installs what is missing beyond Debian packages (Go builds, certificates, images). */
  install?(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<PartStatus>;
}
