/**
 * The emulator's private certificate authority. One CA per folder, made once and reused, so a
 * process can trust it from start-up through NODE_EXTRA_CA_CERTS; every emulator then issues
 * itself a short-lived leaf for the loopback names, signed by that CA.
 */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
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
/** A file being written: `.<final name>.<pid>.<random>.tmp`, so a later start can tell its owner. */
const tempPattern = /^\.(?:ca|ca-key)\.pem\.(\d+)\.[0-9a-f]+\.tmp$/;

/** The folder used when neither `caDir` nor AML_TEST_CA_DIR names one. */
export function defaultCaDir(): string {
  return process.env.AML_TEST_CA_DIR ?? path.join(os.homedir(), ".aml-secrets", "emulator-ca");
}

/**
 * Loads the CA in `dir`, making what it lacks first. Safe across processes without a lock, so
 * nothing can wedge a later start: each file is written whole under a temporary name, then
 * published with link(2), which creates the final name only if no one did yet (the first
 * process wins, the others read its file). The key is published before the certificate, and the
 * certificate is made from whatever key was published, so every process that shares the folder
 * ends with the same CA. A process killed at any point leaves either nothing, a key without a
 * certificate (the next start certifies it), or a temporary file of a dead process (the next
 * start removes it). Nobody ever waits for anybody.
 */
export function ensureCa(dir: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, certName);
  const keyFile = path.join(dir, keyName);
  const existing = readIfThere(certFile);
  const keyPem = readIfThere(keyFile) ?? publish(keyFile, rsaKeyPair().keyPem);
  const certPem = existing ?? publish(certFile, caCertificate(keyPem));
  removeAbandoned(dir);
  checkPair(dir, certPem, keyPem);
  return { dir, certFile, certPem, keyPem };
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * `text` written whole (mode 0600, synced) to a new file beside `file`, named for this process
 * (`O_EXCL`: nothing planted there is opened); returns its path, for the caller to publish.
 */
export function writeBeside(file: string, text: string): string {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temp;
}

/**
 * Writes `text` to `file` unless the file exists; returns what `file` holds afterwards (this
 * text, or the text of the process that published first).
 */
function publish(file: string, text: string): string {
  const temp = writeBeside(file, text);
  try {
    linkSync(temp, file);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
      rmSync(temp, { force: true });
      throw new Error(
        `cannot create the emulator CA in ${path.dirname(file)} (${(e as Error).message}): ` +
          "choose a folder on a local disk with --ca-dir",
      );
    }
  }
  rmSync(temp, { force: true });
  return readFileSync(file, "utf8");
}

/** Removes the temporary files of processes that died while writing them. */
function removeAbandoned(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(tempPattern.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && !isAlive(pid)) rmSync(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The certificate and the key are one pair; a folder where they are not cannot be repaired here. */
function checkPair(dir: string, certPem: string, keyPem: string): void {
  let matches = false;
  try {
    const cert = forge.pki.certificateFromPem(certPem);
    const key = forge.pki.privateKeyFromPem(keyPem);
    const pub = cert.publicKey as forge.pki.rsa.PublicKey;
    matches = pub.n.equals(key.n) && pub.e.equals(key.e);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new Error(
      `the emulator CA in ${dir} is damaged (${certName} and ${keyName} are not one pair): ` +
        `delete the folder to make a new CA (and trust its new ${certName}), or use --ca-dir`,
    );
  }
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

/** A self-signed CA certificate for the key given. */
function caCertificate(keyPem: string): string {
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
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
  cert.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
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
