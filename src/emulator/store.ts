/**
 * The vault's state: secrets with their versions, soft-deleted secrets, and the optional JSON
 * file they persist to. Names are keyed lower-cased (Key Vault compares them without regard to
 * case) but keep the spelling they were created with, as Key Vault's ids do.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SecretVersionState, SeedProps } from "./types.ts";

export interface StoredVersion {
  version: string;
  value: string;
  enabled: boolean;
  /** Milliseconds since the epoch (the wire shows seconds). */
  created: number;
  updated: number;
  expires?: number;
  notBefore?: number;
  contentType?: string;
  tags?: Record<string, string>;
  managed?: boolean;
}

export interface StoredSecret {
  /** As first created. */
  name: string;
  /** Oldest first. */
  versions: StoredVersion[];
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
}

interface DataFile {
  format: "aml-secrets-emulator/1";
  secrets: StoredSecret[];
}

/** Key Vault's default soft-delete retention. */
export const retentionDays = 90;

/** A new version id: 32 lower-case hex digits, like Key Vault's. */
export function newVersionId(): string {
  return randomBytes(16).toString("hex");
}

export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  /**
   * The secrets in name order, made once per change of which names the store holds: a listing
   * asks for it on every page, and sorting 50,000 names per page made the emulator the slowest
   * part of a 50k listing.
   */
  private inOrder: StoredSecret[] | undefined;

  constructor(private readonly dataFile?: string) {
    if (dataFile && existsSync(dataFile)) {
      const data = JSON.parse(readFileSync(dataFile, "utf8")) as DataFile;
      for (const secret of data.secrets) this.secrets.set(secret.name.toLowerCase(), secret);
    }
  }

  /** The secret, live or soft-deleted. */
  find(name: string): StoredSecret | undefined {
    return this.secrets.get(name.toLowerCase());
  }

  /** The secret when it exists and is not deleted. */
  live(name: string): StoredSecret | undefined {
    const secret = this.find(name);
    return secret && !secret.deleted ? secret : undefined;
  }

  /** Live secrets, sorted by name as Key Vault lists them. */
  liveSecrets(): StoredSecret[] {
    return this.sorted().filter((s) => !s.deleted);
  }

  deletedSecrets(): StoredSecret[] {
    return this.sorted().filter((s) => s.deleted);
  }

  private sorted(): StoredSecret[] {
    this.inOrder ??= [...this.secrets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => s);
    return this.inOrder;
  }

  /** Adds a version, creating the secret when it is new. The caller checked it is not deleted. */
  addVersion(name: string, value: string, props: SeedProps = {}): StoredVersion {
    const now = Date.now();
    const version: StoredVersion = {
      version: newVersionId(),
      value,
      enabled: props.enabled ?? true,
      created: now,
      updated: now,
      ...(props.expires ? { expires: props.expires.getTime() } : {}),
      ...(props.notBefore ? { notBefore: props.notBefore.getTime() } : {}),
      ...(props.contentType !== undefined ? { contentType: props.contentType } : {}),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
      ...(props.managed ? { managed: true } : {}),
    };
    const key = name.toLowerCase();
    const secret = this.secrets.get(key);
    if (secret) secret.versions.push(version);
    else {
      this.secrets.set(key, { name, versions: [version] });
      this.inOrder = undefined;
    }
    this.save();
    return version;
  }

  softDelete(name: string): StoredSecret | undefined {
    const secret = this.live(name);
    if (!secret) return undefined;
    const now = Date.now();
    secret.deleted = { deletedDate: now, scheduledPurgeDate: now + retentionDays * 24 * 3600_000 };
    this.save();
    return secret;
  }

  recover(name: string): StoredSecret | undefined {
    const secret = this.find(name);
    if (!secret?.deleted) return undefined;
    delete secret.deleted;
    this.save();
    return secret;
  }

  purge(name: string): boolean {
    const secret = this.find(name);
    if (!secret?.deleted) return false;
    this.secrets.delete(name.toLowerCase());
    this.inOrder = undefined;
    this.save();
    return true;
  }

  /** Puts back a whole secret (restore from a backup). The caller checked the name is free. */
  restore(secret: StoredSecret): void {
    delete secret.deleted;
    this.secrets.set(secret.name.toLowerCase(), secret);
    this.inOrder = undefined;
    this.save();
  }

  /** Writes the state after a change: to a temporary file, then renamed over the data file. */
  save(): void {
    if (!this.dataFile) return;
    const data: DataFile = {
      format: "aml-secrets-emulator/1",
      secrets: [...this.secrets.values()],
    };
    mkdirSync(path.dirname(path.resolve(this.dataFile)), { recursive: true });
    const tmp = `${this.dataFile}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, this.dataFile);
  }
}

/** The public view of a stored version (Dates instead of milliseconds; a copy). */
export function versionState(v: StoredVersion): SecretVersionState {
  return {
    version: v.version,
    value: v.value,
    enabled: v.enabled,
    created: new Date(v.created),
    updated: new Date(v.updated),
    ...(v.expires !== undefined ? { expires: new Date(v.expires) } : {}),
    ...(v.notBefore !== undefined ? { notBefore: new Date(v.notBefore) } : {}),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.tags ? { tags: { ...v.tags } } : {}),
    ...(v.managed ? { managed: true } : {}),
  };
}
