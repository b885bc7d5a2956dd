/**
 * The emulator's private certificate authority. One CA per folder, made once and reused, so a
 * process can trust it from start-up through NODE_EXTRA_CA_CERTS; every emulator then issues
 * itself a short-lived leaf for the loopback names, signed by that CA.
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import forge from "node-forge";

export interface CertificateAuthority {
  /** The folder that holds the CA. */
  dir: string;
  /** `<dir>/ca.pem`: what NODE_EXTRA_CA_CERTS names. */
  certFile: string;
  certPem: string;
  keyPem: string;
}

export interface LeafCertificate {
  certPem: string;
  keyPem: string;
}

const certName = "ca.pem";
const keyName = "ca-key.pem";
const lockName = ".lock";
// A lock older than this was left by a process that died while making the CA.
const staleLockMs = 30_000;
const waitForOtherMakerMs = 20_000;

/** The folder used when neither `caDir` nor AML_TEST_CA_DIR names one. */
export function defaultCaDir(): string {
  return process.env.AML_TEST_CA_DIR ?? path.join(os.homedir(), ".aml-secrets", "emulator-ca");
}

/** Loads the CA in `dir`, making it first when the folder holds none. Safe across processes. */
export function ensureCa(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = loadCa(dir);
  if (existing) return existing;
  const lock = path.join(dir, lockName);
  if (tryLock(lock)) {
    try {
      return loadCa(dir) ?? makeCa(dir);
    } finally {
      rmSync(lock, { force: true });
    }
  }
  // Another process is making it: wait for its files rather than racing it.
  const deadline = Date.now() + waitForOtherMakerMs;
  while (Date.now() < deadline) {
    sleepSync(50);
    const made = loadCa(dir);
    if (made) return made;
  }
  throw new Error(`timed out waiting for another process to create the emulator CA in ${dir}`);
}

function loadCa(dir: string): CertificateAuthority | undefined {
  const certFile = path.join(dir, certName);
  const keyFile = path.join(dir, keyName);
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  return {
    dir,
    certFile,
    certPem: readFileSync(certFile, "utf8"),
    keyPem: readFileSync(keyFile, "utf8"),
  };
}

function tryLock(lock: string): boolean {
  try {
    closeSync(openSync(lock, "wx"));
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > staleLockMs) {
        rmSync(lock, { force: true });
        closeSync(openSync(lock, "wx"));
        return true;
      }
    } catch {
      // Someone else took the stale lock first: wait for them like for any other maker.
    }
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/** RSA keys come from Node's native generator: node-forge's pure-JS one takes seconds. */
function rsaKeyPair(): {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  keyPem: string;
} {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  return {
    privateKey: forgeKey,
    publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e),
    keyPem,
  };
}

function serialNumber(): string {
  // Positive (high bit clear) and unique, as X.509 asks.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

function makeCa(dir: string): CertificateAuthority {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const subject = [
    { name: "commonName", value: `aml-secrets emulator CA (${os.hostname()})` },
    { name: "organizationName", value: "aml-secrets local emulator" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const certFile = path.join(dir, certName);
  // Key first: a reader that sees ca.pem can always read the key too.
  writeAtomic(path.join(dir, keyName), keys.keyPem);
  writeAtomic(certFile, certPem);
  return { dir, certFile, certPem, keyPem: keys.keyPem };
}

/** A server certificate for 127.0.0.1, localhost and ::1, signed by the CA. */
export function issueLeaf(ca: CertificateAuthority): LeafCertificate {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 90 * 24 * 3600_000);
  cert.setSubject([{ name: "commonName", value: "127.0.0.1" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 7, ip: "::1" },
        { type: 2, value: "localhost" },
      ],
    },
    { name: "subjectKeyIdentifier" },
    {
      name: "authorityKeyIdentifier",
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/**
 * A key for signing the emulator's tokens, derived from the CA key: every emulator that shares
 * a CA folder accepts the others' tokens, so a token survives an emulator restart.
 */
export function tokenKey(ca: CertificateAuthority): Buffer {
  return createHash("sha256").update("aml-secrets emulator token key\n").update(ca.keyPem).digest();
}
