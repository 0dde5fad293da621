import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

/** Another process holds the PGlite data directory. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly pid: number;

  constructor(dataDir: string, pid: number, lockFile: string) {
    super(
      `PGlite data directory ${dataDir} is in use by another Herald process (pid ${pid}); ` +
        `two processes on one data directory lose data. Stop that process, or remove ${lockFile} if no such process runs`,
    );
    this.name = "DataDirLockedError";
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

export const LOCK_FILE_NAME = "herald.lock";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock file without a PID yet: its writer may be between create and write (or died there long ago). */
function justCreated(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < 10_000;
  } catch {
    return false;
  }
}

function readPid(file: string): { text: string; pid: number } | undefined {
  try {
    const text = readFileSync(file, "utf8");
    const pid = Number.parseInt(text.trim(), 10);
    return { text, pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * An exclusive lock on a PGlite data directory: the file `herald.lock` in it,
 * created with O_EXCL and holding the owner's PID. PGlite is one process's
 * database; a second process on the same files acknowledges writes that are
 * then lost. A lock whose PID no longer runs (a process that was killed) is
 * stale and taken over; a lock whose PID runs, this process's included, is
 * refused with DataDirLockedError. Two processes taking over the same stale
 * lock at the same instant is the one race left (the file is re-read just
 * before it is removed, which narrows it to microseconds).
 */
export class DataDirLock {
  readonly file: string;
  #held = false;

  private constructor(file: string) {
    this.file = file;
  }

  /** Takes the lock or throws DataDirLockedError. The directory must exist. */
  static acquire(dataDir: string): DataDirLock {
    const lock = new DataDirLock(path.join(dataDir, LOCK_FILE_NAME));
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lock.file, "wx", 0o644);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        lock.#held = true;
        return lock;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const owner = readPid(lock.file);
      if (owner === undefined) continue; // removed meanwhile: try again
      if (owner.pid !== 0 ? isRunning(owner.pid) : justCreated(lock.file)) throw new DataDirLockedError(dataDir, owner.pid, lock.file);
      if (attempt >= 3) throw new DataDirLockedError(dataDir, owner.pid, lock.file);
      const again = readPid(lock.file);
      if (again?.text === owner.text) {
        try {
          unlinkSync(lock.file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
      }
    }
  }

  /** Removes the lock file if this process still owns it. Idempotent. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    if (readPid(this.file)?.pid !== process.pid) return;
    try {
      unlinkSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}
